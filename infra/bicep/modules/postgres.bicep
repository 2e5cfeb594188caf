// Azure Database for PostgreSQL Flexible Server, TLS required: the platform's one database, with
// one schema per service, owned by the service's own login role (modules/db-roles-job.bicep);
// each service runs its migrations at start. `databaseUrl` is the admin's, for that job only.
param location string
param name string
param administratorLogin string
@secure()
param administratorPassword string
param databaseName string = 'obs'
param skuName string = 'Standard_D2ds_v5'
param tier string = 'GeneralPurpose'
param storageSizeGB int = 64
param postgresVersion string = '17'
@description('Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers in the platform VNet.')
param delegatedSubnetId string
@description('Private DNS zone <server>.private.postgres.database.azure.com, linked to that VNet.')
param privateDnsZoneId string
param tags object

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: tier }
  properties: {
    version: postgresVersion
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    storage: { storageSizeGB: storageSizeGB, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Enabled' }
    highAvailability: { mode: 'ZoneRedundant' }
    // Private access (VNet integration): the server has no public endpoint and no firewall rules;
    // only the platform VNet (the Container Apps environment) reaches it.
    network: {
      publicNetworkAccess: 'Disabled'
      delegatedSubnetResourceId: delegatedSubnetId
      privateDnsZoneArmResourceId: privateDnsZoneId
    }
    authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Enabled' }
  }
}

// TLS is mandatory: plaintext connections are refused by the server, and clients verify it
// (DATABASE_URL carries sslmode=verify-full; Node trusts Azure's public CA chain).
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'require_secure_transport'
  properties: { value: 'on', source: 'user-override' }
}

resource minimumTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'ssl_min_protocol_version'
  properties: { value: 'TLSv1.2', source: 'user-override' }
  dependsOn: [requireTls]
}

resource logConnections 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'log_connections'
  properties: { value: 'on', source: 'user-override' }
  dependsOn: [minimumTls]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

@secure()
output databaseUrl string = 'postgres://${uriComponent(administratorLogin)}:${uriComponent(administratorPassword)}@${server.properties.fullyQualifiedDomainName}:5432/${database.name}?sslmode=verify-full'
output fqdn string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name

// The platform's virtual network: the Container Apps environment runs in it, and the services reach
// Key Vault and PostgreSQL over private addresses only (neither accepts public traffic).
//   apps               Container Apps environment (workload profiles: delegated, /23 or larger)
//   private-endpoints  Key Vault's private endpoint
//   postgres           PostgreSQL Flexible Server with VNet integration (delegated subnet)
// Each private DNS zone is linked to the VNet so the services resolve the public names
// (<vault>.vault.azure.net, <server>.postgres.database.azure.com) to the private addresses.
param location string
param name string
@description('Name of the PostgreSQL server, whose private DNS zone is <server>.private.postgres.database.azure.com.')
param postgresServerName string
param addressPrefix string = '10.40.0.0/16'
param appsSubnetPrefix string = '10.40.0.0/23'
param privateEndpointsSubnetPrefix string = '10.40.2.0/24'
param postgresSubnetPrefix string = '10.40.3.0/24'
param tags object

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [addressPrefix] }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          delegations: [{ name: 'container-apps', properties: { serviceName: 'Microsoft.App/environments' } }]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointsSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: postgresSubnetPrefix
          delegations: [
            { name: 'postgres-flexible', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } }
          ]
        }
      }
    ]
  }
}

resource vaultZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: tags
}

resource vaultZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: vaultZone
  name: '${name}-link'
  location: 'global'
  properties: { virtualNetwork: { id: vnet.id }, registrationEnabled: false }
}

resource postgresZone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: '${postgresServerName}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource postgresZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: postgresZone
  name: '${name}-link'
  location: 'global'
  properties: { virtualNetwork: { id: vnet.id }, registrationEnabled: false }
}

output id string = vnet.id
output appsSubnetId string = '${vnet.id}/subnets/apps'
output privateEndpointsSubnetId string = '${vnet.id}/subnets/private-endpoints'
output postgresSubnetId string = '${vnet.id}/subnets/postgres'
output vaultDnsZoneId string = vaultZone.id
// Read by the postgres module only after this module (links included) has deployed.
output postgresDnsZoneId string = postgresZone.id

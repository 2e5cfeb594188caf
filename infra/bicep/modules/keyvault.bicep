// Key Vault for every secret the apps read (by reference from Container Apps, through the
// user-assigned identity): the database URL, the Event Hubs connection string, the storage
// connection string and, without JWKS, the JWT secret.
param location string
param name string
param tenantId string = subscription().tenantId
@description('Subnet of the private endpoint, in the VNet of the Container Apps environment.')
param privateEndpointSubnetId string
@description('The privatelink.vaultcore.azure.net zone linked to that VNet.')
param privateDnsZoneId string
param tags object

// No public endpoint. Container Apps is not a "trusted Azure service" for the firewall bypass, so
// its Key Vault secret references reach the vault through a private endpoint in the environment's
// VNet (Container Apps documentation, "Manage secrets": Key Vault with network restrictions). The
// deployment itself writes the secrets through Azure Resource Manager (control plane), which the
// vault's network rules do not apply to.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Disabled'
    networkAcls: { bypass: 'None', defaultAction: 'Deny' }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: '${name}-pe'
  location: location
  tags: tags
  properties: {
    subnet: { id: privateEndpointSubnetId }
    privateLinkServiceConnections: [
      { name: 'vault', properties: { privateLinkServiceId: vault.id, groupIds: ['vault'] } }
    ]
  }
}

resource endpointDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: 'vault', properties: { privateDnsZoneId: privateDnsZoneId } }]
  }
}

// Module outputs are read after the whole module, private endpoint and DNS record included.
output name string = vault.name
output uri string = vault.properties.vaultUri

// Key Vault for every secret the apps read (by reference from Container Apps, through the
// user-assigned identity): the database URL, the Event Hubs connection string, the storage
// connection string and, without JWKS, the JWT secret.
param location string
param name string
param tenantId string = subscription().tenantId
param tags object

// Public endpoint with default-deny: only trusted Azure services (Container Apps' secret references
// through the managed identity) get in. Disabling it needs a VNet and a private endpoint.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  #checkov:skip=CKV_AZURE_189:default action Deny with the AzureServices bypass; see comment above
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
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      // Container Apps reach the vault as a trusted Azure service; nothing else is allowed in.
      bypass: 'AzureServices'
      defaultAction: 'Deny'
    }
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri

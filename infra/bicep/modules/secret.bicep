// One Key Vault secret (kept in a module so its value never shows in the deployment's outputs).
param vaultName string
param name string
@secure()
param value string
param expiresInDays int = 365
param now string = utcNow()

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: name
  properties: {
    value: value
    contentType: 'text/plain'
    attributes: {
      exp: dateTimeToEpoch(dateTimeAdd(now, 'P${expiresInDays}D'))
    }
  }
}

output uri string = secret.properties.secretUri

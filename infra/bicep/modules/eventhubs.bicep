// Event Hubs namespace with its Kafka endpoint (Standard tier and above expose it on port 9093):
// the platform's Kafka in Azure. Services authenticate with SASL/PLAIN over TLS, user
// `$ConnectionString`, password = the namespace connection string of the `platform` rule.
param location string
param name string
@allowed(['Standard', 'Premium'])
param sku string = 'Standard'
param capacity int = 1
param tags object

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: sku, tier: sku, capacity: capacity }
  properties: {
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: false
    zoneRedundant: true
  }
}

resource platformRule 'Microsoft.EventHub/namespaces/authorizationRules@2024-01-01' = {
  parent: namespace
  name: 'platform'
  properties: {
    // Services create their topics at start (ensureTopics), so the rule can manage hubs.
    rights: ['Listen', 'Send', 'Manage']
  }
}

output name string = namespace.name
output bootstrapServers string = '${namespace.name}.servicebus.windows.net:9093'
@secure()
output connectionString string = platformRule.listKeys().primaryConnectionString

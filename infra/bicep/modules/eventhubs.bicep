// Event Hubs namespace with its Kafka endpoint (Standard tier and above expose it on port 9093):
// the platform's Kafka in Azure. Services authenticate with SASL/PLAIN over TLS, user
// `$ConnectionString`, password = the namespace connection string of the `platform` rule.
//
// Tier: every topic is an event hub, and the tier caps them per namespace (Event Hubs quotas):
// Standard 10, Premium 100 per processing unit, Dedicated 1000. The services create the ten
// aggregate topics and a `.dlq` topic beside each topic they consume at start (up to 20), so
// Standard cannot hold them: the 11th createTopics fails. Premium with one processing unit holds
// 100 (tools/infra-files.unit.test.ts checks the count against the tier).
param location string
param name string
@allowed(['Premium'])
param sku string = 'Premium'
@description('Processing units (Premium): 1, 2, 4, 8 or 16.')
@allowed([1, 2, 4, 8, 16])
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

// The Container Apps environment every service runs in; its logs go to Log Analytics.
param location string
param name string
param workspaceCustomerId string
@secure()
param workspaceSharedKey string
param tags object

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: workspaceCustomerId
        sharedKey: workspaceSharedKey
      }
    }
    zoneRedundant: false
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

output id string = environment.id
output defaultDomain string = environment.properties.defaultDomain

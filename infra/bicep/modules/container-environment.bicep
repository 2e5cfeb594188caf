// The Container Apps environment every service runs in, inside the platform VNet (so the apps reach
// Key Vault and PostgreSQL over private endpoints); its logs go to Log Analytics.
//
// Traces and logs: the environment's managed OpenTelemetry agent forwards them to Application
// Insights (its connection string is the environment's, not the apps'). Container Apps injects
// OTEL_EXPORTER_OTLP_ENDPOINT into every app of an environment with the agent configured, and the
// service kit exports spans over OTLP whenever that variable is set
// (packages/service-kit/src/telemetry.ts). `openTelemetryConfiguration` is in the preview API
// versions of Microsoft.App/managedEnvironments only, hence the API version.
param location string
param name string
param workspaceCustomerId string
@secure()
param workspaceSharedKey string
@description('Subnet delegated to Microsoft.App/environments (/23 or larger).')
param infrastructureSubnetId string
@secure()
param appInsightsConnectionString string
param tags object

resource environment 'Microsoft.App/managedEnvironments@2024-10-02-preview' = {
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
    vnetConfiguration: {
      infrastructureSubnetId: infrastructureSubnetId
      // The ingest and API services keep their public ingress; the environment is not internal-only.
      internal: false
    }
    appInsightsConfiguration: { connectionString: appInsightsConnectionString }
    openTelemetryConfiguration: {
      tracesConfiguration: { destinations: ['appInsights'] }
      logsConfiguration: { destinations: ['appInsights'] }
    }
    zoneRedundant: false
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

output id string = environment.id
output defaultDomain string = environment.properties.defaultDomain

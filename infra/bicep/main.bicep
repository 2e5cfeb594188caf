// The Observability & Feedback Platform on Azure: Container Apps (one app per service), Event Hubs
// (Kafka endpoint), PostgreSQL Flexible Server (TLS required), Storage, Log Analytics with
// workspace-based Application Insights, Key Vault and one user-assigned identity, in one VNet:
// Key Vault (private endpoint) and PostgreSQL (VNet integration) have no public endpoint.
// Deploy: see README.md beside this file. NOT compiled on the machines this was written on.
targetScope = 'resourceGroup'

@description('Prefix of every resource name (3–11 lowercase letters or digits).')
@minLength(3)
@maxLength(11)
param prefix string
param location string = resourceGroup().location
@description('Image of each service is <imageRepository>/<service>:<imageTag>.')
param imageRepository string
param imageTag string
@description('Registry to pull from with the identity (empty for a public registry), e.g. obsplatform.azurecr.io.')
param registryServer string = ''
@description('Resource group of that registry: the identity is granted AcrPull on it there.')
param registryResourceGroup string = resourceGroup().name
param postgresAdministratorLogin string = 'obsadmin'
@secure()
param postgresAdministratorPassword string
@secure()
@description('The password of each service\'s own PostgreSQL role, by service name (at least 16 characters each).')
param serviceDatabasePasswords object
@description('JWKS mode (recommended): the key set URL, with issuer and audience. Empty: HS256 with jwtSecret.')
param jwksUrl string = ''
param jwtIssuer string = ''
param jwtAudience string = ''
@secure()
@description('Only without jwksUrl: the HS256 secret (at least 16 characters), kept in Key Vault.')
param jwtSecret string = ''
@description('Browser origins allowed to call the OTLP endpoint and the read APIs (CORS): comma-separated exact origins, e.g. https://app.example.com. Empty: none.')
param corsOrigins string = ''
param minReplicas int = 1
param maxReplicas int = 5
param tags object = { platform: 'obs' }

// The eleven services (docs/design.md#ports), each with its SQL schema (ServiceDefinition.schema;
// the db-roles job creates its role `<schema>_svc`, and a test compares the two lists). external:
// reachable from outside the environment (ingest and API services); consumers: the Kafka consumer groups whose lag scales the app
// (`<service>.<consumer name>`, as the kit's consumer runner names them).
var services = [
  { name: 'trace-service', port: 4101, schema: 'trace', external: true, consumers: [] }
  { name: 'log-query-service', port: 4102, schema: 'log_query', external: true, consumers: [] }
  {
    name: 'metric-aggregation-service'
    port: 4103
    schema: 'metric'
    external: true
    consumers: [{ group: 'metric-aggregation-service.span-metrics', topic: 'obs.trace-record.v1' }]
  }
  { name: 'dashboard-service', port: 4104, schema: 'dashboard', external: true, consumers: [] }
  {
    name: 'alert-rule-service'
    port: 4105
    schema: 'alert_rule'
    external: true
    consumers: [
      { group: 'alert-rule-service.metric-aggregated', topic: 'obs.metric-series.v1' }
      { group: 'alert-rule-service.incident-escalated', topic: 'obs.incident.v1' }
      { group: 'alert-rule-service.slo-burn-rate-alert', topic: 'obs.slo-definition.v1' }
      { group: 'alert-rule-service.feedback-routed', topic: 'obs.feedback-item.v1' }
    ]
  }
  {
    name: 'incident-service'
    port: 4106
    schema: 'incident'
    external: true
    consumers: [
      { group: 'incident-service.alert-triggered', topic: 'obs.alert-rule.v1' }
      { group: 'incident-service.slo-breached', topic: 'obs.slo-definition.v1' }
      { group: 'incident-service.slo-burn-rate-alert', topic: 'obs.slo-definition.v1' }
    ]
  }
  {
    name: 'feedback-service'
    port: 4107
    schema: 'feedback'
    external: true
    consumers: [
      { group: 'feedback-service.incident-resolved', topic: 'obs.incident.v1' }
      { group: 'feedback-service.slo-breached', topic: 'obs.slo-definition.v1' }
      { group: 'feedback-service.cost-anomaly-detected', topic: 'obs.cost-signal.v1' }
    ]
  }
  {
    name: 'quality-score-service'
    port: 4108
    schema: 'quality_score'
    external: true
    consumers: [
      { group: 'quality-score-service.feedback-item-created', topic: 'obs.feedback-item.v1' }
      { group: 'quality-score-service.incident', topic: 'obs.incident.v1' }
      { group: 'quality-score-service.slo-breached', topic: 'obs.slo-definition.v1' }
      { group: 'quality-score-service.cost-anomaly-detected', topic: 'obs.cost-signal.v1' }
    ]
  }
  { name: 'cost-telemetry-service', port: 4109, schema: 'cost', external: true, consumers: [] }
  {
    name: 'slo-service'
    port: 4110
    schema: 'slo'
    external: true
    consumers: [{ group: 'slo-service.metric-aggregated', topic: 'obs.metric-series.v1' }]
  }
  {
    name: 'telemetry-correlation-service'
    port: 4111
    schema: 'correlation'
    external: false
    consumers: [
      { group: 'telemetry-correlation-service.trace-recorded', topic: 'obs.trace-record.v1' }
      { group: 'telemetry-correlation-service.incident', topic: 'obs.incident.v1' }
      { group: 'telemetry-correlation-service.feedback-item-created', topic: 'obs.feedback-item.v1' }
      { group: 'telemetry-correlation-service.metric-aggregated', topic: 'obs.metric-series.v1' }
      { group: 'telemetry-correlation-service.cost-anomaly-detected', topic: 'obs.cost-signal.v1' }
    ]
  }
]

var names = {
  identity: '${prefix}-id'
  workspace: '${prefix}-logs'
  appInsights: '${prefix}-appi'
  vault: '${prefix}-kv-${uniqueString(resourceGroup().id)}'
  eventHubs: '${prefix}-ehns-${uniqueString(resourceGroup().id)}'
  postgres: '${prefix}-pg-${uniqueString(resourceGroup().id)}'
  storage: toLower('${prefix}st${uniqueString(resourceGroup().id)}')
  environment: '${prefix}-cae'
  vnet: '${prefix}-vnet'
}

module network 'modules/network.bicep' = {
  name: 'network'
  params: { location: location, name: names.vnet, postgresServerName: names.postgres, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { location: location, workspaceName: names.workspace, appInsightsName: names.appInsights, tags: tags }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: take(names.vault, 24)
    privateEndpointSubnetId: network.outputs.privateEndpointsSubnetId
    privateDnsZoneId: network.outputs.vaultDnsZoneId
    tags: tags
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventhubs'
  params: { location: location, name: names.eventHubs, tags: tags }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    name: names.postgres
    administratorLogin: postgresAdministratorLogin
    administratorPassword: postgresAdministratorPassword
    delegatedSubnetId: network.outputs.postgresSubnetId
    privateDnsZoneId: network.outputs.postgresDnsZoneId
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { location: location, name: take(names.storage, 24), tags: tags }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    name: names.identity
    keyVaultName: vault.outputs.name
    storageAccountName: storage.outputs.name
    workspaceName: monitoring.outputs.workspaceName
    tags: tags
  }
}

// The apps pull their images with the identity: it needs AcrPull on the registry.
module acrPull 'modules/acr-pull.bicep' = if (!empty(registryServer)) {
  name: 'acr-pull'
  scope: resourceGroup(registryResourceGroup)
  params: { registryName: split(registryServer, '.')[0], principalId: identity.outputs.principalId }
}

var useJwks = !empty(jwksUrl)

// The admin URL is for the db-roles job only; each app gets its own role's URL.
module adminUrlSecret 'modules/secret.bicep' = {
  name: 'secret-postgres-admin-url'
  params: { vaultName: vault.outputs.name, name: 'postgres-admin-url', value: postgres.outputs.databaseUrl }
}

module databaseUrlSecrets 'modules/secret.bicep' = [for service in services: {
  name: 'secret-database-url-${service.name}'
  params: {
    vaultName: vault.outputs.name
    name: 'database-url-${service.name}'
    value: 'postgres://${service.schema}_svc:${uriComponent(serviceDatabasePasswords[service.name])}@${postgres.outputs.fqdn}:5432/${postgres.outputs.databaseName}?sslmode=verify-full'
  }
}]

module rolePasswordSecrets 'modules/secret.bicep' = [for service in services: {
  name: 'secret-db-password-${service.name}'
  params: {
    vaultName: vault.outputs.name
    name: 'db-password-${service.name}'
    value: serviceDatabasePasswords[service.name]
  }
}]

var platformSecrets = [
  { name: 'kafka-connection-string', value: eventHubs.outputs.connectionString }
  { name: 'storage-connection-string', value: storage.outputs.connectionString }
]
var jwtSecrets = useJwks ? [] : [{ name: 'jwt-secret', value: jwtSecret }]
var secretValues = concat(platformSecrets, jwtSecrets)

module secrets 'modules/secret.bicep' = [for secret in secretValues: {
  name: 'secret-${secret.name}'
  params: { vaultName: vault.outputs.name, name: secret.name, value: secret.value }
}]

module environment 'modules/container-environment.bicep' = {
  name: 'container-environment'
  params: {
    location: location
    name: names.environment
    workspaceCustomerId: monitoring.outputs.workspaceCustomerId
    workspaceSharedKey: monitoring.outputs.workspaceSharedKey
    infrastructureSubnetId: network.outputs.appsSubnetId
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    tags: tags
  }
}

// Every variable the kit requires in production (packages/service-kit/src/config.ts), the same
// names as on a laptop and in docker-compose: only their values differ.
var jwksEnv = [
  { name: 'JWKS_URL', value: jwksUrl }
  { name: 'JWT_ISSUER', value: jwtIssuer }
  { name: 'JWT_AUDIENCE', value: jwtAudience }
]
var secretAuthEnv = [{ name: 'JWT_SECRET', secretRef: 'jwt-secret' }]
var authEnv = useJwks ? jwksEnv : secretAuthEnv

var platformEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'HOST', value: '0.0.0.0' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'DATABASE_URL', secretRef: 'database-url' }
  { name: 'KAFKA_BROKERS', value: eventHubs.outputs.bootstrapServers }
  { name: 'KAFKA_TLS', value: 'true' }
  { name: 'KAFKA_SASL_MECHANISM', value: 'plain' }
  { name: 'KAFKA_SASL_USERNAME', value: '$ConnectionString' }
  { name: 'KAFKA_SASL_PASSWORD', secretRef: 'kafka-connection-string' }
  { name: 'AZURE_STORAGE_CONNECTION_STRING', secretRef: 'storage-connection-string' }
  { name: 'LOG_ANALYTICS_WORKSPACE_ID', value: monitoring.outputs.workspaceCustomerId }
  { name: 'AZURE_CLIENT_ID', value: identity.outputs.clientId }
  { name: 'CORS_ORIGINS', value: corsOrigins }
]
// Service-to-service calls stay inside the environment, over https: ingress refuses plain http
// (allowInsecure: false) with a 301 whose redirect drops the Authorization header. The
// environment's certificate names <app>.<defaultDomain> (external ingress) and
// <app>.internal.<defaultDomain> (internal ingress), so the URL is the FQDN, not the bare app name.
var serviceUrlEnv = [for service in services: {
  name: '${toUpper(replace(service.name, '-', '_'))}_URL'
  value: 'https://${service.name}.${service.external ? '' : 'internal.'}${environment.outputs.defaultDomain}'
}]
// The Azure Monitor adapters: log-query-service keeps log bodies in Log Analytics (references
// only in its schema) and trace-service reads spans from the workspace-based Application
// Insights; both query the workspace as the identity (Log Analytics Reader).
var serviceOwnEnv = {
  'log-query-service': [{ name: 'LOG_STORE', value: 'log-analytics' }]
  'trace-service': [
    { name: 'TRACE_SPAN_READER', value: 'app-insights' }
    { name: 'TRACE_APP_INSIGHTS_WORKSPACE_ID', value: monitoring.outputs.workspaceCustomerId }
  ]
}
// Every variable the kit requires in production (packages/service-kit/src/config.ts), the same
// names as on a laptop and in docker-compose: only their values differ.
var commonEnv = concat(platformEnv, authEnv, serviceUrlEnv)

var keyVaultSecrets = [for (secret, i) in secretValues: {
  name: secret.name
  keyVaultUrl: secrets[i].outputs.uri
}]

// Before any app: one least-privilege role per service schema, run as the admin inside the VNet.
module dbRoles 'modules/db-roles-job.bicep' = {
  name: 'db-roles'
  params: {
    location: location
    name: '${prefix}-db-roles'
    environmentId: environment.outputs.id
    identityId: identity.outputs.id
    registryServer: registryServer
    image: '${imageRepository}/${services[0].name}:${imageTag}'
    adminUrlSecretUri: adminUrlSecret.outputs.uri
    roles: [for (service, i) in services: {
      service: service.name
      schema: service.schema
      passwordSecretUri: rolePasswordSecrets[i].outputs.uri
    }]
    tags: tags
  }
  dependsOn: [acrPull]
}

module apps 'modules/service-app.bicep' = [for (service, i) in services: {
  name: 'app-${service.name}'
  params: {
    location: location
    name: service.name
    port: service.port
    external: service.external
    image: '${imageRepository}/${service.name}:${imageTag}'
    environmentId: environment.outputs.id
    identityId: identity.outputs.id
    registryServer: registryServer
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    consumerGroups: service.consumers
    kafkaBootstrapServers: eventHubs.outputs.bootstrapServers
    env: concat(commonEnv, contains(serviceOwnEnv, service.name) ? serviceOwnEnv[service.name] : [])
    // The app's `database-url` secret is its own role's URL (Key Vault `database-url-<service>`).
    keyVaultSecrets: concat(keyVaultSecrets, [
      { name: 'database-url', keyVaultUrl: databaseUrlSecrets[i].outputs.uri }
    ])
    // After the db-roles job ran: the role and its schema exist when the app first connects.
    databaseRolesJob: dbRoles.outputs.jobName
    tags: tags
  }
  dependsOn: [acrPull]
}]

// The one OTLP/HTTP endpoint (OTLP's standard port 4318 in the container; https on 443 outside):
// /v1/traces, /v1/metrics and /v1/logs passed unchanged to the three services. Not a service of
// its own: the kit's front door (dist/otlp-gateway.mjs) run from the trace-service image, with no
// database, no secret and no consumer; it reaches the services at their https URLs.
var otlpGateway = { name: 'otlp-gateway', port: 4318 }
var otlpUpstreams = ['trace-service', 'log-query-service', 'metric-aggregation-service']
var otlpGatewayBaseEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'HOST', value: '0.0.0.0' }
  { name: 'LOG_LEVEL', value: 'info' }
]
var otlpGatewayEnv = [for upstream in otlpUpstreams: {
  name: '${toUpper(replace(upstream, '-', '_'))}_URL'
  value: 'https://${upstream}.${environment.outputs.defaultDomain}'
}]

module gateway 'modules/service-app.bicep' = {
  name: 'app-${otlpGateway.name}'
  params: {
    location: location
    name: otlpGateway.name
    port: otlpGateway.port
    external: true
    image: '${imageRepository}/trace-service:${imageTag}'
    command: ['node', '--enable-source-maps', 'dist/otlp-gateway.mjs']
    environmentId: environment.outputs.id
    identityId: identity.outputs.id
    registryServer: registryServer
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    consumerGroups: []
    kafkaBootstrapServers: eventHubs.outputs.bootstrapServers
    env: concat(otlpGatewayBaseEnv, otlpGatewayEnv)
    keyVaultSecrets: []
    databaseRolesJob: ''
    tags: tags
  }
  dependsOn: [acrPull]
}

// Where observed applications send their logs and traces (LOG_STORE=log-analytics): its
// connection string is read with `az monitor app-insights component show`, not output here.
output appInsightsName string = names.appInsights
output appUrls array = [for (service, i) in services: { service: service.name, fqdn: apps[i].outputs.fqdn }]
// OTEL_EXPORTER_OTLP_ENDPOINT for applications and Collectors outside the environment.
output otlpEndpoint string = 'https://${gateway.outputs.fqdn}'

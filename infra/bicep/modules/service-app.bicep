// One platform service as a container app: its port, ingress (external for the ingest and API
// services, internal otherwise), the shared environment variables and Key Vault secret
// references, health probes on /healthz and /readyz, and replicas that scale on HTTP concurrency
// and, for services that consume events, on Kafka consumer lag (KEDA) too.
//
// Startup: a service runs its migrations and creates its topics before it listens, so a startup
// probe gives it up to 10 + 10 × 12 s before liveness and readiness start counting (Container Apps
// allows failureThreshold 1–10 and initialDelaySeconds 0–60, so the period carries the budget).
param location string
param name string
param port int
param external bool
param image string
param environmentId string
param identityId string
param registryServer string = ''
param minReplicas int = 1
param maxReplicas int = 5
@description('Kafka consumer groups ({ group, topic }) whose lag scales the app; empty for none.')
param consumerGroups array = []
param kafkaBootstrapServers string
@description('Environment variables: { name, value } or { name, secretRef }.')
param env array
@description('Key Vault secret references: { name, keyVaultUrl }.')
param keyVaultSecrets array
@description('The job that bootstraps the app\'s PostgreSQL role (modules/db-roles-job.bicep): it runs first.')
param databaseRolesJob string
@description('Program and arguments instead of the image\'s (the OTLP front door: node dist/otlp-gateway.mjs); empty for the service itself.')
param command array = []
param tags object

var lagRules = [for consumer in consumerGroups: {
  name: 'lag-${uniqueString(consumer.group)}'
  custom: {
    type: 'kafka'
    metadata: {
      bootstrapServers: kafkaBootstrapServers
      consumerGroup: consumer.group
      topic: consumer.topic
      lagThreshold: '100'
      sasl: 'plaintext'
      tls: 'enable'
    }
    auth: [
      { secretRef: 'kafka-sasl-username', triggerParameter: 'username' }
      { secretRef: 'kafka-connection-string', triggerParameter: 'password' }
    ]
  }
}]

var vaultSecrets = [for secret in keyVaultSecrets: {
  name: secret.name
  keyVaultUrl: secret.keyVaultUrl
  identity: identityId
}]
var httpRules = [{ name: 'http', http: { metadata: { concurrentRequests: '50' } } }]
// Both kinds: an API request burst scales a consumer too, and KEDA takes the highest replica count.
var scaleRules = concat(httpRules, lagRules)

resource app 'Microsoft.App/containerApps@2025-01-01' = {
  name: name
  location: location
  tags: union(tags, { 'obs-service': name, 'obs-db-roles-job': databaseRolesJob })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: external
        targetPort: port
        transport: 'http'
        allowInsecure: false
      }
      registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identityId }]
      secrets: concat(vaultSecrets, [{ name: 'kafka-sasl-username', value: '$ConnectionString' }])
    }
    template: {
      containers: [
        {
          name: name
          image: image
          command: empty(command) ? null : take(command, 1)
          args: empty(command) ? null : skip(command, 1)
          env: concat(env, [{ name: 'PORT', value: string(port) }])
          resources: { cpu: json('0.5'), memory: '1Gi' }
          probes: [
            {
              type: 'Startup'
              httpGet: { path: '/healthz', port: port }
              initialDelaySeconds: 10
              periodSeconds: 12
              failureThreshold: 10
              timeoutSeconds: 3
            }
            { type: 'Liveness', httpGet: { path: '/healthz', port: port }, periodSeconds: 10 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: port }, periodSeconds: 5 }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: scaleRules
      }
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn

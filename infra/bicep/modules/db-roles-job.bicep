// The least-privilege PostgreSQL roles (issue 26 item 6): a Container Apps job in the platform's
// environment (so inside the VNet, where the server's only endpoint is) runs the role bootstrap
// as the server admin, and a deployment script starts it and waits for it on every deployment,
// before the apps (main.bicep makes them depend on this module).
//
// The job runs `dist/db-roles.mjs` from a service image (every image has it: tools/bundle-service.ts;
// the SQL is packages/service-kit/src/db/roles.ts): for each service a login role
// `<schema>_svc` that owns only the schema `<schema>`, with the password of that service's
// `db-password-<service>` secret (set on every run, so a new password rotates it); `database-url-<service>`
// (main.bicep) is the URL the service's app connects with. The admin URL goes to this job only.
param location string
param name string
param environmentId string
@description('The identity the job pulls its image and reads Key Vault with (the apps\' identity).')
param identityId string
param registryServer string = ''
param image string
@description('Key Vault URI of the admin connection URL (postgres-admin-url).')
param adminUrlSecretUri string
@description('One per service: { service, schema, passwordSecretUri }.')
param roles array
param tags object
param now string = utcNow()

var adminSecret = { name: 'postgres-admin-url', keyVaultUrl: adminUrlSecretUri, identity: identityId }
var roleSecrets = [for role in roles: {
  name: 'db-password-${role.service}'
  keyVaultUrl: role.passwordSecretUri
  identity: identityId
}]
var baseEnv = [
  { name: 'NODE_ENV', value: 'production' }
  { name: 'DATABASE_URL', secretRef: 'postgres-admin-url' }
]
var roleEnv = [for role in roles: {
  name: 'DB_ROLE_PASSWORD_${toUpper(role.schema)}'
  secretRef: 'db-password-${role.service}'
}]
var schemaArgPairs = [for role in roles: ['--schema', role.schema]]
var schemaArgs = flatten(schemaArgPairs)

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: name
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: 'Consumption'
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 }
      replicaTimeout: 600
      replicaRetryLimit: 2
      registries: empty(registryServer) ? [] : [{ server: registryServer, identity: identityId }]
      secrets: concat([adminSecret], roleSecrets)
    }
    template: {
      containers: [
        {
          name: 'db-roles'
          image: image
          command: ['node']
          args: concat(['--enable-source-maps', 'dist/db-roles.mjs', '--execute'], schemaArgs)
          env: concat(baseEnv, roleEnv)
          resources: { cpu: json('0.25'), memory: '0.5Gi' }
        }
      ]
    }
  }
}

// Starts the job on every deployment (forceUpdateTag) and fails the deployment unless it succeeds.
// Its own identity, allowed to operate this job only.
resource runner 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${name}-runner'
  location: location
  tags: tags
}

var contributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')

resource runnerOnJob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: job
  name: guid(job.id, runner.id, contributor)
  properties: {
    roleDefinitionId: contributor
    principalId: runner.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource run 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: '${name}-run'
  location: location
  tags: tags
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${runner.id}': {} }
  }
  properties: {
    azCliVersion: '2.63.0'
    forceUpdateTag: now
    retentionInterval: 'PT1H'
    cleanupPreference: 'OnSuccess'
    timeout: 'PT20M'
    environmentVariables: [
      { name: 'JOB', value: job.name }
      { name: 'GROUP', value: resourceGroup().name }
    ]
    // The role assignment may take a minute to apply: the start is retried.
    scriptContent: '''
set -eu
az extension add --name containerapp --upgrade --only-show-errors
execution=''
for attempt in 1 2 3 4 5 6 7 8 9; do
  execution=$(az containerapp job start -n "$JOB" -g "$GROUP" --query name -o tsv) && break
  sleep 20
done
test -n "$execution"
while :; do
  status=$(az containerapp job execution show -n "$JOB" -g "$GROUP" --job-execution-name "$execution" --query properties.status -o tsv)
  case "$status" in
    Succeeded) exit 0 ;;
    Failed|Stopped|Degraded) echo "db-roles job $execution: $status" >&2; exit 1 ;;
  esac
  sleep 10
done
'''
  }
  dependsOn: [runnerOnJob]
}

output jobName string = job.name

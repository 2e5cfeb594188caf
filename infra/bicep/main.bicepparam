// An example environment: `az deployment group create -g obs-staging -f main.bicep -p main.bicepparam`.
// Secrets come from the environment of the shell that deploys, never from this file.
using 'main.bicep'

param prefix = 'obsstaging'
param location = 'westeurope'
param imageRepository = 'obsplatform.azurecr.io/obs'
param imageTag = '2026.12.02'
param registryServer = 'obsplatform.azurecr.io'
param registryResourceGroup = 'obs-shared'
param postgresAdministratorPassword = readEnvironmentVariable('OBS_POSTGRES_PASSWORD')
// Each service's own PostgreSQL role (modules/db-roles-job.bicep): OBS_DB_PASSWORD_<SERVICE>.
param serviceDatabasePasswords = {
  'trace-service': readEnvironmentVariable('OBS_DB_PASSWORD_TRACE_SERVICE')
  'log-query-service': readEnvironmentVariable('OBS_DB_PASSWORD_LOG_QUERY_SERVICE')
  'metric-aggregation-service': readEnvironmentVariable('OBS_DB_PASSWORD_METRIC_AGGREGATION_SERVICE')
  'dashboard-service': readEnvironmentVariable('OBS_DB_PASSWORD_DASHBOARD_SERVICE')
  'alert-rule-service': readEnvironmentVariable('OBS_DB_PASSWORD_ALERT_RULE_SERVICE')
  'incident-service': readEnvironmentVariable('OBS_DB_PASSWORD_INCIDENT_SERVICE')
  'feedback-service': readEnvironmentVariable('OBS_DB_PASSWORD_FEEDBACK_SERVICE')
  'quality-score-service': readEnvironmentVariable('OBS_DB_PASSWORD_QUALITY_SCORE_SERVICE')
  'cost-telemetry-service': readEnvironmentVariable('OBS_DB_PASSWORD_COST_TELEMETRY_SERVICE')
  'slo-service': readEnvironmentVariable('OBS_DB_PASSWORD_SLO_SERVICE')
  'telemetry-correlation-service': readEnvironmentVariable('OBS_DB_PASSWORD_TELEMETRY_CORRELATION_SERVICE')
}
param jwksUrl = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys'
param jwtIssuer = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0'
param jwtAudience = 'api://obs-platform'
param minReplicas = 1
param maxReplicas = 5

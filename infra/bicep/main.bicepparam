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
param jwksUrl = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys'
param jwtIssuer = 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0'
param jwtAudience = 'api://obs-platform'
param minReplicas = 1
param maxReplicas = 5

// ftgate in one subscription deployment: `azd up`, or
// `az deployment sub create --location <region> --template-file infra/main.bicep --parameters ...`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment; used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('The one region for everything: it must be the Azure OpenAI account\'s region.')
param location string

@description('The existing Azure OpenAI account whose fine-tuned models ftgate evaluates.')
param openAiAccountName string

@description('The resource group of that account.')
param openAiResourceGroupName string

@description('An existing Azure AI Content Safety endpoint; empty to create one here.')
param contentSafetyEndpoint string = ''

@description('The resource id of that existing Content Safety resource (required with contentSafetyEndpoint; it may be in another resource group or subscription): the app identity gets Cognitive Services User on it.')
param contentSafetyResourceId string = ''

@description('Azure OpenAI fine-tuning webhook signing secret (whsec_...).')
@secure()
param fineTuningWebhookSecret string = ''

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Requests per second the Content Safety resource allows (S0: 100).')
param contentSafetyMaxRps int = 100

@description('Comma-separated origins (https://host[:port]) URL images in training data may be fetched from for screening; empty: none, and such images leave a file incomplete.')
param imageUrlOrigins string = ''

@description('Content-filter (RAI) policy on the Azure OpenAI account that temporary evaluation deployments get; empty for the account default. An annotate-only policy needs Microsoft approval for modified content filters.')
param evaluationRaiPolicyName string = ''

@description('Requests per minute the evaluation deployments allow; 0 for no client-side pacing.')
param openAiMaxRpm int = 0

@description('A deployment on the Azure OpenAI account whose model writes crescendo follow-up turns in model evaluations (Entra ID, like the evaluated model); empty: scripted strategies only.')
param evaluationAttackerDeployment string = ''

@description('What ftgate does when a fine-tuning job uses failing data or a deployment serves an undeployable model: cancel (cancel the job, delete the deployment) or report (record and alert only).')
@allowed(['cancel', 'report'])
param enforcement string = 'cancel'

@description('Storage redundancy. Standard_LRS exists in every region; Standard_ZRS keeps verdicts through a zone outage but only where the region has availability zones (the deployment fails elsewhere).')
@allowed(['Standard_LRS', 'Standard_ZRS'])
param storageSku string = 'Standard_LRS'

@description('Private endpoints for storage and Content Safety, and VNet integration.')
param privateNetworking bool = false

@description('The Event Grid system topic (Microsoft.Resources.ResourceGroups) the Azure OpenAI account\'s resource group already has, reused for deployment writes; empty to create one there (a resource group holds at most one).')
param existingDeploymentEventsTopic string = ''

@description('Email for alert notifications; empty for none.')
param alertEmail string = ''

@description('An existing action group for the alerts (resource id); empty for none.')
param actionGroupId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var trainingContainerName = 'training-data'
var deploymentContainerName = 'app-package-${take(resourceToken, 7)}'
var modelQueueName = 'model-evaluations'
var rescreenQueueName = 'data-rescreens'
var verdictsTableName = 'verdicts'
var createContentSafety = empty(contentSafetyEndpoint)

module region 'modules/region-check.bicep' = {
  name: 'region-check'
  scope: resourceGroup(openAiResourceGroupName)
  params: {
    accountName: openAiAccountName
    location: location
  }
}

// Every regional module below is placed at region.outputs.location, the checked region.
var checkedLocation = region.outputs.location

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentity}${resourceToken}'
    location: checkedLocation
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalytics}${resourceToken}'
    appInsightsName: '${abbrs.appInsights}${resourceToken}'
    location: checkedLocation
    tags: tags
    alertEmail: alertEmail
    actionGroupId: actionGroupId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageAccount}${resourceToken}'
    location: checkedLocation
    tags: tags
    trainingContainerName: trainingContainerName
    deploymentContainerName: deploymentContainerName
    modelQueueName: modelQueueName
    rescreenQueueName: rescreenQueueName
    verdictsTableName: verdictsTableName
    skuName: storageSku
    privateNetworking: privateNetworking
  }
}

module contentSafety 'modules/contentsafety.bicep' = if (createContentSafety) {
  name: 'contentsafety'
  scope: rg
  params: {
    name: '${abbrs.contentSafety}${resourceToken}'
    location: checkedLocation
    tags: tags
    privateNetworking: privateNetworking
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVault}${resourceToken}'
    location: checkedLocation
    tags: tags
    principalId: identity.outputs.principalId
    fineTuningWebhookSecret: fineTuningWebhookSecret
    privateNetworking: privateNetworking
  }
}

module contentSafetyCheck 'modules/contentsafety-check.bicep' = {
  name: 'contentsafety-check'
  scope: rg
  params: {
    endpoint: contentSafetyEndpoint
    resourceId: contentSafetyResourceId
  }
}

// ARM evaluates a module's scope even when its condition is false, so the scope is taken
// from a placeholder id unless a well-formed one is given (contentSafetyCheck refuses the rest).
var contentSafetyIdParts = split((length(split(contentSafetyResourceId, '/')) == 9) ? contentSafetyResourceId : '${rg.id}/providers/Microsoft.CognitiveServices/accounts/none', '/')

module contentSafetyAccess 'modules/contentsafety-access.bicep' = if (!createContentSafety) {
  name: 'contentsafety-access'
  scope: resourceGroup(contentSafetyIdParts[2], contentSafetyIdParts[4])
  params: {
    // Read from the check's output, so the check's message comes before anything else.
    accountName: last(split(contentSafetyCheck.outputs.resourceId, '/'))
    principalId: identity.outputs.principalId
  }
}

module openAi 'modules/openai-access.bicep' = {
  name: 'openai-access'
  scope: resourceGroup(openAiResourceGroupName)
  params: {
    accountName: openAiAccountName
    principalId: identity.outputs.principalId
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: '${abbrs.virtualNetwork}${resourceToken}'
    location: checkedLocation
    tags: tags
    storageId: storage.outputs.id
    contentSafetyId: createContentSafety ? contentSafety.outputs.id : ''
    keyVaultId: keyVault.outputs.id
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageName: storage.outputs.name
    contentSafetyName: createContentSafety ? contentSafety.outputs.name : ''
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Every setting the code reads (see docs/function-app.md); identity-based connections only.
var appSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AzureWebJobsStorage__blobServiceUri: storage.outputs.blobEndpoint
  AzureWebJobsStorage__queueServiceUri: storage.outputs.queueEndpoint
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  TRAINING_STORAGE__credential: 'managedidentity'
  TRAINING_STORAGE__clientId: identity.outputs.clientId
  TRAINING_STORAGE__blobServiceUri: storage.outputs.blobEndpoint
  TRAINING_STORAGE__queueServiceUri: storage.outputs.queueEndpoint
  TRAINING_STORAGE__tableServiceUri: storage.outputs.tableEndpoint
  AZURE_CLIENT_ID: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  TRAINING_CONTAINER: trainingContainerName
  VERDICTS_TABLE: verdictsTableName
  MODEL_EVALUATIONS_QUEUE: modelQueueName
  DATA_RESCREEN_QUEUE: rescreenQueueName
  CONTENT_SAFETY_ENDPOINT: createContentSafety ? contentSafety.outputs.endpoint : contentSafetyEndpoint
  CONTENT_SAFETY_MAX_RPS: string(contentSafetyMaxRps)
  IMAGE_URL_ORIGINS: imageUrlOrigins
  AZURE_OPENAI_ENDPOINT: openAi.outputs.endpoint
  AZURE_OPENAI_MAX_RPM: openAiMaxRpm > 0 ? string(openAiMaxRpm) : ''
  EVALUATION_ATTACKER_DEPLOYMENT: evaluationAttackerDeployment
  AZURE_SUBSCRIPTION_ID: subscription().subscriptionId
  AZURE_OPENAI_RESOURCE_GROUP: openAiResourceGroupName
  AZURE_OPENAI_ACCOUNT: openAiAccountName
  // A Key Vault reference: the secret itself is in no app setting and no module output.
  FINE_TUNING_WEBHOOK_SECRET: keyVault.outputs.webhookReference
  FINE_TUNING_POLL_SCHEDULE: '0 */10 * * * *'
  DEPLOYMENT_SWEEP_SCHEDULE: '0 */15 * * * *'
  ENFORCEMENT: enforcement
  ENFORCEMENT_SCHEDULE: '0 */5 * * * *'
  FTGATE_EVAL_RAI_POLICY: evaluationRaiPolicyName
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The host reads its package and queues with the identity as soon as it starts:
  // every role it needs exists first, or the first start fails on 403s.
  dependsOn: [rbac, openAi, contentSafetyAccess]
  params: {
    name: '${abbrs.functionApp}${resourceToken}'
    planName: '${abbrs.plan}${resourceToken}'
    location: checkedLocation
    tags: tags
    identityId: identity.outputs.id
    blobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: appSettings
    subnetId: privateNetworking ? network.outputs.appSubnetId : ''
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  scope: rg
  params: {
    name: '${abbrs.eventGridSystemTopic}${resourceToken}'
    location: checkedLocation
    tags: tags
    storageId: storage.outputs.id
  }
}

module deploymentEvents 'modules/deployment-events.bicep' = {
  name: 'deployment-events'
  scope: resourceGroup(openAiResourceGroupName)
  params: {
    name: '${abbrs.eventGridSystemTopic}deployments-${resourceToken}'
    existingName: existingDeploymentEventsTopic
    tags: tags
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FTGATE_URL string = 'https://${functionApp.outputs.defaultHostName}'
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output EVENT_GRID_SYSTEM_TOPIC string = eventGrid.outputs.name
output DEPLOYMENT_EVENTS_TOPIC string = deploymentEvents.outputs.name
output AZURE_OPENAI_ACCOUNT_ID string = openAi.outputs.id
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output TRAINING_CONTAINER string = trainingContainerName

// Access to the existing Azure OpenAI account, deployed in that account's resource group.
param accountName string
param principalId string

var roles = {
  cognitiveServicesOpenAIContributor: 'a001fd3d-188f-4b5d-821b-7da978bf7442'
}

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: accountName
}

// One built-in role, the least that holds everything ftgate does on the account
// (built-in roles, AI + machine learning): Cognitive Services OpenAI Contributor has
// Microsoft.CognitiveServices/*/read, accounts/deployments/write and
// accounts/deployments/delete (temporary evaluation deployments; enforcement deletes
// undeployable ones) and the data actions accounts/OpenAI/* (evaluate models, read
// jobs and imported training files, cancel jobs). Cognitive Services Contributor is not
// needed: its Microsoft.CognitiveServices/* adds listing keys and writing the account.
resource openAIContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, roles.cognitiveServicesOpenAIContributor)
  scope: account
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesOpenAIContributor)
    description: 'ftgate: evaluate models, make and delete deployments, read files, cancel jobs'
  }
}

output endpoint string = account.properties.endpoint
output id string = account.id

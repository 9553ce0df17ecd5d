// Cognitive Services User for the app identity on an existing Content Safety resource,
// deployed in that resource's subscription and resource group (it may be another one).
param accountName string
param principalId string

var roles = {
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908'
}

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: accountName
}

// Cognitive Services User: the least built-in role found with the data actions Content
// Safety's analyze calls need, and no management writes. It can also list the account's
// keys (so can Azure AI User); with the account's local auth off the keys open nothing.
resource contentSafetyUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, roles.cognitiveServicesUser)
  scope: account
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.cognitiveServicesUser)
    description: 'ftgate: screen training data with Content Safety'
  }
}

output endpoint string = account.properties.endpoint

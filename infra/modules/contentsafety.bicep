// Azure AI Content Safety, in the app's region, reachable with Entra ID only.
param name string
param location string
param tags object
param privateNetworking bool

resource contentSafety 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  // checkov:skip=CKV_AZURE_134: public access is disabled with privateNetworking; without it the app calls Content Safety over its public endpoint, with Entra ID only (local auth disabled)
  name: name
  location: location
  tags: tags
  kind: 'ContentSafety'
  sku: { name: 'S0' }
  identity: { type: 'SystemAssigned' }
  properties: {
    customSubDomainName: name
    disableLocalAuth: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: { defaultAction: privateNetworking ? 'Deny' : 'Allow' }
  }
}

output id string = contentSafety.id
output name string = contentSafety.name
output endpoint string = contentSafety.properties.endpoint

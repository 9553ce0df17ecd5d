// The Function App on the Flex Consumption plan (FC1), Python 3.11, identity everywhere.
param name string
param planName string
param location string
param tags object
param identityId string
param blobEndpoint string
param deploymentContainerName string
param maximumInstanceCount int
param instanceMemoryMB int
param appSettings object
@description('Subnet for VNet integration; empty without private networking.')
param subnetId string = ''

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  // checkov:skip=CKV_AZURE_225: Flex Consumption zone redundancy depends on the region; the plan scales per event, not per instance count
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  // checkov:skip=CKV_AZURE_222: the fine-tuning webhook and Event Grid deliver from the internet; HTTP routes need a function key or a webhook signature
  // checkov:skip=CKV_AZURE_212: Flex Consumption scales from zero per event; a minimum instance count would be an always-ready cost with no failover benefit
  // checkov:skip=CKV_AZURE_213: Flex Consumption apps have no health-check path; failures surface as poison messages and alerts
  // checkov:skip=CKV_AZURE_78: Flex Consumption has no FTP or FTPS endpoint to set (ftpsState is ignored): code deploys only from the deployment container, and basic publishing credentials are disabled below
  // checkov:skip=CKV_AZURE_17: no incoming client certificates: Optional mode (all a public webhook could use) asks for one but never requires it, so it authenticates nobody, and the Azure OpenAI webhook and Event Grid present none; HTTP routes need a function key or a webhook signature
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    // Key Vault references resolve with the user-assigned identity (there is no system one).
    keyVaultReferenceIdentity: identityId
    httpsOnly: true
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'python'
        version: '3.11'
      }
    }
  }

  resource settings 'config' = {
    // checkov:skip=CKV_AZURE_66: failed request tracing is an App Service (IIS) log; Functions log to Application Insights
    // checkov:skip=CKV_AZURE_63: HTTP logs are an App Service feature; Functions log requests to Application Insights
    // checkov:skip=CKV_AZURE_65: detailed error pages are an App Service (IIS) feature; not applicable to Functions
    // checkov:skip=CKV_AZURE_80: .NET Framework version does not apply to a Python app
    // checkov:skip=CKV_AZURE_13: App Service Authentication does not fit webhooks and key-protected gate calls from pipelines
    // checkov:skip=CKV_AZURE_88: Flex Consumption deploys from a blob container, not Azure Files
    // checkov:skip=CKV_AZURE_222: this is the app-settings resource; public access is set on the site above
    name: 'appsettings'
    properties: appSettings
  }
}

// No publishing with basic credentials: deployments authenticate with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

output id string = app.id
output name string = app.name
output defaultHostName string = app.properties.defaultHostName

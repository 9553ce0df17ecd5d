// The webhook signing secret, in a Key Vault the app reads through a Key Vault reference:
// the secret never appears in app settings or in any deployment's inputs or outputs
// other than this module's secure parameter.
param name string
param location string
param tags object
@description('The app identity that resolves the Key Vault reference.')
param principalId string
@secure()
@description('Azure OpenAI fine-tuning webhook signing secret (whsec_...); empty for none.')
param fineTuningWebhookSecret string
param privateNetworking bool

var secretName = 'fine-tuning-webhook-secret'
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_189: public access is disabled with privateNetworking; without it the app resolves the reference over the public endpoint, with Entra ID and RBAC only
  // checkov:skip=CKV_AZURE_109: the firewall denies by default with privateNetworking; without it the Flex Consumption app has no fixed outbound addresses to allow
  // checkov:skip=CKV2_AZURE_32: the private endpoint exists with privateNetworking (network.bicep); checkov cannot see it across modules
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    // Role assignments, not access policies: who may read the secret is visible in IAM.
    enableRbacAuthorization: true
    enableSoftDelete: true
    // The shortest retention: the name stays reserved this long after `azd down`.
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(fineTuningWebhookSecret)) {
  // checkov:skip=CKV_AZURE_41: the webhook secret is valid until the webhook registration is rotated; an expiry date would silently break signature checks
  // checkov:skip=CKV_AZURE_114: contentType is set below; checkov's Bicep reader does not look inside a conditional resource's body
  parent: vault
  name: secretName
  properties: {
    value: fineTuningWebhookSecret
    contentType: 'text/plain'
  }
}

// Key Vault Secrets User reads secret values and nothing else, and is assigned on the one
// secret rather than the vault: the app reads that secret only. No secret, no assignment.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(fineTuningWebhookSecret)) {
  name: guid(secret.id, principalId, roles.keyVaultSecretsUser)
  scope: secret
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    description: 'ftgate: resolve the webhook secret\'s Key Vault reference'
  }
}

output id string = vault.id
// The app setting's value: a reference to the secret's latest version, never the secret.
output webhookReference string = empty(fineTuningWebhookSecret) ? '' : '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/${secretName}/)'

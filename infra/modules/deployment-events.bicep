// The Azure OpenAI account's resource group as an Event Grid system topic, so that
// deployment writes on the account reach undo_undeployable_deployment (a fine-tuned
// model deployed without a standing deployable verdict is deleted or reported).
// Deployed in that resource group. Its subscription is made after the code is
// deployed (infra/hooks/postdeploy.sh): an Azure Function destination must exist
// when the subscription is created. A resource group holds at most one system topic
// of this type, so creating a second one fails: existingName reuses the group's own.
@description('The name for a new system topic on the resource group.')
param name string
@description('The resource group\'s existing Microsoft.Resources.ResourceGroups system topic, reused rather than created (a group holds at most one); empty to create one.')
param existingName string = ''
param tags object

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (empty(existingName)) {
  name: name
  location: 'global'
  tags: tags
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

// Read, never written: the topic stays its owner's, and tearing ftgate down leaves it.
resource reused 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = if (!empty(existingName)) {
  name: existingName
}

output name string = empty(existingName) ? topic.name : reused.name

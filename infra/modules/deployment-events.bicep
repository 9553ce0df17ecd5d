// The Azure OpenAI account's resource group as an Event Grid system topic, so that
// deployment writes on the account reach undo_undeployable_deployment (a fine-tuned
// model deployed without a standing deployable verdict is deleted or reported).
// Deployed in that resource group. Its subscription is made after the code is
// deployed (infra/hooks/postdeploy.sh): an Azure Function destination must exist
// when the subscription is created. A resource group holds at most one system topic
// of this type: reuse an existing one by name if the group has it already.
param name string
param tags object

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: 'global'
  tags: tags
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
  }
}

output name string = topic.name

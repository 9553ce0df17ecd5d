// The Event Grid system topic on the storage account. Its subscription to the blob
// trigger's webhook is made after the code is deployed (infra/hooks/postdeploy.sh):
// the endpoint needs the blobs_extension system key, which exists only then.
param name string
param location string
param tags object
param storageId string

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storageId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output name string = topic.name

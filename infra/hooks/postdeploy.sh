#!/bin/sh
# After `azd deploy`: subscribe the blob trigger to the storage account's Event Grid
# system topic. The webhook URL carries the blobs_extension system key, which the
# Functions host creates only once the code is running, so this cannot be in Bicep.
# Then subscribe undo_undeployable_deployment to deployment writes on the Azure OpenAI
# account (an Azure Function destination must exist when it is subscribed).
set -eu
app="$AZURE_FUNCTION_APP_NAME"
group="$AZURE_RESOURCE_GROUP"
topic="$EVENT_GRID_SYSTEM_TOPIC"
container="$TRAINING_CONTAINER"

key=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  key=$(az functionapp keys list --name "$app" --resource-group "$group" \
        --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  [ -n "$key" ] && break
  echo "waiting for the blobs_extension key (attempt $attempt)..."
  sleep 15
done
if [ -z "$key" ]; then
  echo "the blobs_extension key did not appear; run this script again once the app is up" >&2
  exit 1
fi

endpoint="https://$app.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.screen_training_file&code=$key"
az eventgrid system-topic event-subscription create \
  --name screen-training-file \
  --resource-group "$group" \
  --system-topic-name "$topic" \
  --endpoint "$endpoint" \
  --endpoint-type webhook \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$container/" \
  --output none
echo "Event Grid now delivers uploads in $container to screen_training_file."

az eventgrid system-topic event-subscription create \
  --name undo-undeployable-deployment \
  --resource-group "$AZURE_OPENAI_RESOURCE_GROUP" \
  --system-topic-name "$DEPLOYMENT_EVENTS_TOPIC" \
  --endpoint "$AZURE_FUNCTION_APP_ID/functions/undo_undeployable_deployment" \
  --endpoint-type azurefunction \
  --included-event-types Microsoft.Resources.ResourceWriteSuccess \
  --subject-begins-with "$AZURE_OPENAI_ACCOUNT_ID/deployments/" \
  --output none
echo "Event Grid now delivers deployment writes on the Azure OpenAI account to undo_undeployable_deployment."

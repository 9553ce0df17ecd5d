# The PowerShell twin of postdeploy.sh, for azd on Windows: the same two Event Grid
# subscriptions, which cannot be in Bicep. The blob subscription's webhook URL carries
# the blobs_extension system key, which the Functions host creates only once the code is
# running; an Azure Function destination must exist when it is subscribed.
$ErrorActionPreference = 'Stop'
# A failed az call does not stop PowerShell; each is checked with $LASTEXITCODE, as
# `set -e` does in the POSIX script.

$app = $env:AZURE_FUNCTION_APP_NAME
$group = $env:AZURE_RESOURCE_GROUP
$topic = $env:EVENT_GRID_SYSTEM_TOPIC
$container = $env:TRAINING_CONTAINER
# Unset variables stop the script, as `set -u` does in the POSIX one.
foreach ($name in 'AZURE_FUNCTION_APP_NAME', 'AZURE_RESOURCE_GROUP', 'EVENT_GRID_SYSTEM_TOPIC',
         'TRAINING_CONTAINER', 'AZURE_OPENAI_RESOURCE_GROUP', 'DEPLOYMENT_EVENTS_TOPIC',
         'AZURE_FUNCTION_APP_ID', 'AZURE_OPENAI_ACCOUNT_ID') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set" }
}

$key = ''
foreach ($attempt in 1..10) {
  # The key is absent until the host has started; a failed lookup is a retry, not an error.
  $key = az functionapp keys list --name $app --resource-group $group `
    --query 'systemKeys.blobs_extension' --output tsv 2>$null
  if ($LASTEXITCODE -eq 0 -and $key) { break }
  $key = ''
  Write-Host "waiting for the blobs_extension key (attempt $attempt)..."
  Start-Sleep -Seconds 15
}
if (-not $key) {
  Write-Error 'the blobs_extension key did not appear; run this script again once the app is up'
  exit 1
}

$endpoint = "https://$app.azurewebsites.net/runtime/webhooks/blobs?functionName=Host.Functions.screen_training_file&code=$key"
az eventgrid system-topic event-subscription create `
  --name screen-training-file `
  --resource-group $group `
  --system-topic-name $topic `
  --endpoint $endpoint `
  --endpoint-type webhook `
  --included-event-types Microsoft.Storage.BlobCreated `
  --subject-begins-with "/blobServices/default/containers/$container/" `
  --output none
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "Event Grid now delivers uploads in $container to screen_training_file."

az eventgrid system-topic event-subscription create `
  --name undo-undeployable-deployment `
  --resource-group $env:AZURE_OPENAI_RESOURCE_GROUP `
  --system-topic-name $env:DEPLOYMENT_EVENTS_TOPIC `
  --endpoint "$env:AZURE_FUNCTION_APP_ID/functions/undo_undeployable_deployment" `
  --endpoint-type azurefunction `
  --included-event-types Microsoft.Resources.ResourceWriteSuccess `
  --subject-begins-with "$env:AZURE_OPENAI_ACCOUNT_ID/deployments/" `
  --output none
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host 'Event Grid now delivers deployment writes on the Azure OpenAI account to undo_undeployable_deployment.'

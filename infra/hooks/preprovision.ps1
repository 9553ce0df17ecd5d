# The PowerShell twin of preprovision.sh: the region must offer the Flex Consumption plan
# (the location is the Azure OpenAI account's region), and with private networking the
# app's VNet integration needs the Microsoft.App resource provider registered in the
# subscription; registering is a subscription-wide change, left to the subscription's owner.
$ErrorActionPreference = 'Stop'
$location = "$env:AZURE_LOCATION".Replace(' ', '').ToLowerInvariant()
if (-not $location) {
  Write-Host "AZURE_LOCATION is not set: azd env set AZURE_LOCATION <the Azure OpenAI account's region>"
  exit 1
}
$regions = az functionapp list-flexconsumption-locations --query "[].name" --output tsv
if ($LASTEXITCODE -ne 0) {
  Write-Host 'Could not list the regions that offer the Flex Consumption plan'
  Write-Host '(az functionapp list-flexconsumption-locations failed): sign in with az login, or update the Azure CLI.'
  exit 1
}
$offered = @($regions | ForEach-Object { "$_".Replace(' ', '').Trim().ToLowerInvariant() })
if ($offered -notcontains $location) {
  Write-Host "The Flex Consumption plan the ftgate app runs on is not offered in $location."
  Write-Host "ftgate deploys into the Azure OpenAI account's region; use an account in a region listed by:"
  Write-Host '  az functionapp list-flexconsumption-locations --output table'
  exit 1
}
if ($env:FTGATE_PRIVATE_NETWORKING -ne 'true') { exit 0 }
$state = az provider show --namespace Microsoft.App --query registrationState --output tsv
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if ($state -ne 'Registered') {
  Write-Host "Private networking needs the Microsoft.App resource provider, which is $state in this subscription."
  Write-Host 'Register it (once per subscription), then provision again:'
  Write-Host '  az provider register --namespace Microsoft.App --wait'
  exit 1
}

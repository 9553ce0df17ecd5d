# The PowerShell twin of preprovision.sh: with private networking, the app's VNet
# integration needs the Microsoft.App resource provider registered in the subscription;
# registering is a subscription-wide change, so it is left to the subscription's owner.
$ErrorActionPreference = 'Stop'
if ($env:FTGATE_PRIVATE_NETWORKING -ne 'true') { exit 0 }
$state = az provider show --namespace Microsoft.App --query registrationState --output tsv
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if ($state -ne 'Registered') {
  Write-Host "Private networking needs the Microsoft.App resource provider, which is $state in this subscription."
  Write-Host 'Register it (once per subscription), then provision again:'
  Write-Host '  az provider register --namespace Microsoft.App --wait'
  exit 1
}

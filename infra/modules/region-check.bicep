// One region for everything: the location parameter must be the Azure OpenAI
// account's region, so evaluations and verdicts stay in the resource's geography.
// Every regional module takes its location from this module's output, so a
// mismatch stops the deployment before anything regional is created.
// (checkov's bundled Bicep parser predates fail(); this file holds no resources.)
param accountName string
param location string

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: accountName
}

var sameRegion = toLower(replace(account.location, ' ', '')) == toLower(replace(location, ' ', ''))

output location string = sameRegion ? location : fail('The location parameter (${location}) must be the Azure OpenAI account region (${account.location}): ftgate keeps evaluations and verdicts in the resource\'s geography.')

#!/bin/sh
# Before `azd provision`, two checks that would otherwise fail mid-deployment with an ARM
# error naming neither cause nor fix:
# 1. The app runs on the Flex Consumption plan, which not every region offers, and the
#    location is the Azure OpenAI account's region (modules/region-check.bicep).
# 2. With private networking, the app's VNet integration delegates a subnet to
#    Microsoft.App/environments, which needs the Microsoft.App resource provider
#    registered. Registering is a subscription-wide change, so it is left to whoever
#    owns the subscription.
set -eu
location=$(printf '%s' "${AZURE_LOCATION:-}" | tr -d ' ' | tr '[:upper:]' '[:lower:]')
if [ -z "$location" ]; then
  echo "AZURE_LOCATION is not set: azd env set AZURE_LOCATION <the Azure OpenAI account's region>" >&2
  exit 1
fi
if ! regions=$(az functionapp list-flexconsumption-locations --query "[].name" --output tsv); then
  echo "Could not list the regions that offer the Flex Consumption plan" >&2
  echo "(az functionapp list-flexconsumption-locations failed): sign in with az login, or update the Azure CLI." >&2
  exit 1
fi
if ! printf '%s\n' "$regions" | tr -d ' \r' | tr '[:upper:]' '[:lower:]' | grep -qx "$location"; then
  echo "The Flex Consumption plan the ftgate app runs on is not offered in $location." >&2
  echo "ftgate deploys into the Azure OpenAI account's region; use an account in a region listed by:" >&2
  echo "  az functionapp list-flexconsumption-locations --output table" >&2
  exit 1
fi
if [ "${FTGATE_PRIVATE_NETWORKING:-false}" != "true" ]; then
  exit 0
fi
state=$(az provider show --namespace Microsoft.App --query registrationState --output tsv)
if [ "$state" != "Registered" ]; then
  echo "Private networking needs the Microsoft.App resource provider, which is $state in this subscription." >&2
  echo "Register it (once per subscription), then provision again:" >&2
  echo "  az provider register --namespace Microsoft.App --wait" >&2
  exit 1
fi

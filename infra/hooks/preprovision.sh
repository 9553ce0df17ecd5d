#!/bin/sh
# Before `azd provision`: with private networking, the app's VNet integration delegates a
# subnet to Microsoft.App/environments, which fails mid-deployment unless the
# subscription has the Microsoft.App resource provider registered. Registering is a
# subscription-wide change, so it is left to whoever owns the subscription.
set -eu
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

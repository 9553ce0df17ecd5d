#!/usr/bin/env bash
# make smoke-azure: ftgate end to end on a real subscription, in a throwaway azd
# environment. Never run by `make test`: it creates billable resources.
#
#   FTGATE_SMOKE_SUBSCRIPTION  the subscription to deploy into (must be az's active one)
#   FTGATE_SMOKE_LOCATION      the region: the Azure OpenAI account's
#   AZURE_OPENAI_ACCOUNT, AZURE_OPENAI_RESOURCE_GROUP   the account ftgate attaches to
#   FTGATE_SMOKE_CONFIRM       "<subscription>/<location>", or typed when asked
#   FTGATE_SMOKE_DEPLOYMENT    optional: a deployment to evaluate with eval-model
#
# It provisions and deploys (azd up, ENFORCEMENT=report so nothing on the account is
# cancelled or deleted), uploads examples/chat-clean.jsonl and examples/chat-harmful.jsonl,
# waits for both verdicts at the gate, optionally evaluates the named deployment, prints
# what it saw and what it cost, and on exit, whatever happened, deletes what it created.
# Teardown is not `azd down --purge`: azd deletes every resource group that holds a
# resource of the deployment (Azure/azure-dev#2916), and this deployment places a role
# assignment and a system topic in the Azure OpenAI account's resource group.
set -euo pipefail

ftgate=${FTGATE:-.venv/bin/ftgate}
python=${FTGATE_PYTHON:-.venv/bin/python}
env_name="ftgate-smoke-$(date +%s)"
created=""       # set once azd has created the environment: the trap then tears down
group=""
failures=0

say() { printf '%s\n' "$*"; }
fail() { say "smoke-azure: $*" >&2; exit 2; }

confirm() {
  local subscription=${FTGATE_SMOKE_SUBSCRIPTION:-} location=${FTGATE_SMOKE_LOCATION:-}
  [ -n "$subscription" ] || fail "set FTGATE_SMOKE_SUBSCRIPTION to the subscription to deploy into"
  [ -n "$location" ] || fail "set FTGATE_SMOKE_LOCATION to the Azure OpenAI account's region"
  [ -n "${AZURE_OPENAI_ACCOUNT:-}" ] || fail "set AZURE_OPENAI_ACCOUNT"
  [ -n "${AZURE_OPENAI_RESOURCE_GROUP:-}" ] || fail "set AZURE_OPENAI_RESOURCE_GROUP"
  local active
  active=$(az account show --query id --output tsv) || fail "az is not signed in: az login"
  [ "$active" = "$subscription" ] ||
    fail "az's active subscription is $active, not $subscription: az account set --subscription $subscription"
  say "This deploys ftgate into subscription $subscription, region $location (billable),"
  say "attached to Azure OpenAI account $AZURE_OPENAI_ACCOUNT in $AZURE_OPENAI_RESOURCE_GROUP, as"
  say "environment $env_name, and deletes it again on exit."
  local answer=${FTGATE_SMOKE_CONFIRM:-}
  if [ -z "$answer" ] && [ -t 0 ]; then
    read -r -p "Type $subscription/$location to continue: " answer
  fi
  [ "$answer" = "$subscription/$location" ] ||
    fail "not confirmed: set FTGATE_SMOKE_CONFIRM=$subscription/$location (or type it when asked)"
}

value() {  # an output of the azd environment
  azd env get-values --environment "$env_name" | sed -n "s/^$1=\"\\(.*\\)\"\$/\\1/p"
}

teardown() {
  local status=$?
  [ -n "$created" ] || exit "$status"
  set +e
  say "== teardown of $env_name"
  group=${group:-$(value AZURE_RESOURCE_GROUP)}
  # What the deployment created outside its own group (role assignments, the deployment
  # events topic in the Azure OpenAI account's group), deleted one by one.
  local deployment id
  for deployment in $(az deployment sub list \
      --query "[?tags.\"azd-env-name\"=='$env_name'].name" --output tsv); do
    for id in $(az deployment sub show --name "$deployment" \
        --query "properties.outputResources[].id" --output tsv); do
      case "$(printf '%s' "$id" | tr '[:upper:]' '[:lower:]')" in
        */resourcegroups/"$(printf '%s' "$group" | tr '[:upper:]' '[:lower:]')"/*) ;;
        */providers/microsoft.authorization/roleassignments/*)
          az role assignment delete --ids "$id" --output none ;;
        */resourcegroups/*) az resource delete --ids "$id" --output none ;;
        *) ;;  # the resource group itself: deleted below
      esac
    done
  done
  if [ -n "$group" ]; then
    az group delete --name "$group" --yes
    # azd down --purge would purge the soft-deleted Content Safety account too.
    local name
    for name in $(az cognitiveservices account list-deleted \
        --query "[?contains(id, '/resourceGroups/$group/')].name" --output tsv); do
      az cognitiveservices account purge --name "$name" --resource-group "$group" \
        --location "$FTGATE_SMOKE_LOCATION"
    done
    say "The Key Vault has purge protection: its name stays reserved for 7 days."
  fi
  rm -rf ".azure/$env_name"
  exit "$status"
}

upload() {  # upload FILE as NAME, retrying while a new role assignment propagates
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if az storage blob upload --auth-mode login --account-name "$(value STORAGE_ACCOUNT_NAME)" \
        --container-name "$(value TRAINING_CONTAINER)" --name "$2" --file "$1" \
        --overwrite --only-show-errors --output none; then
      return 0
    fi
    say "upload refused (attempt $attempt): waiting for the role assignment"
    sleep 30
  done
  return 1
}

expect_gate() {  # expect_gate FILE WANTED-EXIT-CODE: ask the gate about FILE's SHA-256
  local sha code
  sha=$(sha256sum "$1" | cut -d ' ' -f 1)
  code=0
  "$ftgate" gate data "$sha" --url "$(value FTGATE_URL)" --key "$function_key" --wait 20m ||
    code=$?
  if [ "$code" -ne "$2" ]; then
    say "UNEXPECTED: $1 answered exit $code, expected $2"
    failures=$((failures + 1))
  fi
  TRAINING_STORAGE__tableServiceUri="https://$(value STORAGE_ACCOUNT_NAME).table.core.windows.net" \
    "$ftgate" verdicts show "$sha" --json |
    "$python" -c 'import json, sys; (row,) = json.load(sys.stdin); print(
        "  used: Content Safety requests", row.get("ContentSafetyRequests"))' ||
    say "  (the verdict's counts could not be read)"
}

main() {
  confirm
  command -v azd > /dev/null || fail "azd is not installed"
  trap teardown EXIT
  trap 'exit 130' INT TERM
  azd env new "$env_name" --subscription "$FTGATE_SMOKE_SUBSCRIPTION" \
    --location "$FTGATE_SMOKE_LOCATION" --no-prompt
  created=yes
  azd env set --environment "$env_name" AZURE_OPENAI_ACCOUNT "$AZURE_OPENAI_ACCOUNT"
  azd env set --environment "$env_name" AZURE_OPENAI_RESOURCE_GROUP "$AZURE_OPENAI_RESOURCE_GROUP"
  azd env set --environment "$env_name" FTGATE_ENFORCEMENT report
  azd env set --environment "$env_name" FINE_TUNING_WEBHOOK_SECRET \
    "whsec_$("$python" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  say "== azd up"
  azd up --environment "$env_name" --no-prompt
  group=$(value AZURE_RESOURCE_GROUP)

  # Upload and read verdicts as the signed-in user, on this throwaway account only.
  local me storage_id role
  me=$(az ad signed-in-user show --query id --output tsv)
  storage_id=$(az storage account show --name "$(value STORAGE_ACCOUNT_NAME)" \
    --resource-group "$group" --query id --output tsv)
  for role in "Storage Blob Data Contributor" "Storage Table Data Contributor"; do
    az role assignment create --assignee-object-id "$me" --assignee-principal-type User \
      --role "$role" --scope "$storage_id" --output none
  done
  function_key=$(az functionapp keys list --name "$(value AZURE_FUNCTION_APP_NAME)" \
    --resource-group "$group" --query functionKeys.default --output tsv)

  local file
  for file in examples/chat-clean.jsonl examples/chat-harmful.jsonl; do
    say "== $file"
    "$ftgate" scan-data "$file" --estimate
    upload "$file" "smoke-$env_name-$(basename "$file")"
  done
  say "== the gate (waiting up to 20 minutes for each verdict)"
  expect_gate examples/chat-clean.jsonl 0
  expect_gate examples/chat-harmful.jsonl 1

  if [ -n "${FTGATE_SMOKE_DEPLOYMENT:-}" ]; then
    local endpoint
    endpoint=$(az cognitiveservices account show --name "$AZURE_OPENAI_ACCOUNT" \
      --resource-group "$AZURE_OPENAI_RESOURCE_GROUP" --query properties.endpoint --output tsv)
    say "== eval-model $FTGATE_SMOKE_DEPLOYMENT (the embedded analyzer; calls the deployment)"
    "$ftgate" eval-model --azure-endpoint "$endpoint" --deployment "$FTGATE_SMOKE_DEPLOYMENT" \
      --estimate
    local code=0
    "$ftgate" eval-model --azure-endpoint "$endpoint" --deployment "$FTGATE_SMOKE_DEPLOYMENT" \
      --analyzer local || code=$?
    if [ "$code" -eq 3 ]; then
      say "UNEXPECTED: the evaluation ended in error"
      failures=$((failures + 1))
    fi
  fi
  say "== $failures unexpected results"
  [ "$failures" -eq 0 ]
}

main "$@"

"""The Bicep under infra/, parsed with pycep-parser: what it deploys and how securely."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml
from pycep import BicepParser

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))

# Settings the code reads that the deployment deliberately does not set.
NOT_DEPLOYED = {
    "TRAINING_STORAGE": "a connection string: local development with Azurite only",
    "CONTENT_SAFETY_KEY": "keys are opt-in; the app uses its managed identity",
    "AZURE_OPENAI_API_KEY": "keys are opt-in; the app uses its managed identity",
    "OPENAI_API_KEY": "the CLI's OpenAI-compatible targets only",
    "FTGATE_FUNCTION_KEY": "the CLI's gate command only",
    "FTGATE_DEBUG": "the CLI's tracebacks of internal errors only",
    "CONTENT_SAFETY_MAX_CONCURRENCY": "a tuning knob with a sound default",
    "CONTENT_SAFETY_DEADLINE_SECONDS": "a tuning knob with a sound default",
    "FTGATE_DEPLOYMENT_POLL_SECONDS": "a tuning knob with a sound default",
    "AZURE_RESOURCE_MANAGER_URL": "other clouds only; the public cloud is the default",
}
# Settings the deployment sets for the platform and SDKs rather than for ftgate's code.
PLATFORM = {
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "the host's own telemetry with Entra ID",
}
ROLES = {
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "storageQueueDataContributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    "storageTableDataContributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    "cognitiveServicesUser": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "monitoringMetricsPublisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "cognitiveServicesOpenAIContributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
}
# Broader than needed: Cognitive Services Contributor (Microsoft.CognitiveServices/*: keys,
# the account itself); OpenAI User is contained in OpenAI Contributor.
NOT_ASSIGNED = {
    "cognitiveServicesContributor": "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    "cognitiveServicesOpenAIUser": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
}


@cache
def parsed(path: Path) -> dict:
    return BicepParser().parse(text=path.read_text())


def module(name: str) -> dict:
    return parsed(INFRA / "modules" / f"{name}.bicep")


def resources(name: str) -> dict[str, dict]:
    return module(name)["resources"]


def config(resource: dict) -> dict:
    """A resource's body, whether or not it is conditional (``= if (...) {...}``)."""
    body = resource["config"]
    return body["config"] if "condition" in body else body


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.name)
def test_every_bicep_file_parses(path):
    bicep = parsed(path)
    assert bicep.get("resources") or bicep.get("modules") or bicep["outputs"]


def test_main_deploys_at_subscription_scope_from_the_repos_own_modules():
    main = parsed(INFRA / "main.bicep")
    assert main["globals"]["scope"]["value"] == "subscription"
    assert {m["type"] for m in main["modules"].values()} == {"local"}  # no registry modules
    paths = {m["detail"]["path"] for m in main["modules"].values()}
    assert paths == {f"modules/{p.stem}.bicep" for p in (INFRA / "modules").glob("*.bicep")}


def test_one_location_everywhere():
    """Every regional resource takes the location parameter; modules get the checked one."""
    for path in (INFRA / "modules").glob("*.bicep"):
        for name, resource in parsed(path).get("resources", {}).items():
            location = config(resource).get("location")
            if location is None or resource.get("existing"):
                continue  # child resources inherit their parent's
            assert location in ("location", "global"), (path.name, name, location)
    main_text = (INFRA / "main.bicep").read_text()
    module_locations = re.findall(r"^\s{4}location: (\S+)$", main_text, flags=re.MULTILINE)
    assert set(module_locations) == {"location", "checkedLocation"}
    assert module_locations.count("location") == 1  # only the region check itself


def test_the_region_check_refuses_a_mismatch_with_a_clear_message():
    text = (INFRA / "modules" / "region-check.bicep").read_text()
    assert "fail('The location parameter" in text
    assert "var checkedLocation = region.outputs.location" in (INFRA / "main.bicep").read_text()


def test_flex_consumption_python_311_with_identity_deployment_storage():
    plan = config(resources("functionapp")["plan"])
    assert plan["sku"] == {"tier": "FlexConsumption", "name": "FC1"}
    site = config(resources("functionapp")["app"])
    app_config = site["properties"]["functionAppConfig"]
    assert app_config["runtime"] == {"name": "python", "version": "3.11"}
    authentication = app_config["deployment"]["storage"]["authentication"]
    assert authentication["type"] == "UserAssignedIdentity"
    assert app_config["scaleAndConcurrency"]["maximumInstanceCount"] == "maximumInstanceCount"
    assert site["identity"]["type"] == "UserAssigned"
    assert site["properties"]["httpsOnly"] is True


def test_the_site_sets_nothing_flex_consumption_ignores():
    """FTPS state and Optional client certificates are App Service settings a Flex
    Consumption app has no use for: each is left out, and checkov's check for it is
    skipped with that reason rather than satisfied by a setting that does nothing."""
    site = config(resources("functionapp")["app"])["properties"]
    assert not {"clientCertEnabled", "clientCertMode", "clientCertExclusionPaths"} & set(site)
    assert "ftpsState" not in site["siteConfig"]
    text = (INFRA / "modules" / "functionapp.bicep").read_text()
    for check in ("CKV_AZURE_78", "CKV_AZURE_17"):
        assert f"// checkov:skip={check}: " in text, check
    # FTP stays closed without ftpsState: basic publishing credentials are refused.
    for name in ("ftpCredentials", "scmCredentials"):
        assert config(resources("functionapp")[name])["properties"] == {"allow": False}


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: p.name)
def test_every_checkov_skip_gives_its_reason(path):
    for line in path.read_text().splitlines():
        if "checkov:skip=" in line:
            check, _, reason = line.split("checkov:skip=", 1)[1].partition(":")
            assert re.fullmatch(r"CKV2?_AZURE_\d+", check), line
            assert len(reason.split()) >= 5, line  # a reason, not a placeholder


def test_storage_allows_no_shared_keys_and_holds_what_the_app_uses():
    storage = config(resources("storage")["storage"])["properties"]
    assert storage["allowSharedKeyAccess"] is False
    assert storage["allowBlobPublicAccess"] is False
    assert storage["minimumTlsVersion"] == "TLS1_2"
    names = {name: config(r).get("name") for name, r in resources("storage").items()}
    assert names["trainingContainer"] == "trainingContainerName"
    assert names["deploymentContainer"] == "deploymentContainerName"
    assert names["modelQueue"] == "modelQueueName"
    assert "-poison" in str(names["modelPoisonQueue"])
    assert names["rescreenPoisonQueue"] == "${rescreenQueueName}-poison"
    assert names["verdictsTable"] == "verdictsTableName"
    text = "\n".join(path.read_text() for path in BICEP_FILES)
    assert "listKeys" not in text
    assert "AccountKey" not in text


def test_content_safety_and_monitoring_use_entra_id_only():
    safety = config(resources("contentsafety")["contentSafety"])
    assert safety["kind"] == "ContentSafety"
    assert safety["properties"]["disableLocalAuth"] is True
    assert safety["properties"]["customSubDomainName"] == "name"
    insights = config(resources("monitoring")["appInsights"])
    assert insights["properties"]["DisableLocalAuth"] is True
    alerts = {
        config(r).get("properties", {}).get("displayName") for r in resources("monitoring").values()
    }
    assert {
        "ftgate: error verdicts",
        "ftgate: poison messages",
        "ftgate: sustained throttling",
        "ftgate: enforcement",
        "ftgate: failed or not deployable",
    } <= alerts


def test_the_operations_workbook_is_deployed_with_its_panels():
    workbook = config(resources("monitoring")["workbook"])
    assert workbook["kind"] == "shared"
    data = json.loads((INFRA / "modules" / "workbook.json").read_text())
    titles = " ".join(item["content"].get("title", "") for item in data["items"])
    for panel in ("Verdicts over time", "Content Safety quota", "Evaluation durations",
                  "tokens", "Error verdicts and poison messages"):  # fmt: skip
        assert panel in titles
    text = json.dumps(data)
    for name in ("ftgate.files.screened", "ftgate.analyzer.requests", "ftgate.prompt_tokens"):
        assert name in text  # the panels read what shared/telemetry.py and the spans emit


def test_the_workbook_shows_usage_per_day_from_the_metrics_the_app_emits():
    data = json.loads((INFRA / "modules" / "workbook.json").read_text())
    (usage,) = [item["content"] for item in data["items"] if item.get("name") == "usage"]
    assert "per day" in usage["title"]
    assert "bin(timestamp, 1d)" in usage["query"]
    emitted = (ROOT / "shared" / "telemetry.py").read_text()
    for metric in ("ftgate.analyzer.requests", "ftgate.conversations", "ftgate.model.calls",
                   "ftgate.model.tokens"):  # fmt: skip
        assert f"'{metric}'" in usage["query"]
        assert f'"{metric}"' in emitted  # a renamed metric would leave the panel empty


def test_role_assignments_use_guid_names_and_the_right_role_definitions():
    role_ids = set()
    for name in ("rbac", "openai-access", "keyvault", "contentsafety-access"):
        text = (INFRA / "modules" / f"{name}.bicep").read_text()
        role_ids |= set(re.findall(r"'([0-9a-f-]{36})'", text))
        for resource in resources(name).values():
            if resource["type"] == "Microsoft.Authorization/roleAssignments":
                assert config(resource)["name"]["function"]["type"] == "guid"
                assert config(resource)["properties"]["principalType"] == "ServicePrincipal"
    assert set(ROLES.values()) <= role_ids
    assert not set(NOT_ASSIGNED.values()) & role_ids


@pytest.mark.parametrize("name", ["rbac", "openai-access", "keyvault", "contentsafety-access"])
def test_every_role_assignment_says_why_beside_it(name):
    """Least privilege is reviewed per assignment: each carries its purpose in the
    assignment's description (visible in IAM) and a comment naming the role it grants."""
    text = (INFRA / "modules" / f"{name}.bicep").read_text()
    for symbol, resource in resources(name).items():
        if resource["type"] != "Microsoft.Authorization/roleAssignments":
            continue
        assert config(resource)["properties"]["description"].startswith("ftgate: "), symbol
        line_above = text[: text.index(f"resource {symbol} ")].rstrip().splitlines()[-1]
        assert line_above.startswith("// "), symbol  # the reason, just above


def test_the_app_reads_the_webhook_secret_and_no_other():
    grant = config(resources("keyvault")["secretsUser"])
    assert grant["scope"] == "secret"  # the one secret, not the vault
    conditions = [
        resources("keyvault")[n]["config"]["condition"] for n in ("secretsUser", "secret")
    ]
    assert conditions[0] == conditions[1]  # no secret, no assignment


def test_event_grid_topic_and_optional_private_networking():
    topic = config(resources("eventgrid")["topic"])
    assert topic["properties"]["topicType"] == "Microsoft.Storage.StorageAccounts"
    network = {r["type"] for r in resources("network").values()}
    assert {"Microsoft.Network/virtualNetworks", "Microsoft.Network/privateEndpoints",
            "Microsoft.Network/privateDnsZones"} <= network  # fmt: skip
    for script in ("postdeploy.sh", "postdeploy.ps1"):
        postdeploy = (INFRA / "hooks" / script).read_text()
        assert "systemKeys.blobs_extension" in postdeploy, script
        assert "Host.Functions.screen_training_file" in postdeploy, script


def test_deployment_writes_on_the_openai_account_reach_the_guard():
    """A resource-group system topic where the account lives; the subscription filters
    to the account's deployment writes and targets the Event Grid function."""
    topic = config(resources("deployment-events")["topic"])
    assert topic["properties"]["topicType"] == "Microsoft.Resources.ResourceGroups"
    assert topic["location"] == "global"
    main = parsed(INFRA / "main.bicep")["modules"]["deploymentEvents"]
    assert "openAiResourceGroupName" in json.dumps(main)  # deployed in the account's group
    for script, env in (("postdeploy.sh", "$"), ("postdeploy.ps1", "$env:")):
        postdeploy = (INFRA / "hooks" / script).read_text()
        assert f"{env}AZURE_FUNCTION_APP_ID/functions/undo_undeployable_deployment" in postdeploy
        assert "Microsoft.Resources.ResourceWriteSuccess" in postdeploy
        assert f'--subject-begins-with "{env}AZURE_OPENAI_ACCOUNT_ID/deployments/"' in postdeploy


def test_an_existing_deployment_events_topic_is_reused_not_created_twice():
    """A resource group holds at most one Microsoft.Resources.ResourceGroups system topic:
    where the account's group has one, creating another fails the deployment."""
    events = module("deployment-events")
    assert events["parameters"]["existingName"]["default"] == ""
    created = resources("deployment-events")["topic"]["config"]
    assert created["condition"]["function"] == {
        "type": "empty",
        "parameters": {"item_to_test": "existingName"},
    }
    reused = resources("deployment-events")["reused"]
    assert reused["existing"] is True  # read, never written or torn down
    assert config(reused)["name"] == "existingName"
    operands = events["outputs"]["name"]["value"]["operator"]["operands"]
    assert names_in(operands["condition"]) == set()  # empty(existingName)
    assert operands["true_value"]["operator"]["operands"]["operand_1"] == "topic"
    assert operands["false_value"]["operator"]["operands"]["operand_1"] == "reused"
    call = config(parsed(INFRA / "main.bicep")["modules"]["deploymentEvents"])["params"]
    assert call["existingName"] == "existingDeploymentEventsTopic"
    azd = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    # Not DEPLOYMENT_EVENTS_TOPIC: azd stores the output under that name after the first
    # provision, and would then take ftgate's own topic for someone else's.
    assert azd["existingDeploymentEventsTopic"]["value"] == "${EXISTING_DEPLOYMENT_EVENTS_TOPIC=}"
    assert "EXISTING_DEPLOYMENT_EVENTS_TOPIC" in (ROOT / "docs" / "deploy.md").read_text()


def app_settings() -> set[str]:
    text = (INFRA / "main.bicep").read_text()
    block = text[
        text.index("var appSettings = {") : text.index("\n}\n", text.index("var appSettings"))
    ]
    return set(re.findall(r"^\s{2}(\w+):", block, flags=re.MULTILINE))


def settings_the_code_reads() -> set[str]:
    sources = [*ROOT.glob("shared/**/*.py"), ROOT / "function_app.py"]
    text = "\n".join(path.read_text() for path in sources)
    names = set(re.findall(r'environ(?:\.get)?[\(\[]"([A-Za-z_]+)"', text))
    names |= set(re.findall(r'environ, "([A-Z_]+)"', text))  # _positive(environ, "NAME", ...)
    for group in re.findall(r"names = \(([^)]*)\)", text):  # names read in a loop
        names |= set(re.findall(r'"([A-Z][A-Z_]+)"', group))
    names |= set(re.findall(r'"%([A-Z_]+)%', text))  # binding expressions
    connection = re.search(r'STORAGE_CONNECTION: Final = "(\w+)"', text).group(1)
    suffixes = set(re.findall(r'\("\w+", "(\w+ServiceUri)"\)', text)) | {"clientId", "credential"}
    names |= {f"{connection}__{suffix}" for suffix in suffixes} | {connection}
    names |= {"AzureWebJobsStorage__" + s for s in suffixes}  # the host's own connection
    return names


def test_every_setting_the_code_reads_is_deployed_and_vice_versa():
    deployed, read = app_settings(), settings_the_code_reads()
    assert read - deployed == set(NOT_DEPLOYED)
    assert deployed - read == set(PLATFORM)


@pytest.mark.parametrize("event", ["preprovision", "postdeploy"])
def test_azd_wires_each_hook_for_both_shells(event):
    hook = yaml.safe_load((ROOT / "azure.yaml").read_text())["hooks"][event]
    assert hook["posix"]["shell"] == "sh"
    assert hook["posix"]["run"] == f"./infra/hooks/{event}.sh"
    assert hook["windows"]["shell"] == "pwsh"
    assert hook["windows"]["run"] == f"./infra/hooks/{event}.ps1"
    for shell in hook.values():
        assert (ROOT / shell["run"]).is_file()
        assert shell["continueOnError"] is False


def run_preprovision(
    tmp_path,
    private_networking: str,
    state: str,
    *,
    location: str = "swedencentral",
    flex_regions: str = "eastus\nswedencentral\n",
    flex_status: int = 0,
):
    """preprovision.sh with a stub `az` that answers the regions offering Flex Consumption
    (or fails with ``flex_status``) and the Microsoft.App provider's registration state."""
    stub = tmp_path / "az"
    stub.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{tmp_path}/calls"\n'
        'if [ "$1 $2" = "functionapp list-flexconsumption-locations" ]; then\n'
        f"  printf '{flex_regions}'\n  exit {flex_status}\nfi\n"
        f"echo {state}\n"
    )
    stub.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "FTGATE_PRIVATE_NETWORKING": private_networking,
        "AZURE_LOCATION": location,
    }
    script = INFRA / "hooks" / "preprovision.sh"
    # check=False: the exit status is what the test looks at.
    return subprocess.run(["sh", str(script)], check=False, env=env, capture_output=True, text=True)


def test_private_networking_needs_microsoft_app_registered_or_says_how(tmp_path):
    refused = run_preprovision(tmp_path, "true", "NotRegistered")
    assert refused.returncode == 1
    assert "az provider register --namespace Microsoft.App --wait" in refused.stderr
    assert "show --namespace Microsoft.App" in (tmp_path / "calls").read_text()
    assert run_preprovision(tmp_path, "true", "Registered").returncode == 0
    (tmp_path / "calls").unlink()
    assert run_preprovision(tmp_path, "false", "NotRegistered").returncode == 0
    assert "Microsoft.App" not in (tmp_path / "calls").read_text()  # not asked without it
    twin = (INFRA / "hooks" / "preprovision.ps1").read_text()
    assert "az provider register --namespace Microsoft.App --wait" in twin


@pytest.mark.parametrize("location", ["swedencentral", "Sweden Central", "SWEDENCENTRAL"])
def test_a_region_offering_flex_consumption_passes_however_it_is_written(tmp_path, location):
    assert run_preprovision(tmp_path, "false", "", location=location).returncode == 0


def test_a_region_without_flex_consumption_stops_provisioning_with_the_command_to_choose(
    tmp_path,
):
    refused = run_preprovision(tmp_path, "true", "Registered", location="westindia")
    assert refused.returncode == 1
    assert "not offered in westindia" in refused.stderr
    assert "az functionapp list-flexconsumption-locations --output table" in refused.stderr
    assert "Microsoft.App" not in (tmp_path / "calls").read_text()  # stopped first
    # a region whose name is part of an offered one's is not taken for it
    only_eastus2 = run_preprovision(
        tmp_path, "false", "", location="eastus", flex_regions="eastus2\\n"
    )
    assert only_eastus2.returncode == 1
    twin = (INFRA / "hooks" / "preprovision.ps1").read_text()
    assert "az functionapp list-flexconsumption-locations --output table" in twin
    assert "-notcontains $location" in twin


def test_the_region_check_fails_closed_when_the_regions_cannot_be_listed(tmp_path):
    refused = run_preprovision(tmp_path, "false", "", flex_status=1)
    assert refused.returncode == 1
    assert "Could not list the regions" in refused.stderr
    unset = run_preprovision(tmp_path, "false", "", location="")
    assert unset.returncode == 1
    assert "AZURE_LOCATION is not set" in unset.stderr


def test_azd_passes_the_parameters():
    parameters = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    main = parsed(INFRA / "main.bicep")["parameters"]
    assert set(parameters) <= set(main)
    assert {"environmentName", "location", "openAiAccountName", "openAiResourceGroupName"} <= set(
        parameters
    )
    # The docs tell azd users to set these by environment variable.
    assert parameters["evaluationAttackerDeployment"]["value"] == (
        "${EVALUATION_ATTACKER_DEPLOYMENT=}"
    )


def funcignore_excludes(path: str) -> bool:
    """Whether a top-level file or directory (``name`` or ``name/``) matches .funcignore."""
    patterns = [
        line.strip()
        for line in (ROOT / ".funcignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def test_funcignore_ships_the_app_and_nothing_for_development():
    for kept in ("function_app.py", "host.json", "requirements.txt", "shared/"):
        assert not funcignore_excludes(kept), kept
    for left_out in ("tests/", "bench/", "infra/", "docs/", "train/", "examples/",
                     ".azurite/", ".sarif/", ".venv/", ".venv-checkov/", ".sources/", ".git/",
                     ".azure/",  # azd's environments: their .env holds the webhook secret
                     "__pycache__/", ".pytest_cache/", ".ruff_cache/",
                     "local.settings.json"):  # fmt: skip
        assert funcignore_excludes(left_out), left_out
    # Every top-level directory of the repository is either shipped or left out on purpose.
    for path in ROOT.iterdir():
        if path.is_dir() and path.name != "shared":
            assert funcignore_excludes(path.name + "/"), path.name


def secure_parameters(parsed_file: dict) -> set[str]:
    return {
        name
        for name, parameter in parsed_file["parameters"].items()
        if any(d["type"] == "secure" for d in parameter["decorators"])
    }


def names_in(value) -> set[str]:
    """The identifiers and interpolations a parsed value reads, except inside empty(),
    which yields only whether a value is set."""
    if isinstance(value, str):
        return set(re.findall(r"\w+", value))
    if isinstance(value, dict):
        if value.get("function", {}).get("type") == "empty":
            return set()
        return set().union(*map(names_in, value.values()))
    if isinstance(value, list):
        return set().union(*map(names_in, value))
    return set()


def test_the_webhook_secret_travels_only_through_secure_parameters():
    main = parsed(INFRA / "main.bicep")
    secrets = secure_parameters(main)
    assert "fineTuningWebhookSecret" in secrets
    for name, call in main["modules"].items():
        callee = parsed(INFRA / call["detail"]["path"])
        for parameter, value in config(call)["params"].items():
            if names_in(value) & secrets:
                assert parameter in secure_parameters(callee), (name, parameter)
    for path in BICEP_FILES:
        bicep = parsed(path)
        for output, body in bicep.get("outputs", {}).items():
            assert not names_in(body["value"]) & secure_parameters(bicep), (path.name, output)
    # Not in the app settings either (a plain object, shown in the portal and the history).
    text = (INFRA / "main.bicep").read_text()
    block = text[
        text.index("var appSettings = {") : text.index("\n}\n", text.index("var appSettings"))
    ]
    assert not set(re.findall(r"\w+", block)) & secrets


def test_the_webhook_secret_is_a_key_vault_reference_the_app_identity_resolves():
    vault = config(resources("keyvault")["vault"])["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert "accessPolicies" not in vault
    assert vault["enableSoftDelete"] is True
    assert vault["enablePurgeProtection"] is True
    secret = config(resources("keyvault")["secret"])
    assert secret["properties"]["value"] == "fineTuningWebhookSecret"
    reader = config(resources("keyvault")["secretsUser"])
    assert "keyVaultSecretsUser" in json.dumps(reader["properties"]["roleDefinitionId"])
    reference = module("keyvault")["outputs"]["webhookReference"]["value"]
    assert "@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/" in json.dumps(
        reference
    )
    text = (INFRA / "main.bicep").read_text()
    assert "FINE_TUNING_WEBHOOK_SECRET: keyVault.outputs.webhookReference" in text
    site = config(resources("functionapp")["app"])["properties"]
    assert site["keyVaultReferenceIdentity"] == "identityId"  # no system identity exists
    network = (INFRA / "modules" / "network.bicep").read_text()
    assert "privatelink.vaultcore.azure.net" in network


def test_storage_redundancy_is_a_parameter_that_deploys_in_every_region_by_default():
    parameter = parsed(INFRA / "main.bicep")["parameters"]["storageSku"]
    assert parameter["default"] == "Standard_LRS"  # ZRS fails where a region has no zones
    allowed = next(d for d in parameter["decorators"] if d["type"] == "allowed")
    assert set(allowed["argument"]) == {"Standard_LRS", "Standard_ZRS"}
    assert config(resources("storage")["storage"])["sku"] == {"name": "skuName"}
    assert "skuName: storageSku" in (INFRA / "main.bicep").read_text()
    azd = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert azd["storageSku"]["value"] == "${FTGATE_STORAGE_SKU=Standard_LRS}"


def test_an_existing_content_safety_resource_gets_cognitive_services_user_or_is_refused():
    main = parsed(INFRA / "main.bicep")
    assert main["parameters"]["contentSafetyResourceId"]["default"] == ""
    access = main["modules"]["contentSafetyAccess"]["config"]
    assert access["condition"] == {
        "operator": {"type": "not", "operands": {"bool_value": "createContentSafety"}}
    }
    scope = access["config"]["scope"]["function"]
    assert scope["type"] == "resource_group"  # the resource's own group and subscription
    assert "contentSafetyIdParts" in json.dumps(scope["parameters"])
    assert {"contentSafetyCheck", "resourceId"} <= names_in(access["config"]["params"])
    grant = resources("contentsafety-access")["contentSafetyUser"]
    role = json.dumps(config(grant)["properties"]["roleDefinitionId"])
    assert "cognitiveServicesUser" in role
    assert (
        ROLES["cognitiveServicesUser"]
        in (INFRA / "modules" / "contentsafety-access.bicep").read_text()
    )
    check = module("contentsafety-check")["outputs"]["resourceId"]["value"]["operator"]
    assert check["type"] == "conditional"
    assert (
        "empty(endpoint) || wellFormed"
        in (INFRA / "modules" / "contentsafety-check.bicep").read_text()
    )
    assert check["operands"]["false_value"]["function"]["type"] == "fail"
    assert "needs contentSafetyResourceId" in json.dumps(check)
    azd = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert azd["contentSafetyResourceId"]["value"] == "${CONTENT_SAFETY_RESOURCE_ID=}"


def test_the_poison_alert_counts_every_poison_handler():
    handlers = set(re.findall(r'@app\.function_name\("(record_poisoned_\w+)"\)',
                              (ROOT / "function_app.py").read_text()))  # fmt: skip
    assert "record_poisoned_rescreen" in handlers
    (criterion,) = config(resources("monitoring")["poisonMessages"])["properties"]["criteria"][
        "allOf"
    ]
    for handler in handlers:
        assert f'"{handler}"' in criterion["query"], handler


def test_failed_and_not_deployable_verdicts_alert_with_the_hash_or_model_id_only():
    rule = config(resources("monitoring")["gateSaidNo"])["properties"]
    assert rule["displayName"] == "ftgate: failed or not deployable"
    assert rule["actions"] == {"actionGroups": "alertActions"}  # the same action group
    (criterion,) = rule["criteria"]["allOf"]
    query = criterion["query"]
    assert 'verdict in ("failed", "not_deployable")' in query
    assert {d["name"] for d in criterion["dimensions"]} == {"verdict", "subject"}
    assert 'customDimensions["ftgate.sha256"]' in query
    assert 'customDimensions["ftgate.model"]' in query
    # Only span attributes the code sets: the verdict, the hash and the model id.
    attributes = set(re.findall(r'customDimensions\["(ftgate\.\w+)"\]', query))
    assert attributes == {"ftgate.verdict", "ftgate.sha256", "ftgate.model"}
    code = "\n".join(p.read_text() for p in (ROOT / "shared").glob("*.py"))
    assert 'trace.set_attribute("ftgate.sha256"' in code
    assert 'telemetry.evaluation("model", model=' in code
    assert 'trace.set_attribute("ftgate.verdict"' in code
    # The runbook shows the same query.
    assert query.split(" | ")[0] in (ROOT / "docs" / "operations.md").read_text()


def test_the_app_starts_only_after_its_role_assignments_exist():
    main = parsed(INFRA / "main.bicep")
    granting = {
        name
        for name, call in main["modules"].items()
        if "roleAssignments" in json.dumps(parsed(INFRA / call["detail"]["path"]))
    }
    assert granting == {"rbac", "openAi", "contentSafetyAccess", "keyVault"}
    app = main["modules"]["functionApp"]["config"]
    # keyVault is a dependency already: the app settings read its output.
    assert set(app["dependsOn"]) | {"keyVault"} == granting


def test_every_resource_uses_a_ga_api_version():
    """Preview API versions change or retire without notice. The GA ones here were checked
    against the resource schemas: Event Grid 2022-06-15, scheduled query rules 2023-12-01
    (Azure/bicep-types-az, generated/monitor/microsoft.insights/2023-12-01), whose
    properties include every one the alerts set."""
    versions = {}
    for path in sorted(INFRA.rglob("*.bicep")):
        for kind, version in re.findall(r"'(Microsoft\.[\w.]+/[\w/]+)@([\w-]+)'", path.read_text()):
            versions.setdefault(kind, set()).add(version)
    assert {"Microsoft.EventGrid/systemTopics", "Microsoft.Insights/scheduledQueryRules"} <= set(
        versions
    )
    assert versions["Microsoft.Insights/scheduledQueryRules"] == {"2023-12-01"}
    preview = {kind: v for kind, v in versions.items() if any(x.endswith("-preview") for x in v)}
    assert not preview


@pytest.mark.parametrize("path", sorted(INFRA.rglob("*.bicep")), ids=lambda p: p.name)
def test_no_parameter_has_two_descriptions(path):
    """azd shows a parameter's description when it asks for a value: two stacked on one
    parameter leave its neighbour undescribed and the first one unseen."""
    for name, parameter in parsed(path)["parameters"].items():
        descriptions = [d for d in parameter["decorators"] if d["type"] == "description"]
        assert len(descriptions) <= 1, name

"""The function app skeleton and the layout rules of docs/design.md."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import azure.functions as func
import yaml

import function_app
from conftest import app_functions
from shared.deployments import DeploymentSettings
from shared.evaluations import CONVERSATIONS_TIMEOUT

ROOT = Path(__file__).resolve().parent.parent


def test_function_app_loads_as_a_v2_app():
    assert isinstance(function_app.app, func.FunctionApp)
    assert set(app_functions()) == {
        "screen_training_file",
        "record_poisoned_training_file",
        "evaluate_model",
        "record_poisoned_evaluation",
        "gate",
        "fine_tuning_webhook",
        "poll_fine_tuning_jobs",
        "rescreen_training_file",
        "record_poisoned_rescreen",
        "sweep_evaluation_deployments",
        "enforce_fine_tuning_data",
        "undo_undeployable_deployment",
        "guard_existing_deployments",
    }


def test_the_docs_describe_every_function_of_the_app():
    """docs/function-app.md lists each function as a bullet, and its count."""
    section = (ROOT / "docs" / "function-app.md").read_text()
    for name in app_functions():
        assert f"- `{name}` — " in section, name
    assert f"holds {NUMBERS[len(app_functions())]} functions" in section


NUMBERS = dict(enumerate(["no", "one", "two", "three", "four", "five", "six", "seven",
                          "eight", "nine", "ten", "eleven", "twelve", "thirteen",
                          "fourteen", "fifteen", "sixteen"]))  # fmt: skip


def test_host_and_sample_settings_are_valid():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    values = json.loads((ROOT / "local.settings.sample.json").read_text())["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert values["TRAINING_STORAGE"] == "UseDevelopmentStorage=true"
    assert values["TRAINING_CONTAINER"] == "training-data"
    assert not any("KEY" in name for name in values)  # keys are opt-in, never sampled


def test_the_library_never_imports_azure_functions():
    """shared/ is called the same way by the functions, the CLI and the tests."""
    offenders = []
    for path in (ROOT / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("azure.functions")]
    assert offenders == []


def test_runtime_requirements_hold_only_what_the_app_needs():
    lines = [
        line.split("==")[0]
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert "azure-functions" in lines
    assert not {"pytest", "ruff"} & set(lines)


def test_the_pipeline_examples_parse_and_gate_both_steps():
    for name in ("azure-pipelines.yml", "github-actions.yml"):
        text = (ROOT / "examples" / "pipelines" / name).read_text()
        assert yaml.safe_load(text)  # valid YAML
        assert "ftgate gate data" in text
        assert "ftgate gate model" in text
        assert "--junit" in text
        assert "--format markdown" in text  # the pre-flight verdict on the run's summary
        assert "--format sarif" in text  # and at its lines, for code scanning / Scans tab


def test_every_evaluation_stage_fits_inside_the_function_timeout():
    """Deployment create + readiness + conversations, with room left to delete the
    deployment and record the verdict (Flex Consumption stops at 30 min by default)."""
    hours, minutes, seconds = json.loads((ROOT / "host.json").read_text())["functionTimeout"].split(
        ":"
    )
    limit = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    account = DeploymentSettings("sub", "rg", "account")
    stages = account.create_timeout + account.ready_timeout + CONVERSATIONS_TIMEOUT
    assert stages + 15 * 60 <= limit

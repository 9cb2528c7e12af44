"""Shape of the Terraform module: it parses, follows one-file-per-topic, and every input is
typed, described and (where a value can be wrong) validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.hcl_model import INFRA, MODULE, load_module, parse

ALL_TF = sorted(INFRA.rglob("*.tf"))
TOPIC_FILES = {
    "main.tf",
    "providers.tf",
    "variables.tf",
    "outputs.tf",
    "storage.tf",
    "sql.tf",
    "functions.tf",
    "static_web_app.tf",
    "monitoring.tf",
    "keyvault.tf",
    "apim.tf",
    "identity.tf",
}
# Free-form on purpose: any tag map is valid.
UNVALIDATED = {"tags"}


def test_the_module_has_one_file_per_topic() -> None:
    assert {p.name for p in MODULE.glob("*.tf")} == TOPIC_FILES


@pytest.mark.parametrize("path", ALL_TF, ids=lambda p: str(p.relative_to(INFRA)))
def test_every_tf_file_parses(path: Path) -> None:
    assert parse(path), f"{path} parsed to nothing"


def test_every_variable_is_typed_described_and_validated() -> None:
    module = load_module()
    assert len(module.variables) >= 20
    for name, spec in module.variables.items():
        assert spec.get("type"), f"variable {name} has no type"
        assert len(spec.get("description", "")) >= 20, f"variable {name} has no real description"
        if name not in UNVALIDATED:
            rules = spec.get("validation", [])
            assert rules, f"variable {name} has no validation"
            for rule in rules:
                assert rule["condition"] and rule["error_message"], f"variable {name}: incomplete validation"


def test_the_deployed_root_variables_are_typed_described_and_validated() -> None:
    root = load_module(INFRA / "live")
    assert root.variables
    for name, spec in root.variables.items():
        assert spec.get("type") and spec.get("description") and spec.get("validation"), name


def test_required_inputs_are_exactly_those_without_a_safe_default() -> None:
    required = {name for name, spec in load_module().variables.items() if "default" not in spec}
    assert required == {
        "location",
        "api_audience",
        "allowed_tenant_ids",
        "sql_admin_group_name",
        "sql_admin_group_object_id",
        "alert_email",
        "apim_publisher_name",
        "apim_publisher_email",
    }
    # The runnable example and the deployed root pass every required input, and nothing unknown.
    for caller in (MODULE / "examples" / "minimal", INFRA / "live"):
        calls = [
            m
            for doc in load_module(caller).files.values()
            for entry in doc.get("module", [])
            for m in entry.values()
        ]
        assert len(calls) == 1, f"{caller} should make exactly one module call"
        passed = set(calls[0]) - {"source"}
        assert required <= passed, f"{caller} misses {required - passed}"
        assert passed <= set(load_module().variables), (
            f"{caller} passes unknown {passed - set(load_module().variables)}"
        )


def test_providers_are_pinned_to_azurerm_4() -> None:
    terraform = parse(MODULE / "providers.tf")["terraform"][0]
    providers = (
        terraform["required_providers"][0]
        if isinstance(terraform["required_providers"], list)
        else terraform["required_providers"]
    )
    assert providers["azurerm"]["source"] == "hashicorp/azurerm"
    assert providers["azurerm"]["version"].startswith("~> 4.")
    assert ">= 1.11" in terraform["required_version"]  # write-only secret attributes


def test_every_output_is_described() -> None:
    outputs = parse(MODULE / "outputs.tf")["output"]
    for entry in outputs:
        for name, spec in entry.items():
            assert spec.get("description"), f"output {name} has no description"

"""Plan-level security assertions on the parsed HCL, in the style of AVM's module tests.

Each test names the setting a reviewer would look for; a regression in any of them (shared keys
back on, SQL passwords allowed, plain HTTP) fails here before any plan is run.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own policy template, not input

import pytest

from tests.infra.hcl_model import INFRA, MODULE, block, load_module, render_template

SECRET_PATTERNS = [
    r"AccountKey=",
    r"SharedAccessSignature",
    r"primary_access_key",
    r"primary_connection_string",
    r"storage_access_key",
    r"administrator_login_password",
    r"client_secret\s*=",
    r"(?i)password\s*=\s*\"",
    r"-----BEGIN",
]


@pytest.fixture(scope="module")
def module():
    return load_module()


def test_storage_is_identity_only_tls12_private_and_recoverable(module) -> None:
    account = module.resource("azurerm_storage_account")
    assert account["shared_access_key_enabled"] is False
    assert account["default_to_oauth_authentication"] is True
    assert account["min_tls_version"] == "TLS1_2"
    assert account["https_traffic_only_enabled"] is True
    assert account["allow_nested_items_to_be_public"] is False
    blob = block(account, "blob_properties")
    assert blob["versioning_enabled"] is True
    assert block(blob, "delete_retention_policy")["days"] == "${var.blob_soft_delete_days}"
    assert block(blob, "container_delete_retention_policy")["days"] == "${var.blob_soft_delete_days}"


def test_raw_quarantine_processed_containers_are_private(module) -> None:
    containers = module.resource("azurerm_storage_container", "data")
    assert containers["container_access_type"] == "private"
    assert {"raw", "quarantine", "processed"} <= set(module.locals["data_containers"])


def test_raw_payloads_expire_after_the_retention_setting(module) -> None:
    rules = module.resource("azurerm_storage_management_policy", "retention")["rule"]
    raw = next(rule for rule in rules if rule["name"] == "raw-retention")
    assert raw["enabled"] is True
    assert block(raw, "filters")["prefix_match"] == ["raw/"]
    base = block(block(raw, "actions"), "base_blob")
    assert base["delete_after_days_since_modification_greater_than"] == "${var.raw_retention_days}"


def test_sql_accepts_entra_identities_only(module) -> None:
    server = module.resource("azurerm_mssql_server")
    admin = block(server, "azuread_administrator")
    assert admin["azuread_authentication_only"] is True
    assert admin["object_id"] == "${var.sql_admin_group_object_id}"
    assert "administrator_login" not in server and "administrator_login_password" not in server
    assert server["minimum_tls_version"] == "1.2"


def test_sql_is_audited_to_log_analytics(module) -> None:
    assert module.resource("azurerm_mssql_server_extended_auditing_policy")["log_monitoring_enabled"] is True
    assert (
        module.resource("azurerm_mssql_database_extended_auditing_policy")["log_monitoring_enabled"] is True
    )
    targets = module.locals["diagnostic_targets"]
    assert targets["sql_audit"]["categories"] == ["SQLSecurityAuditEvents"]
    assert targets["sql_audit"]["id"].endswith("/databases/master")


def test_function_app_is_flex_consumption_python311(module) -> None:
    plan = module.resource("azurerm_service_plan")
    assert plan["sku_name"] == "FC1" and plan["os_type"] == "Linux"
    app = module.resource("azurerm_function_app_flex_consumption")
    assert app["service_plan_id"] == "${azurerm_service_plan.this.id}"
    assert (app["runtime_name"], app["runtime_version"]) == ("python", "3.11")


def test_function_app_uses_its_identity_for_storage_and_https_only(module) -> None:
    app = module.resource("azurerm_function_app_flex_consumption")
    assert block(app, "identity")["type"] == "SystemAssigned"
    assert app["storage_authentication_type"] == "SystemAssignedIdentity"
    assert "storage_access_key" not in app
    assert app["https_only"] is True
    assert app["webdeploy_publish_basic_authentication_enabled"] is False
    site = block(app, "site_config")
    assert site["minimum_tls_version"] == "1.2"
    assert site["scm_minimum_tls_version"] == "1.2"
    assert site["remote_debugging_enabled"] is False


def test_cors_admits_the_dashboard_origin_only(module) -> None:
    cors = block(block(module.resource("azurerm_function_app_flex_consumption"), "site_config"), "cors")
    assert cors["allowed_origins"] == ["${local.dashboard_origin}"]
    assert cors["support_credentials"] is False
    assert module.locals["dashboard_origin"] == "https://${azurerm_static_web_app.this.default_host_name}"


def test_app_settings_configure_scout_without_secrets(module) -> None:
    settings = module.locals["function_app_settings"]
    assert settings["SCOUT_AUTH_MODE"] == "entra"
    assert settings["SCOUT_AUTH_AUDIENCE"] == "${var.api_audience}"
    assert "var.allowed_tenant_ids" in settings["SCOUT_AUTH_TENANTS"]
    assert settings["SCOUT_SQL_URL"] == "${local.sql_url}"
    sql_url = module.locals["sql_url"]
    assert sql_url.startswith("mssql+pyodbc://${azurerm_mssql_server.this.fully_qualified_domain_name}")
    assert "@" not in sql_url.split("?")[0], "the SQL URL must carry no user or password"
    assert not re.search(r"(?i)(pwd|password|uid)=", sql_url)
    assert settings["SCOUT_BLOB_URL"].startswith(
        "${trimsuffix(azurerm_storage_account.this.primary_blob_endpoint"
    )
    assert settings["AzureWebJobsStorage__accountName"] == "${azurerm_storage_account.this.name}"
    assert settings["SCOUT_PSEUDONYM_KEY"].startswith("@Microsoft.KeyVault(SecretUri=")
    app = module.resource("azurerm_function_app_flex_consumption")
    assert block(app, "site_config")["application_insights_connection_string"] == (
        "${azurerm_application_insights.this.connection_string}"
    )


def test_function_identity_gets_blob_data_contributor_and_secret_reader(module) -> None:
    roles = module.locals["function_storage_roles"]
    assert "Storage Blob Data Contributor" in roles
    storage = module.resource("azurerm_role_assignment", "function_storage")
    assert storage["scope"] == "${azurerm_storage_account.this.id}"
    assert storage["principal_id"] == "${local.function_principal_id}"
    secrets = module.resource("azurerm_role_assignment", "function_key_vault_secrets")
    assert secrets["role_definition_name"] == "Key Vault Secrets User"
    assert "identity[0].principal_id" in module.locals["function_principal_id"]


def test_sql_access_is_a_documented_tsql_step(module) -> None:
    outputs = {
        name: spec
        for doc in [module.files["outputs.tf"]]
        for entry in doc["output"]
        for name, spec in entry.items()
    }
    grant = outputs["sql_grant_statement"]["value"]
    assert "FROM EXTERNAL PROVIDER" in grant and "db_datawriter" in grant


def test_static_web_app_is_standard_and_linked_to_the_functions(module) -> None:
    swa = module.resource("azurerm_static_web_app")
    assert (swa["sku_tier"], swa["sku_size"]) == ("Standard", "Standard")
    link = module.resource("azurerm_static_web_app_function_app_registration")
    assert link["static_web_app_id"] == "${azurerm_static_web_app.this.id}"
    assert link["function_app_id"] == "${azurerm_function_app_flex_consumption.this.id}"


def test_application_insights_is_workspace_based_with_entra_ingestion(module) -> None:
    insights = module.resource("azurerm_application_insights")
    assert insights["workspace_id"] == "${azurerm_log_analytics_workspace.this.id}"
    assert insights["local_authentication_disabled"] is True
    assert (
        module.locals["function_app_settings"]["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]
        == "Authorization=AAD"
    )


def test_every_data_holding_service_sends_diagnostics(module) -> None:
    targets = module.locals["diagnostic_targets"]
    assert set(targets) >= {
        "function_app",
        "blob",
        "sql_audit",
        "sql_database",
        "key_vault",
        "api_management",
    }
    setting = module.resource("azurerm_monitor_diagnostic_setting")
    assert setting["log_analytics_workspace_id"] == "${azurerm_log_analytics_workspace.this.id}"


def test_key_vault_is_rbac_with_purge_protection_and_holds_the_pseudonym_key(module) -> None:
    vault = module.resource("azurerm_key_vault")
    assert vault["rbac_authorization_enabled"] is True
    assert vault["purge_protection_enabled"] is True
    secret = module.resource("azurerm_key_vault_secret", "pseudonym_key")
    assert "value" not in secret, "the key must be write-only so it never lands in state"
    assert secret["value_wo"] == "${ephemeral.random_password.pseudonym_key.result}"


def test_api_management_validates_tokens_and_rate_limits_each_caller(module) -> None:
    policy = module.resource("azurerm_api_management_api_policy", "ingest")
    assert "policies/ingest.xml.tftpl" in policy["xml_content"]
    api = module.resource("azurerm_api_management_api", "ingest")
    assert api["protocols"] == ["https"]
    assert api["service_url"].startswith("https://")

    tenants = ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"]
    xml = render_template(
        (MODULE / "policies" / "ingest.xml.tftpl").read_text(),
        {
            "tenants": tenants,
            "audience": "api://scout",
            "rate_limit_calls": 600,
            "rate_limit_period": 60,
            "max_body_bytes": 1000,
        },
    )
    inbound = ET.fromstring(xml).find("inbound")  # noqa: S314 - our own template
    assert inbound is not None
    jwt = inbound.find("validate-jwt")
    assert jwt is not None and jwt.get("header-name") == "Authorization"
    assert jwt.get("require-signed-tokens") == "true" and jwt.get("require-expiration-time") == "true"
    assert [a.text for a in jwt.iter("audience")] == ["api://scout"]
    issuers = {i.text for i in jwt.iter("issuer")}
    assert {f"https://login.microsoftonline.com/{t}/v2.0" for t in tenants} <= issuers
    assert len(jwt.findall("openid-config")) == len(tenants)
    assert [v.text for v in jwt.iter("value")] == ["Ingest.Write"]
    limit = inbound.find("rate-limit-by-key")
    assert limit is not None and (limit.get("calls"), limit.get("renewal-period")) == ("600", "60")
    assert 'GetValueOrDefault("oid"' in limit.get("counter-key", ""), "the limit must be per caller"
    children = [child.tag for child in inbound]
    assert children.index("validate-jwt") < children.index("rate-limit-by-key"), (
        "count only authenticated callers"
    )
    assert "1000" in (inbound.find("choose/when").get("condition") or "")


def test_apim_sku_supports_rate_limit_by_key(module) -> None:
    spec = module.variables["apim_sku_name"]
    assert not spec["default"].startswith("Consumption")
    assert "Consumption" not in spec["validation"][0]["condition"]


def test_no_secret_in_any_infra_file() -> None:
    offenders = []
    for path in INFRA.rglob("*"):
        if path.is_file() and path.suffix in {".tf", ".tftpl", ".tfvars", ".json", ".hcl"}:
            text = path.read_text()
            offenders += [f"{path.relative_to(INFRA)}: {p}" for p in SECRET_PATTERNS if re.search(p, text)]
    assert offenders == []


def test_every_scout_app_setting_is_a_setting_the_app_reads(module) -> None:
    """A renamed field in shared/config.py must not leave Azure silently on a default."""
    from shared.config import Settings

    names = [k for k in module.locals["function_app_settings"] if k.startswith("SCOUT_")]
    assert len(names) >= 8
    unknown = [n for n in names if n.removeprefix("SCOUT_").lower() not in Settings.model_fields]
    assert unknown == []

# Logs and telemetry: one Log Analytics workspace; workspace-based Application Insights that
# accepts only Entra-authenticated telemetry; diagnostic settings for every data-holding service.

resource "azurerm_log_analytics_workspace" "this" {
  name                = "log-${local.base}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
}

resource "azurerm_application_insights" "this" {
  name                          = "appi-${local.base}"
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  tags                          = local.tags
  workspace_id                  = azurerm_log_analytics_workspace.this.id
  application_type              = "web"
  local_authentication_disabled = true
  retention_in_days             = var.log_retention_days
}

locals {
  # Diagnostic targets: resource id => the log categories (or category groups) worth keeping.
  diagnostic_targets = {
    function_app = {
      id         = azurerm_function_app_flex_consumption.this.id
      categories = ["FunctionAppLogs"]
      groups     = []
    }
    blob = {
      id         = "${azurerm_storage_account.this.id}/blobServices/default"
      categories = []
      groups     = ["allLogs"]
    }
    sql_audit = {
      # Server audit records flow through the master database (see sql.tf).
      id         = "${azurerm_mssql_server.this.id}/databases/master"
      categories = ["SQLSecurityAuditEvents"]
      groups     = []
    }
    sql_database = {
      id         = azurerm_mssql_database.this.id
      categories = []
      groups     = ["allLogs"]
    }
    key_vault = {
      id         = azurerm_key_vault.this.id
      categories = []
      groups     = ["audit"]
    }
    api_management = {
      id         = azurerm_api_management.this.id
      categories = ["GatewayLogs"]
      groups     = []
    }
  }
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  for_each = local.diagnostic_targets

  name                       = "diag-to-log-analytics"
  target_resource_id         = each.value.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.this.id

  dynamic "enabled_log" {
    for_each = each.value.categories
    content {
      category = enabled_log.value
    }
  }

  dynamic "enabled_log" {
    for_each = each.value.groups
    content {
      category_group = enabled_log.value
    }
  }

  enabled_metric {
    category = "AllMetrics"
  }

  depends_on = [azurerm_mssql_server_extended_auditing_policy.this]
}

resource "azurerm_monitor_action_group" "ops" {
  name                = "ag-${local.base}"
  resource_group_name = azurerm_resource_group.this.name
  tags                = local.tags
  short_name          = substr("scout${var.environment}", 0, 12)

  email_receiver {
    name                    = "operations"
    email_address           = var.alert_email
    use_common_alert_schema = true
  }
}

# Failed requests or unhandled exceptions in the app: a batch is never silently dropped, so a
# failure must reach a person.
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "failures" {
  name                 = "alert-${local.base}-failures"
  resource_group_name  = azurerm_resource_group.this.name
  location             = azurerm_resource_group.this.location
  tags                 = local.tags
  description          = "Scout function failures (5xx responses or exceptions) in the last 15 minutes."
  severity             = 2
  scopes               = [azurerm_application_insights.this.id]
  evaluation_frequency = "PT5M"
  window_duration      = "PT15M"

  criteria {
    query                   = <<-KQL
      union
        (requests | where toint(resultCode) >= 500),
        exceptions
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0

    failing_periods {
      minimum_failing_periods_to_trigger_alert = 1
      number_of_evaluation_periods             = 1
    }
  }

  action {
    action_groups = [azurerm_monitor_action_group.ops.id]
  }
}

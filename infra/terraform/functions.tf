# The Function App on Flex Consumption (the serverless plan that replaces Linux Consumption).
# Storage is reached with the app's own identity; SQL with an Entra token; no key is configured.

resource "azurerm_service_plan" "this" {
  #checkov:skip=CKV_AZURE_225: Flex Consumption (FC1) has no zone-redundancy switch on the plan; the platform places instances and scales from zero.
  #checkov:skip=CKV_AZURE_212: FC1 scales per execution from zero; a fixed minimum instance count is an App Service plan setting that does not apply.
  name                = "asp-${local.base}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags
  os_type             = "Linux"
  sku_name            = "FC1"
}

locals {
  # No user or password: shared/db/engine.py signs in with the app's Entra token; the ODBC
  # driver name comes from SCOUT_SQL_ODBC_DRIVER.
  sql_url = "mssql+pyodbc://${azurerm_mssql_server.this.fully_qualified_domain_name}:1433/${azurerm_mssql_database.this.name}?Encrypt=yes&TrustServerCertificate=no"

  function_app_settings = {
    # Host storage by identity: the account name alone makes the host use its managed identity.
    AzureWebJobsStorage__accountName       = azurerm_storage_account.this.name
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD"

    SCOUT_SQL_URL          = local.sql_url
    SCOUT_SQL_ODBC_DRIVER  = var.sql_odbc_driver
    SCOUT_BLOB_URL         = trimsuffix(azurerm_storage_account.this.primary_blob_endpoint, "/")
    SCOUT_AUTH_MODE        = "entra"
    SCOUT_AUTH_AUDIENCE    = var.api_audience
    SCOUT_AUTH_TENANTS     = join(",", var.allowed_tenant_ids)
    SCOUT_DASHBOARD_ORIGIN = local.dashboard_origin
    SCOUT_PSEUDONYM_KEY    = "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault_secret.pseudonym_key.versionless_id})"
    SCOUT_MAX_BODY_BYTES   = tostring(var.max_body_bytes)
    SCOUT_RAW_RETENTION_DAYS = tostring(var.raw_retention_days)
  }
}

resource "azurerm_function_app_flex_consumption" "this" {
  name                = "func-${local.base}-${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags
  service_plan_id     = azurerm_service_plan.this.id

  runtime_name           = "python"
  runtime_version        = "3.11"
  maximum_instance_count = var.function_maximum_instance_count
  instance_memory_in_mb  = var.function_instance_memory_mb

  storage_container_type      = "blobContainer"
  storage_container_endpoint  = "${azurerm_storage_account.this.primary_blob_endpoint}${azurerm_storage_container.data[local.package_container].name}"
  storage_authentication_type = "SystemAssignedIdentity"

  https_only                                     = true
  public_network_access_enabled                  = true
  client_certificate_mode                        = "Optional"
  webdeploy_publish_basic_authentication_enabled = false

  identity {
    type = "SystemAssigned"
  }

  app_settings = local.function_app_settings

  site_config {
    minimum_tls_version                    = "1.2"
    scm_minimum_tls_version                = "1.2"
    http2_enabled                          = true
    remote_debugging_enabled               = false
    application_insights_connection_string = azurerm_application_insights.this.connection_string
    health_check_path                      = "/api/health"
    health_check_eviction_time_in_min      = 5

    cors {
      allowed_origins     = [local.dashboard_origin]
      support_credentials = false
    }
  }
}

# Azure SQL with Entra-only authentication: no SQL logins, no password anywhere. The Function
# App's identity is granted database access by a T-SQL step (see outputs.sql_grant_statement),
# because database users live inside the database, not in Azure Resource Manager.

resource "azurerm_mssql_server" "this" {
  #checkov:skip=CKV_AZURE_113: the Flex Consumption app reaches SQL over its public endpoint (no VNet integration in this module); only Azure services pass the firewall and only Entra identities can log in.
  #checkov:skip=CKV2_AZURE_45: private endpoints need a VNet, which this module does not provision (see CKV_AZURE_113).
  name                          = "sql-${local.base}-${local.suffix}"
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  tags                          = local.tags
  version                       = "12.0"
  minimum_tls_version           = "1.2"
  public_network_access_enabled = true

  azuread_administrator {
    login_username              = var.sql_admin_group_name
    object_id                   = var.sql_admin_group_object_id
    tenant_id                   = data.azurerm_client_config.current.tenant_id
    azuread_authentication_only = true
  }

  identity {
    type = "SystemAssigned"
  }
}

# 0.0.0.0-0.0.0.0 is Azure's marker for "Azure services": Flex Consumption outbound addresses are
# not fixed, so an address list cannot be written down.
resource "azurerm_mssql_firewall_rule" "azure_services" {
  #checkov:skip=CKV2_AZURE_34: 0.0.0.0 is Azure's "allow Azure services" marker, not an open range; logins still need an Entra identity.
  #checkov:skip=CKV_AZURE_11: this rule admits Azure-hosted callers only (the Function App has no fixed outbound address without VNet integration); logins still need an Entra identity.
  name             = "AllowAzureServices"
  server_id        = azurerm_mssql_server.this.id
  start_ip_address = "0.0.0.0"
  end_ip_address   = "0.0.0.0"
}

resource "azurerm_mssql_database" "this" {
  #checkov:skip=CKV_AZURE_224: ledger tables are append-only; the fact table is upserted by design (replays and corrections), which a ledger table would refuse.
  #checkov:skip=CKV_AZURE_229: zone redundancy is not offered for serverless General Purpose in every region; choose a Business Critical SKU to get it.
  name                        = "sqldb-${local.base}"
  server_id                   = azurerm_mssql_server.this.id
  tags                        = local.tags
  sku_name                    = var.sql_sku_name
  max_size_gb                 = var.sql_max_size_gb
  collation                   = "SQL_Latin1_General_CP1_CI_AS"
  auto_pause_delay_in_minutes = startswith(var.sql_sku_name, "GP_S_") ? var.sql_auto_pause_minutes : null
  min_capacity                = startswith(var.sql_sku_name, "GP_S_") ? 0.5 : null
  storage_account_type        = "Zone"

  short_term_retention_policy {
    retention_days = 14
  }

  long_term_retention_policy {
    weekly_retention  = "P4W"
    monthly_retention = "P12M"
  }
}

# Server auditing goes to Log Analytics (through the diagnostic setting on the master database in
# monitoring.tf), so no storage key is needed.
resource "azurerm_mssql_server_extended_auditing_policy" "this" {
  server_id              = azurerm_mssql_server.this.id
  log_monitoring_enabled = true
  retention_in_days      = var.sql_audit_retention_days
}

resource "azurerm_mssql_database_extended_auditing_policy" "this" {
  database_id            = azurerm_mssql_database.this.id
  log_monitoring_enabled = true
  retention_in_days      = var.sql_audit_retention_days
}

resource "azurerm_mssql_server_security_alert_policy" "this" {
  resource_group_name  = azurerm_resource_group.this.name
  server_name          = azurerm_mssql_server.this.name
  state                = "Enabled"
  email_account_admins = true
  email_addresses      = [var.alert_email]
  retention_days       = var.sql_audit_retention_days
}

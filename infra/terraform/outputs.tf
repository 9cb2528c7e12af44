output "resource_group_name" {
  description = "Resource group holding the whole stack."
  value       = azurerm_resource_group.this.name
}

output "function_app_name" {
  description = "Name of the Function App (target of the zip deploy)."
  value       = azurerm_function_app_flex_consumption.this.name
}

output "function_app_url" {
  description = "Base URL of the Function App's HTTP API."
  value       = "https://${azurerm_function_app_flex_consumption.this.default_hostname}/api"
}

output "function_app_principal_id" {
  description = "Object id of the Function App's system-assigned identity."
  value       = local.function_principal_id
}

output "static_web_app_name" {
  description = "Name of the Static Web App (target of the dashboard deploy)."
  value       = azurerm_static_web_app.this.name
}

output "dashboard_url" {
  description = "Public URL of the dashboard."
  value       = local.dashboard_origin
}

output "storage_account_name" {
  description = "Storage account holding raw, quarantine and processed blobs."
  value       = azurerm_storage_account.this.name
}

output "sql_server_fqdn" {
  description = "Host name of the Azure SQL server."
  value       = azurerm_mssql_server.this.fully_qualified_domain_name
}

output "sql_database_name" {
  description = "Name of the Scout database."
  value       = azurerm_mssql_database.this.name
}

output "key_vault_uri" {
  description = "URI of the Key Vault holding the pseudonym key."
  value       = azurerm_key_vault.this.vault_uri
}

output "ingest_gateway_url" {
  description = "Ingest base URL behind API Management (token check and per-caller rate limit)."
  value       = "${azurerm_api_management.this.gateway_url}/${azurerm_api_management_api.ingest.path}"
}

output "sql_grant_statement" {
  description = "Idempotent T-SQL an Entra SQL administrator runs in the database to let the Function App's identity in (database users cannot be created through Azure Resource Manager)."
  value       = <<-SQL
    IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'${azurerm_function_app_flex_consumption.this.name}')
      CREATE USER [${azurerm_function_app_flex_consumption.this.name}] FROM EXTERNAL PROVIDER;
    ALTER ROLE db_datareader ADD MEMBER [${azurerm_function_app_flex_consumption.this.name}];
    ALTER ROLE db_datawriter ADD MEMBER [${azurerm_function_app_flex_consumption.this.name}];
    ALTER ROLE db_ddladmin ADD MEMBER [${azurerm_function_app_flex_consumption.this.name}];
  SQL
}

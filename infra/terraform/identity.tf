# Who may touch what. The Function App's system-assigned identity reaches Storage and Key Vault
# through data-plane roles; Azure SQL access is granted inside the database (T-SQL in outputs).

locals {
  function_principal_id = azurerm_function_app_flex_consumption.this.identity[0].principal_id

  # Durable Functions keeps its task hub in blobs, queues and tables of the host storage account.
  function_storage_roles = toset([
    "Storage Blob Data Contributor",
    "Storage Queue Data Contributor",
    "Storage Table Data Contributor",
  ])
}

resource "azurerm_role_assignment" "function_storage" {
  for_each = local.function_storage_roles

  scope                = azurerm_storage_account.this.id
  role_definition_name = each.key
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "function_key_vault_secrets" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "function_app_insights" {
  scope                = azurerm_application_insights.this.id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = local.function_principal_id
  principal_type       = "ServicePrincipal"
}

# The identity running Terraform (the deploy workflow's OIDC service principal) writes the
# pseudonym key once.
resource "azurerm_role_assignment" "deployer_secrets_officer" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}

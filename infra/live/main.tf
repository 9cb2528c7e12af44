# The deployed stack: what .github/workflows/deploy.yml plans and applies. State lives in an
# Azure Storage backend reached with Entra ID (OIDC in CI), never with an access key; the backend's
# account, container and key come from `terraform init -backend-config=...`.
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.42"
    }
  }

  backend "azurerm" {
    use_azuread_auth = true
    use_oidc         = true
  }
}

provider "azurerm" {
  features {
    key_vault {
      purge_soft_delete_on_destroy = false
    }
  }
  use_oidc            = true
  storage_use_azuread = true
}

module "scout" {
  source = "../terraform"

  environment               = var.environment
  location                  = var.location
  api_audience              = var.api_audience
  allowed_tenant_ids        = var.allowed_tenant_ids
  sql_admin_group_name      = var.sql_admin_group_name
  sql_admin_group_object_id = var.sql_admin_group_object_id
  alert_email               = var.alert_email
  apim_publisher_name       = var.apim_publisher_name
  apim_publisher_email      = var.apim_publisher_email
}

output "resource_group_name" {
  description = "Resource group holding the whole stack."
  value       = module.scout.resource_group_name
}

output "function_app_name" {
  description = "Function App the workflow zip-deploys to."
  value       = module.scout.function_app_name
}

output "static_web_app_name" {
  description = "Static Web App the workflow deploys static_web/ to."
  value       = module.scout.static_web_app_name
}

output "function_app_url" {
  description = "Base URL of the Function App's HTTP API (the deploy smoke test calls /health)."
  value       = module.scout.function_app_url
}

output "sql_server_fqdn" {
  description = "Azure SQL server the grant step connects to."
  value       = module.scout.sql_server_fqdn
}

output "sql_database_name" {
  description = "Database the grant step runs in."
  value       = module.scout.sql_database_name
}

output "sql_grant_statement" {
  description = "T-SQL granting the Function App's identity access to the database."
  value       = module.scout.sql_grant_statement
}

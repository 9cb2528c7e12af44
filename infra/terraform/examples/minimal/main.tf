# The smallest deployment: one module call with the values that have no safe default.
terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.42"
    }
  }
}

provider "azurerm" {
  features {}
  storage_use_azuread = true
}

module "scout" {
  source = "../.."

  location                  = "southeastasia"
  api_audience              = "api://scout"
  allowed_tenant_ids        = ["00000000-0000-0000-0000-000000000000"]
  sql_admin_group_name      = "scout-sql-admins"
  sql_admin_group_object_id = "00000000-0000-0000-0000-000000000000"
  alert_email               = "ops@example.com"
  apim_publisher_name       = "Scout"
  apim_publisher_email      = "api@example.com"
}

output "function_app_url" {
  description = "Base URL of the Function App's HTTP API."
  value       = module.scout.function_app_url
}

# Scout: serverless retail intelligence. One resource group holds the whole stack; every other
# file in this module covers one topic (storage, sql, functions, static web app, monitoring,
# key vault, api management, identity).

data "azurerm_client_config" "current" {}

resource "random_string" "suffix" {
  length  = 5
  lower   = true
  upper   = false
  numeric = true
  special = false
}

locals {
  base   = "${var.name}-${var.environment}"
  suffix = random_string.suffix.result
  # Storage account and Key Vault names are global, alphanumeric and short.
  compact_name = substr(replace("${var.name}${var.environment}", "-", ""), 0, 14)

  tags = merge(var.tags, {
    application = "scout"
    environment = var.environment
    managed-by  = "terraform"
  })

  dashboard_origin = "https://${azurerm_static_web_app.this.default_host_name}"
}

resource "azurerm_resource_group" "this" {
  name     = "rg-${local.base}"
  location = var.location
  tags     = local.tags
}

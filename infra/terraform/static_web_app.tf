# The dashboard. Standard tier, because only Standard links an existing Function App as its
# /api backend (the functions keep their /api prefix).

resource "azurerm_static_web_app" "this" {
  name                               = "stapp-${local.base}"
  resource_group_name                = azurerm_resource_group.this.name
  location                           = var.static_web_app_location
  tags                               = local.tags
  sku_tier                           = "Standard"
  sku_size                           = "Standard"
  configuration_file_changes_enabled = true
  preview_environments_enabled       = false
  public_network_access_enabled      = true

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_static_web_app_function_app_registration" "this" {
  static_web_app_id = azurerm_static_web_app.this.id
  function_app_id   = azurerm_function_app_flex_consumption.this.id
}

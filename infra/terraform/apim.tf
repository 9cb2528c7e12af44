# API Management in front of the ingest endpoints: token validation and a per-caller rate limit
# at the edge, before a request costs a function execution. The policy lives in policies/.

resource "azurerm_api_management" "this" {
  #checkov:skip=CKV_AZURE_107: the gateway serves POS vendors and edge devices on the internet, so it needs a public endpoint; every call must carry a valid Entra token.
  #checkov:skip=CKV_AZURE_174: internet-facing by design (POS vendors, edge devices); every call must carry a valid Entra token.
  name                = "apim-${local.base}-${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags
  publisher_name      = var.apim_publisher_name
  publisher_email     = var.apim_publisher_email
  sku_name            = var.apim_sku_name
  min_api_version     = "2021-08-01"

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_api_management_api" "ingest" {
  name                  = "scout-ingest"
  resource_group_name   = azurerm_resource_group.this.name
  api_management_name   = azurerm_api_management.this.name
  revision              = "1"
  display_name          = "Scout ingest"
  path                  = "ingest"
  protocols             = ["https"]
  service_url           = "https://${azurerm_function_app_flex_consumption.this.default_hostname}/api/ingest"
  subscription_required = false # callers are identified by their Entra token, not a subscription key
}

locals {
  ingest_operations = {
    post-transactions = { method = "POST", url = "/transactions", name = "Ingest transaction lines" }
    post-files        = { method = "POST", url = "/files", name = "Ingest a file" }
    list-batches      = { method = "GET", url = "/batches", name = "List recent batches" }
    get-batch         = { method = "GET", url = "/batches/{id}", name = "Get one batch" }
  }
}

resource "azurerm_api_management_api_operation" "ingest" {
  for_each = local.ingest_operations

  operation_id        = each.key
  api_name            = azurerm_api_management_api.ingest.name
  api_management_name = azurerm_api_management.this.name
  resource_group_name = azurerm_resource_group.this.name
  display_name        = each.value.name
  method              = each.value.method
  url_template        = each.value.url

  dynamic "template_parameter" {
    for_each = strcontains(each.value.url, "{id}") ? ["id"] : []
    content {
      name     = template_parameter.value
      type     = "string"
      required = true
    }
  }
}

resource "azurerm_api_management_api_policy" "ingest" {
  api_name            = azurerm_api_management_api.ingest.name
  api_management_name = azurerm_api_management.this.name
  resource_group_name = azurerm_resource_group.this.name

  xml_content = templatefile("${path.module}/policies/ingest.xml.tftpl", {
    tenants           = var.allowed_tenant_ids
    audience          = var.api_audience
    rate_limit_calls  = var.ingest_rate_limit_calls
    rate_limit_period = var.ingest_rate_limit_period_seconds
    max_body_bytes    = var.max_body_bytes
  })
}

# The pseudonymisation key (keyed hash of customer ids) lives only in Key Vault. Terraform
# generates it ephemerally and writes it write-only, so it is in no file and not in state.

resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV_AZURE_109: default-deny would shut out the Flex Consumption app (Key Vault references need VNet integration to pass the firewall), which this module does not provision; access is RBAC-only.
  #checkov:skip=CKV_AZURE_189: public network access is needed for the same reason as CKV_AZURE_109.
  #checkov:skip=CKV2_AZURE_32: private endpoints need a VNet, which this module does not provision.
  name                          = "kv-${local.compact_name}${local.suffix}"
  resource_group_name           = azurerm_resource_group.this.name
  location                      = azurerm_resource_group.this.location
  tags                          = local.tags
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = true

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}

ephemeral "random_password" "pseudonym_key" {
  length  = 64
  special = false
}

resource "azurerm_key_vault_secret" "pseudonym_key" {
  #checkov:skip=CKV_AZURE_41: an expiry would force a new key, and a new key changes every customer pseudonym, breaking customer history; rotation is a planned migration, not a timer.
  name             = "pseudonym-key"
  key_vault_id     = azurerm_key_vault.this.id
  content_type     = "text/plain; purpose=hmac-sha256 customer pseudonyms"
  value_wo         = ephemeral.random_password.pseudonym_key.result
  value_wo_version = 1

  depends_on = [azurerm_role_assignment.deployer_secrets_officer]
}

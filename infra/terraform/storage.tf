# One account holds the ingest containers and the Functions host's own state (durable task hub,
# deployment package). Access is by Entra identity only: shared keys are off, so no key or
# connection string exists to leak.

locals {
  data_containers = ["raw", "quarantine", "processed"]
  # The Flex Consumption deployment package lives in its own container.
  package_container = "app-package"
}

resource "azurerm_storage_account" "this" {
  #checkov:skip=CKV_AZURE_59: the Flex Consumption app reaches storage over public endpoints (no VNet integration in this module); shared keys are off, so every request needs an Entra identity with a data role.
  #checkov:skip=CKV_AZURE_35: default-deny needs VNet integration or private endpoints for the Function App, which this module does not provision; access is identity-only instead.
  #checkov:skip=CKV2_AZURE_33: private endpoints need a VNet, which this module does not provision (see CKV_AZURE_59).
  #checkov:skip=CKV2_AZURE_1: Microsoft-managed keys encrypt at rest; a customer-managed key adds key-rotation operations this workload does not need.
  #checkov:skip=CKV_AZURE_33: queue service logging is classic Storage Analytics; diagnostics go to Log Analytics through azurerm_monitor_diagnostic_setting.blob.
  name                = "st${local.compact_name}${local.suffix}"
  resource_group_name = azurerm_resource_group.this.name
  location            = azurerm_resource_group.this.location
  tags                = local.tags

  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = var.storage_replication_type
  https_traffic_only_enabled      = true
  min_tls_version                 = "TLS1_2"
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = true
  local_user_enabled              = false
  infrastructure_encryption_enabled = true

  sas_policy {
    expiration_period = "00.01:00:00"
    expiration_action = "Block"
  }

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    delete_retention_policy {
      days = var.blob_soft_delete_days
    }

    container_delete_retention_policy {
      days = var.blob_soft_delete_days
    }
  }

  network_rules {
    default_action = "Allow"
    bypass         = ["AzureServices", "Logging", "Metrics"]
  }
}

resource "azurerm_storage_container" "data" {
  #checkov:skip=CKV2_AZURE_21: logging is configured once for the blob service (azurerm_monitor_diagnostic_setting.blob).
  for_each = toset(concat(local.data_containers, [local.package_container]))

  name                  = each.key
  storage_account_id    = azurerm_storage_account.this.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "retention" {
  storage_account_id = azurerm_storage_account.this.id

  rule {
    name    = "raw-retention"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["raw/"]
    }

    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than = 30
        delete_after_days_since_modification_greater_than       = var.raw_retention_days
      }
      version {
        delete_after_days_since_creation = var.blob_soft_delete_days
      }
    }
  }

  rule {
    name    = "processed-cool"
    enabled = true

    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["processed/", "quarantine/"]
    }

    actions {
      base_blob {
        tier_to_cool_after_days_since_modification_greater_than = 30
      }
      version {
        delete_after_days_since_creation = var.blob_soft_delete_days
      }
    }
  }
}

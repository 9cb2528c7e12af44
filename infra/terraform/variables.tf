variable "name" {
  type        = string
  description = "Short workload name used in every resource name (lowercase letters and digits, 3-10 characters)."
  default     = "scout"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,9}$", var.name))
    error_message = "name must be 3-10 lowercase letters or digits and start with a letter."
  }
}

variable "environment" {
  type        = string
  description = "Deployment stage, part of every resource name: dev, test or prod."
  default     = "dev"

  validation {
    condition     = contains(["dev", "test", "prod"], var.environment)
    error_message = "environment must be one of dev, test, prod."
  }
}

variable "location" {
  type        = string
  description = "Azure region for the stack, for example southeastasia."

  validation {
    condition     = can(regex("^[a-z]+[a-z0-9]*$", var.location))
    error_message = "location must be an Azure region name in lowercase without spaces, e.g. southeastasia."
  }
}

variable "static_web_app_location" {
  type        = string
  description = "Region of the Static Web App's management plane (content is served globally); only a few regions host it."
  default     = "eastasia"

  validation {
    condition     = contains(["westus2", "centralus", "eastus2", "westeurope", "eastasia"], var.static_web_app_location)
    error_message = "static_web_app_location must be one of westus2, centralus, eastus2, westeurope, eastasia."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags merged into the tags every resource gets."
  default     = {}
}

# --- identity --------------------------------------------------------------------------------

variable "api_audience" {
  type        = string
  description = "Audience the API accepts in bearer tokens: the Application ID URI or client id of the Scout API app registration."

  validation {
    condition     = can(regex("^(api://[^\\s]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", var.api_audience))
    error_message = "api_audience must be an api:// URI or a client id (GUID)."
  }
}

variable "allowed_tenant_ids" {
  type        = list(string)
  description = "Entra tenant ids whose tokens the API accepts (the home tenant plus any POS vendor tenants)."

  validation {
    condition     = length(var.allowed_tenant_ids) > 0 && alltrue([for t in var.allowed_tenant_ids : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", t))])
    error_message = "allowed_tenant_ids must hold at least one tenant id, each a lowercase GUID."
  }
}

variable "sql_admin_group_name" {
  type        = string
  description = "Display name of the Entra group that administers Azure SQL (the only SQL administrators: Entra-only authentication)."

  validation {
    condition     = length(trimspace(var.sql_admin_group_name)) > 0
    error_message = "sql_admin_group_name must not be empty."
  }
}

variable "sql_admin_group_object_id" {
  type        = string
  description = "Object id of the Entra group named in sql_admin_group_name."

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.sql_admin_group_object_id))
    error_message = "sql_admin_group_object_id must be a lowercase GUID."
  }
}

# --- data ------------------------------------------------------------------------------------

variable "raw_retention_days" {
  type        = number
  description = "Days raw ingest payloads stay in the raw container before the lifecycle rule deletes them."
  default     = 400

  validation {
    condition     = var.raw_retention_days >= 30 && var.raw_retention_days <= 3650
    error_message = "raw_retention_days must be between 30 and 3650."
  }
}

variable "blob_soft_delete_days" {
  type        = number
  description = "Days deleted blobs and containers can be restored."
  default     = 14

  validation {
    condition     = var.blob_soft_delete_days >= 7 && var.blob_soft_delete_days <= 365
    error_message = "blob_soft_delete_days must be between 7 and 365."
  }
}

variable "storage_replication_type" {
  type        = string
  description = "Replication of the data storage account; raw payloads are the system of record, so the default survives a zone and a region outage."
  default     = "GZRS"

  validation {
    condition     = contains(["LRS", "ZRS", "GRS", "GZRS", "RAGRS", "RAGZRS"], var.storage_replication_type)
    error_message = "storage_replication_type must be one of LRS, ZRS, GRS, GZRS, RAGRS, RAGZRS."
  }
}

variable "sql_sku_name" {
  type        = string
  description = "Azure SQL database SKU; the default is serverless General Purpose that pauses when idle."
  default     = "GP_S_Gen5_1"

  validation {
    condition     = can(regex("^(GP_S_Gen5_[0-9]+|GP_Gen5_[0-9]+|HS_Gen5_[0-9]+|BC_Gen5_[0-9]+|S[0-9]+|P[0-9]+|Basic)$", var.sql_sku_name))
    error_message = "sql_sku_name must be an Azure SQL database SKU such as GP_S_Gen5_1, GP_Gen5_2 or S1."
  }
}

variable "sql_max_size_gb" {
  type        = number
  description = "Maximum size of the Azure SQL database in GB."
  default     = 32

  validation {
    condition     = var.sql_max_size_gb >= 1 && var.sql_max_size_gb <= 4096
    error_message = "sql_max_size_gb must be between 1 and 4096."
  }
}

variable "sql_auto_pause_minutes" {
  type        = number
  description = "Idle minutes before a serverless database pauses (-1 disables auto-pause)."
  default     = 60

  validation {
    condition     = var.sql_auto_pause_minutes == -1 || (var.sql_auto_pause_minutes >= 15 && var.sql_auto_pause_minutes <= 10080)
    error_message = "sql_auto_pause_minutes must be -1 or between 15 and 10080."
  }
}

variable "sql_odbc_driver" {
  type        = string
  description = "ODBC driver name the Function App uses for Azure SQL (must exist in the Functions Python image)."
  default     = "ODBC Driver 18 for SQL Server"

  validation {
    condition     = contains(["ODBC Driver 17 for SQL Server", "ODBC Driver 18 for SQL Server"], var.sql_odbc_driver)
    error_message = "sql_odbc_driver must be ODBC Driver 17 or 18 for SQL Server."
  }
}

# --- compute ---------------------------------------------------------------------------------

variable "function_maximum_instance_count" {
  type        = number
  description = "Upper bound on Flex Consumption instances (caps cost and load on Azure SQL)."
  default     = 40

  validation {
    condition     = var.function_maximum_instance_count >= 1 && var.function_maximum_instance_count <= 1000
    error_message = "function_maximum_instance_count must be between 1 and 1000."
  }
}

variable "function_instance_memory_mb" {
  type        = number
  description = "Memory per Flex Consumption instance in MB."
  default     = 2048

  validation {
    condition     = contains([512, 2048, 4096], var.function_instance_memory_mb)
    error_message = "function_instance_memory_mb must be 512, 2048 or 4096."
  }
}

variable "max_body_bytes" {
  type        = number
  description = "Largest ingest request body the app and API Management accept, in bytes (Azure caps HTTP bodies at 100 MB)."
  default     = 52428800

  validation {
    condition     = var.max_body_bytes >= 1024 && var.max_body_bytes <= 104857600
    error_message = "max_body_bytes must be between 1 KiB and 100 MiB."
  }
}

# --- monitoring ------------------------------------------------------------------------------

variable "log_retention_days" {
  type        = number
  description = "Days Log Analytics keeps logs (and Application Insights telemetry stored there)."
  default     = 90

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be between 30 and 730."
  }
}

variable "sql_audit_retention_days" {
  type        = number
  description = "Days Azure SQL audit records are retained."
  default     = 90

  validation {
    condition     = var.sql_audit_retention_days >= 90 && var.sql_audit_retention_days <= 3285
    error_message = "sql_audit_retention_days must be between 90 and 3285 (at least 90 for audit)."
  }
}

variable "alert_email" {
  type        = string
  description = "Address that receives alerts (failed ingest batches, function errors)."

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an e-mail address."
  }
}

# --- API Management --------------------------------------------------------------------------

variable "apim_sku_name" {
  type        = string
  description = "API Management SKU in front of ingest. rate-limit-by-key is not offered on the Consumption tier, so the smallest tier that has it is the default."
  default     = "BasicV2_1"

  validation {
    condition     = can(regex("^(Developer_1|Basic_[12]|BasicV2_[0-9]+|Standard_[0-9]+|StandardV2_[0-9]+|Premium_[0-9]+)$", var.apim_sku_name))
    error_message = "apim_sku_name must be a tier that supports rate-limit-by-key (Developer, Basic, BasicV2, Standard, StandardV2, Premium); Consumption does not."
  }
}

variable "apim_publisher_name" {
  type        = string
  description = "Organisation name shown as the API publisher."

  validation {
    condition     = length(trimspace(var.apim_publisher_name)) > 0
    error_message = "apim_publisher_name must not be empty."
  }
}

variable "apim_publisher_email" {
  type        = string
  description = "Address API Management sends operational notices to."

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.apim_publisher_email))
    error_message = "apim_publisher_email must be an e-mail address."
  }
}

variable "ingest_rate_limit_calls" {
  type        = number
  description = "Ingest calls one caller (token subject) may make per ingest_rate_limit_period_seconds."
  default     = 600

  validation {
    condition     = var.ingest_rate_limit_calls >= 1 && var.ingest_rate_limit_calls <= 100000
    error_message = "ingest_rate_limit_calls must be between 1 and 100000."
  }
}

variable "ingest_rate_limit_period_seconds" {
  type        = number
  description = "Window of the per-caller ingest rate limit, in seconds."
  default     = 60

  validation {
    condition     = var.ingest_rate_limit_period_seconds >= 1 && var.ingest_rate_limit_period_seconds <= 300
    error_message = "ingest_rate_limit_period_seconds must be between 1 and 300."
  }
}

# Inputs of the deployed stack; the deploy workflow passes them as TF_VAR_* from repository
# variables (none of them is a secret). The module validates each one again.

variable "environment" {
  type        = string
  description = "Deployment stage: dev, test or prod."

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
    error_message = "location must be an Azure region name in lowercase without spaces."
  }
}

variable "api_audience" {
  type        = string
  description = "Audience of the Scout API app registration (api:// URI or client id)."

  validation {
    condition     = length(var.api_audience) > 0
    error_message = "api_audience must not be empty."
  }
}

variable "allowed_tenant_ids" {
  type        = list(string)
  description = "Entra tenant ids whose tokens the API accepts."

  validation {
    condition     = length(var.allowed_tenant_ids) > 0
    error_message = "allowed_tenant_ids must hold at least one tenant id."
  }
}

variable "sql_admin_group_name" {
  type        = string
  description = "Display name of the Entra group administering Azure SQL."

  validation {
    condition     = length(var.sql_admin_group_name) > 0
    error_message = "sql_admin_group_name must not be empty."
  }
}

variable "sql_admin_group_object_id" {
  type        = string
  description = "Object id of the Entra group administering Azure SQL."

  validation {
    condition     = can(regex("^[0-9a-f-]{36}$", var.sql_admin_group_object_id))
    error_message = "sql_admin_group_object_id must be a GUID."
  }
}

variable "alert_email" {
  type        = string
  description = "Address that receives operational alerts."

  validation {
    condition     = can(regex("@", var.alert_email))
    error_message = "alert_email must be an e-mail address."
  }
}

variable "apim_publisher_name" {
  type        = string
  description = "Organisation name shown as the API publisher."

  validation {
    condition     = length(var.apim_publisher_name) > 0
    error_message = "apim_publisher_name must not be empty."
  }
}

variable "apim_publisher_email" {
  type        = string
  description = "Address API Management sends operational notices to."

  validation {
    condition     = can(regex("@", var.apim_publisher_email))
    error_message = "apim_publisher_email must be an e-mail address."
  }
}

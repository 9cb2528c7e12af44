terraform {
  # 1.11: write-only attributes, so the pseudonym key never lands in state.
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.42"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7"
    }
  }
}

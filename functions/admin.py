"""Placeholder: this area's owner replaces it with the real blueprint."""

import azure.durable_functions as df

bp = df.Blueprint()

"""Thin trigger adapters, one Blueprint per area; they parse, call ``shared/``, shape the response."""

"""Scout's domain: importable and testable without azure.functions or a Functions host."""

__version__ = "0.1.0"

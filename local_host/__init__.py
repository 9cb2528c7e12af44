"""Runs the Function App on one machine without Azure Functions Core Tools.

``python -m local_host`` discovers the app's functions from ``app.get_functions()``, serves HTTP
triggers under ``/api``, fires timers on their NCRONTAB schedules, and runs Durable Functions
orchestrations with the real ``azure-functions-durable`` replay executor over a SQLite history.
"""

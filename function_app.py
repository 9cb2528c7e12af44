"""The one Function App: blueprints from ``functions/`` registered on a Durable Functions app.

Importing this module touches no network and no service; connections open on first use.
"""

import azure.durable_functions as df

from functions import admin, analytics, etl, health, ingest, maintenance
from shared.telemetry import configure_logging

configure_logging()

app = df.DFApp()
for blueprint in (health.bp, ingest.bp, etl.bp, analytics.bp, admin.bp, maintenance.bp):
    app.register_functions(blueprint)

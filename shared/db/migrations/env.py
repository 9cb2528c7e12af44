"""Alembic environment: run by :func:`shared.db.engine.migrate` on a connection it passes in."""

from alembic import context

from shared.db.schema import full_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

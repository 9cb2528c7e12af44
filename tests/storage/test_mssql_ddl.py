"""The schema as Azure SQL would receive it, compiled with SQLAlchemy's ``mssql`` dialect (no SQL
Server can run here, so the statements are checked as text, not executed)."""

from sqlalchemy.dialects import mssql
from sqlalchemy.schema import CreateIndex, CreateTable

from shared.db.schema import metadata


def test_every_table_and_index_compiles_for_sql_server() -> None:
    for table in metadata.sorted_tables:
        assert str(CreateTable(table).compile(dialect=mssql.dialect())).startswith("\nCREATE TABLE")
        for index in table.indexes:
            assert "CREATE" in str(CreateIndex(index).compile(dialect=mssql.dialect()))


def test_idempotency_keys_are_unique_per_caller_but_many_batches_may_have_none() -> None:
    """SQL Server's unique indexes admit one NULL only: the index is filtered there."""
    index = next(i for i in metadata.tables["ingest_batch"].indexes if i.name == "uq_ingest_batch_caller_key")
    ddl = str(CreateIndex(index).compile(dialect=mssql.dialect()))
    assert ddl.startswith(
        "CREATE UNIQUE INDEX uq_ingest_batch_caller_key ON ingest_batch (caller_id, idempotency_key)"
    )
    assert ddl.endswith("WHERE idempotency_key IS NOT NULL")

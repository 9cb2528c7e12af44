"""SQL through SQLAlchemy Core: one MetaData, one engine per URL, Alembic migrations."""

"""``local_host.sample.load_sample`` against the real host: a small seeded sample goes in through
the ingest API, every batch ends final, and a second run skips instead of loading twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from local_host.sample import load_sample
from shared.config import get_settings
from shared.db.engine import dispose_engines, ensure_schema
from shared.db.tables import fact_sales_line
from tests.support.tokens import issuer_for, sql_url_for


def test_the_sample_loads_once_through_the_ingest_api(
    local_host_factory, monkeypatch: pytest.MonkeyPatch, capsys
):
    host = local_host_factory()
    # The loader runs inside the host process in production; here it runs in the test process
    # with the host's settings, so its dimension writes and tokens land where the host looks.
    monkeypatch.setenv("SCOUT_DATA_DIR", str(host.data_dir))
    monkeypatch.setenv("SCOUT_SQL_URL", sql_url_for(host))
    monkeypatch.setenv("SCOUT_AUTH_ISSUER", issuer_for(host))
    get_settings.cache_clear()
    try:
        summary = load_sample(
            host.base_url, host.function_key, host.data_dir, stores=4, days=3, lines_per_store_day=40
        )
        assert summary["skipped"] is False
        assert summary["statuses"] == {"succeeded": summary["batches"]}
        counts = summary["counts"]
        assert counts["received"] == summary["lines"] > 0
        assert counts["loaded"] + counts["duplicate"] == counts["received"]
        with ensure_schema().connect() as conn:
            stored = conn.execute(select(func.count()).select_from(fact_sales_line)).scalar_one()
        assert stored == counts["loaded"]
        assert "sample:" in capsys.readouterr().out

        again = load_sample(
            host.base_url, host.function_key, host.data_dir, stores=4, days=3, lines_per_store_day=40
        )
        assert again == {"skipped": True}
    finally:
        get_settings.cache_clear()
        dispose_engines()

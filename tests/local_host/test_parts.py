"""The host's pure parts: route templates, NCRONTAB schedules, settings loading, key file."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime

import pytest

from local_host import keys, settings
from local_host.discovery import compile_route
from local_host.schedules import parse_schedule
from shared.inflight import RequestsInFlight


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("ingest/batches/{id}", "ingest/batches/b-1", {"id": "b-1"}),
        ("ingest/batches/{id}", "ingest/batches", None),
        ("items/{id:int}", "items/12", {"id": "12"}),
        ("items/{id:int}", "items/x", None),
        ("items/{id:int}/{name?}", "items/12", {"id": "12", "name": None}),
        ("files/{*rest}", "files/a/b.csv", {"rest": "a/b.csv"}),
        ("Health", "health", {}),  # routes match case-insensitively, as in Azure
    ],
)
def test_route_templates(template: str, path: str, expected: dict | None) -> None:
    pattern, _ = compile_route(template)
    found = pattern.fullmatch(path)
    assert (found.groupdict() if found else None) == expected


def test_literal_routes_win_over_parameters() -> None:
    _, literal = compile_route("ingest/batches/stats")
    _, param = compile_route("ingest/batches/{id}")
    assert literal < param


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("*/2 * * * * *", "2026-01-01T00:00:01", "2026-01-01T00:00:02"),  # seconds come first
        ("0 */5 * * * *", "2026-01-01T00:01:00", "2026-01-01T00:05:00"),
        ("0 30 2 * * *", "2026-01-01T03:00:00", "2026-01-02T02:30:00"),
        ("00:10:00", "2026-01-01T00:00:00", "2026-01-01T00:10:00"),  # TimeSpan form
    ],
)
def test_ncrontab(expression: str, after: str, expected: str) -> None:
    moment = datetime.fromisoformat(after).replace(tzinfo=UTC)
    assert parse_schedule(expression).next_after(moment) == datetime.fromisoformat(expected).replace(
        tzinfo=UTC
    )


def test_schedule_from_app_setting_and_bad_schedules(monkeypatch) -> None:
    monkeypatch.setenv("NIGHTLY", "0 0 3 * * *")
    assert parse_schedule("%NIGHTLY%").expression == "0 0 3 * * *"
    with pytest.raises(ValueError, match="6 fields"):
        parse_schedule("0 3 * * *")
    with pytest.raises(ValueError, match="not set"):
        parse_schedule("%MISSING_SETTING%")


def test_local_settings_do_not_override_the_environment(tmp_path, monkeypatch) -> None:
    (tmp_path / "local.settings.json").write_text(
        json.dumps({"IsEncrypted": False, "Values": {"SCOUT_T_ONE": "file", "SCOUT_T_TWO": "file"}})
    )
    monkeypatch.setenv("SCOUT_T_ONE", "env")
    monkeypatch.delenv("SCOUT_T_TWO", raising=False)
    try:
        assert settings.load_local_settings(tmp_path) == ["SCOUT_T_TWO"]
        assert os.environ["SCOUT_T_ONE"] == "env" and os.environ["SCOUT_T_TWO"] == "file"
    finally:
        os.environ.pop("SCOUT_T_TWO", None)


def test_dev_issuer_defaults_only_in_dev_mode(tmp_path, monkeypatch) -> None:
    # apply_defaults writes os.environ; a copy keeps its writes from reaching later tests' hosts
    unset = ("SCOUT_AUTH_ISSUER", "SCOUT_AUTH_JWKS_URL", "SCOUT_DATA_DIR")
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k not in unset})
    monkeypatch.setenv("SCOUT_AUTH_MODE", "entra")
    settings.apply_defaults(9999, str(tmp_path))
    assert "SCOUT_AUTH_ISSUER" not in os.environ
    monkeypatch.setenv("SCOUT_AUTH_MODE", "dev")
    assert settings.apply_defaults(9999, str(tmp_path)) == tmp_path.resolve()
    assert os.environ["SCOUT_AUTH_ISSUER"] == "http://127.0.0.1:9999/dev-issuer"
    assert os.environ["SCOUT_AUTH_JWKS_URL"] == "http://127.0.0.1:9999/dev-issuer/keys"


def test_keys_are_created_once_and_checked_by_kind(tmp_path) -> None:
    first = keys.load_or_create(tmp_path)
    assert keys.load_or_create(tmp_path) == first
    assert (tmp_path / keys.KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert first.is_function_key(first.default_function_key) and first.is_function_key(first.master)
    assert not first.is_master(first.default_function_key)
    assert first.is_system_key(first.durable_system_key) and not first.is_system_key(
        first.default_function_key
    )
    assert not first.is_function_key("") and not first.is_function_key(None)
    assert len({first.master, first.default_function_key, first.durable_system_key}) == 3


def test_activities_wait_for_requests_in_flight_but_not_forever() -> None:
    requests = RequestsInFlight()
    assert requests.wait_idle(0.0), "no request in flight: start at once"
    finished = threading.Event()
    with requests:
        waiter = threading.Thread(target=lambda: finished.set() if requests.wait_idle(30.0) else None)
        waiter.start()
        assert not finished.wait(0.2), "an activity must not start while a request is served"
        assert not requests.wait_idle(0.01), "bounded: gives up after its timeout"
    waiter.join(10.0)
    assert finished.is_set(), "the request ended: the waiting activity starts"

"""Pure helpers: CSV cells, ETag matching, calendar pieces, quintiles, Pareto, date defaults."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from shared.analytics.caching import etag_for, matches
from shared.analytics.calendar import previous_period, split_by_months
from shared.analytics.customers import quintile_scores, segments
from shared.analytics.export import safe_cell, to_csv
from shared.analytics.params import Parsed, resolve_dates
from shared.analytics.products import pareto
from shared.errors import ApiError


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+63 912", "'+63 912"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-5.0, -5.0),  # numbers stay numbers
        (None, ""),
    ],
)
def test_formula_cells_are_neutralised(cell: object, shown: object) -> None:
    assert safe_cell(cell) == shown


def test_csv_round_trips_quotes_commas_and_newlines() -> None:
    text = to_csv(["name", "value"], [['He said "hi", twice', 1.5], ["two\nlines", None]])
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "value"],
        ['He said "hi", twice', "1.5"],
        ["two\nlines", ""],
    ]


def test_if_none_match_forms() -> None:
    tag = etag_for(b"body", "json:series")
    assert tag.startswith('"') and tag != etag_for(b"body", "csv:series")
    assert matches(tag, tag) and matches(f'"other", W/{tag}', tag) and matches("*", tag)
    assert not matches('"other"', tag) and not matches(None, tag)


def test_ranges_split_into_ragged_days_and_whole_months() -> None:
    days, months = split_by_months(date(2025, 1, 15), date(2025, 4, 10))
    assert days == [(date(2025, 1, 15), date(2025, 1, 31)), (date(2025, 4, 1), date(2025, 4, 10))]
    assert months == [date(2025, 2, 1), date(2025, 3, 1)]
    assert split_by_months(date(2024, 2, 1), date(2024, 2, 29)) == ([], [date(2024, 2, 1)])
    assert split_by_months(date(2025, 3, 5), date(2025, 3, 5)) == ([(date(2025, 3, 5), date(2025, 3, 5))], [])
    assert previous_period(date(2025, 3, 1), date(2025, 3, 31)) == (date(2025, 1, 29), date(2025, 2, 28))


def test_quintiles_share_the_lowest_rank_on_ties() -> None:
    assert quintile_scores([10, 20, 30, 40, 50]).tolist() == [1, 2, 3, 4, 5]
    assert quintile_scores([1, 1, 1, 1, 9]).tolist() == [1, 1, 1, 1, 5]
    assert quintile_scores([7]).tolist() == [1]
    assert quintile_scores([]).tolist() == []
    r, f = [5, 3, 5, 1, 1, 3, 4], [5, 3, 1, 5, 1, 1, 3]
    assert segments(r, f).tolist() == [
        "Champions",
        "Loyal",
        "Recent",
        "At risk",
        "Hibernating",
        "Needs attention",
        "Loyal",
    ]


def test_pareto_counts_skus_to_reach_eighty_percent() -> None:
    result = pareto([50.0, 30.0, 10.0, 10.0])
    assert result.skus_for_80pct == 2 and result.share_of_skus == 0.5
    assert [p.rank for p in result.curve] == [1, 2, 3, 4] and result.curve[-1].cumulative_share == 1.0
    assert pareto([]).sku_count == 0 and pareto([]).share_of_skus is None


def test_date_defaults_and_limits() -> None:
    latest = date(2025, 6, 30)
    assert resolve_dates(Parsed(None, None), latest, 800) == (date(2025, 6, 1), latest)
    assert resolve_dates(Parsed(date(2025, 1, 1), None), latest, 800) == (date(2025, 1, 1), date(2025, 1, 30))
    with pytest.raises(ApiError) as too_long:
        resolve_dates(Parsed(date(2020, 1, 1), date(2025, 1, 1)), latest, 800)
    assert {d["parameter"] for d in too_long.value.details} == {"from", "to"}

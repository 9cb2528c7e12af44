"""Date arithmetic in Python: month bounds, ISO weeks, previous periods, range segments."""

from __future__ import annotations

from datetime import date, timedelta


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return week_monday(day)
    if grain == "month":
        return first_of_month(day)
    return day


def period_end(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "month":
        return month_end(start)
    return start


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The equal-length period that ends the day before ``date_from``."""
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)


def split_by_months(date_from: date, date_to: date) -> tuple[list[tuple[date, date]], list[date]]:
    """Day ranges at the ragged edges, and the whole months in between (by their first day)."""
    day_ranges: list[tuple[date, date]] = []
    months: list[date] = []
    cursor = date_from
    while cursor <= date_to:
        end = month_end(cursor)
        if cursor.day == 1 and end <= date_to:
            months.append(cursor)
        else:
            day_ranges.append((cursor, min(end, date_to)))
        cursor = end + timedelta(days=1)
    return day_ranges, months

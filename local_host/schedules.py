"""Timer schedules as Azure reads them: NCRONTAB with six fields (seconds first), a TimeSpan
(``hh:mm:ss``), or ``%AppSetting%`` naming either. Times are UTC (``WEBSITE_TIME_ZONE`` unset)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from croniter import croniter

_TIMESPAN = re.compile(r"^(?:(?P<d>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})$")


@dataclass(frozen=True)
class Schedule:
    expression: str
    interval: timedelta | None = None  # TimeSpan schedules

    def next_after(self, moment: datetime) -> datetime:
        if self.interval is not None:
            return moment + self.interval
        return croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)


def parse_schedule(raw: str) -> Schedule:
    text = raw.strip()
    if text.startswith("%") and text.endswith("%"):
        setting = text.strip("%")
        if setting not in os.environ:
            raise ValueError(f"timer schedule refers to app setting {setting!r}, which is not set")
        text = os.environ[setting].strip()
    span = _TIMESPAN.match(text)
    if span:
        interval = timedelta(
            days=int(span["d"] or 0), hours=int(span["h"]), minutes=int(span["m"]), seconds=int(span["s"])
        )
        if interval <= timedelta(0):
            raise ValueError(f"timer interval must be positive: {raw!r}")
        return Schedule(text, interval)
    fields = text.split()
    if len(fields) != 6:
        raise ValueError(f"NCRONTAB schedule needs 6 fields (second minute hour day month weekday): {raw!r}")
    if not croniter.is_valid(text, second_at_beginning=True):
        raise ValueError(f"invalid NCRONTAB schedule: {raw!r}")
    return Schedule(text)


def utcnow() -> datetime:
    return datetime.now(UTC)

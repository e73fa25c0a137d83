"""GSTAT's calendar: the reportable months (those that have ended, Italian time) and their deadlines."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

from ..models import as_utc, utcnow

ROME = ZoneInfo("Europe/Rome")
DEFAULT_DEADLINE_DAY = 15
RECENT_MONTHS = 6


def today_in_italy() -> date:
    return datetime.now(ROME).date()


@lru_cache(maxsize=512)
def month_hours(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1] * 24


def month_ended(year: int, month: int, today: date) -> bool:
    """A month is reportable only once it has ended."""
    return (year, month) < (today.year, today.month)


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year, month - 1) if month > 1 else (year - 1, 12)


def last_ended_month(today: date | None = None) -> tuple[int, int]:
    today = today or today_in_italy()
    return previous_month(today.year, today.month)


def recent_months(today: date | None = None, count: int = RECENT_MONTHS) -> list[tuple[int, int]]:
    """The ``count`` most recent ended months, the latest first."""
    months = [last_ended_month(today)]
    while len(months) < count:
        months.append(previous_month(*months[-1]))
    return months


def deadline_day() -> int:
    return min(max(int(current_app.config.get("GSTAT_DEADLINE_DAY", DEFAULT_DEADLINE_DAY)), 1), 28)


def deadline(year: int, month: int) -> date:
    """The last day to submit the report of ``month``: GSTAT_DEADLINE_DAY of the following month."""
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    return date(next_year, next_month, deadline_day())


def deadline_end(year: int, month: int) -> datetime:
    """The instant the deadline passes (midnight after the deadline day, Italian time), in UTC terms."""
    return datetime.combine(deadline(year, month) + timedelta(days=1), time.min, tzinfo=ROME).astimezone(UTC)


def is_late(year: int, month: int, submitted_at: datetime | None, now: datetime | None = None) -> bool:
    """Submitted after the deadline, or not submitted and the deadline has passed."""
    limit = deadline_end(year, month)
    if submitted_at is None:
        return (now or utcnow()) >= limit
    return as_utc(submitted_at) >= limit

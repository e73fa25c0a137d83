"""GSTAT's calendar: the reportable months (those that have ended, Italian time) and their deadlines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app

from .. import dates
from ..dates import days_in_month, local_midnight, next_month, previous_month
from ..models import as_utc, utcnow

DEFAULT_DEADLINE_DAY = 15
RECENT_MONTHS = 6


@lru_cache(maxsize=512)
def month_hours(year: int, month: int) -> int:
    return days_in_month(year, month) * 24


def month_ended(year: int, month: int, today: date) -> bool:
    """A month is reportable only once it has ended."""
    return (year, month) < (today.year, today.month)


def last_ended_month(today: date | None = None) -> tuple[int, int]:
    today = today or dates.today()
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
    return date(*next_month(year, month), deadline_day())


def deadline_end(year: int, month: int) -> datetime:
    """The instant the deadline passes (midnight after the deadline day, Italian time), in UTC terms."""
    return local_midnight(deadline(year, month) + timedelta(days=1))


def is_late(year: int, month: int, submitted_at: datetime | None, now: datetime | None = None) -> bool:
    """Submitted after the deadline, or not submitted and the deadline has passed."""
    limit = deadline_end(year, month)
    if submitted_at is None:
        return (now or utcnow()) >= limit
    return as_utc(submitted_at) >= limit

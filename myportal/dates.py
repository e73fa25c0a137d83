"""Dates and times as they are in Italy: today, local midnight, quarter-hours and months.

The server's clock runs on UTC, so ``date.today()`` is still yesterday for the first hour or two of an Italian
day: every "today" of the portal comes from :func:`today`. Stored timestamps are UTC (naive ones, as SQLite
returns them, are read as UTC); a day of measurements runs from one Italian midnight to the next, and has 92,
96 or 100 quarter-hours (the days of the change to and from summer time).
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")
QUARTER = timedelta(minutes=15)
ONE_DAY = timedelta(days=1)

# The years a date typed into the portal may have (form fields, query-string filters, uploaded files): wider
# than any real contract, invoice, report or auction, and far enough inside what Python and the databases hold
# (years 1 to 9999) that a period's arithmetic or a time-zone conversion never leaves it.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


# --- today and the time of day ----------------------------------------------------------------------------------


def today(at: datetime | None = None) -> date:
    """The date in Italy now (or at the UTC instant ``at``), whatever the server's time zone."""
    return local_time(at or datetime.now(UTC)).date()


def local_time(value: datetime) -> datetime:
    """A UTC timestamp (naive ones are read as UTC) in Italian time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ROME)


def local_date(value: datetime) -> date:
    """The Italian calendar day of a UTC timestamp."""
    return local_time(value).date()


def from_local(value: datetime) -> datetime:
    """A naive date and time on an Italian wall clock (as typed in a form), as an aware UTC datetime."""
    return value.replace(tzinfo=ROME).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Italy."""
    return datetime.combine(day, time(), ROME).astimezone(UTC)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which ``day`` begins and the next day begins in Italy."""
    return local_midnight(day), local_midnight(day + ONE_DAY)


# --- quarter-hours --------------------------------------------------------------------------------------------


def quarters_in_day(day: date) -> int:
    """The quarter-hours of an Italian day: 96, 92 on the day summer time begins, 100 on the day it ends."""
    begin, end = local_day_bounds(day)
    return (end - begin) // QUARTER


def quarter_hours(day: date) -> list[datetime]:
    """The UTC starts of the quarter-hours of an Italian day, in order."""
    begin = local_midnight(day)
    return [begin + QUARTER * number for number in range(quarters_in_day(day))]


# --- months ---------------------------------------------------------------------------------------------------


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def last_of_month(day: date) -> date:
    return day.replace(day=days_in_month(day.year, day.month))


def month_range(year: int, month: int) -> tuple[date, date]:
    """The first and the last day of a month."""
    return date(year, month, 1), date(year, month, days_in_month(year, month))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), or the last day of that month when shorter:
    31 January plus one month is 28 (or 29) February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, days_in_month(year, month + 1)))


def next_month(year: int, month: int) -> tuple[int, int]:
    """(year, month) of the month after."""
    return (year, month + 1) if month < 12 else (year + 1, 1)


def previous_month(year: int, month: int) -> tuple[int, int]:
    """(year, month) of the month before."""
    return (year, month - 1) if month > 1 else (year - 1, 12)


def months_between(start: date, end: date) -> int:
    """Months from ``start``'s month to ``end``'s, both included."""
    return (end.year - start.year) * 12 + end.month - start.month + 1

"""myportal.dates: Italian today, midnight, quarter-hours and months, whatever the server's clock says."""

from datetime import UTC, date, datetime

import pytest

from myportal import dates


class _FrozenClock(datetime):
    """``datetime`` whose ``now`` is 23:30 UTC on 31 December 2025 (already 1 January 2026 in Rome)."""

    @classmethod
    def now(cls, tz=None):
        moment = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


def test_today_is_the_italian_date_near_midnight_on_a_utc_server(monkeypatch):
    monkeypatch.setattr(dates, "datetime", _FrozenClock)
    assert _FrozenClock.now().date() == date(2025, 12, 31)  # what date.today() says on a UTC server
    assert dates.today() == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), date(2026, 1, 1)),
        (datetime(2025, 12, 31, 22, 59, tzinfo=UTC), date(2025, 12, 31)),
        (datetime(2025, 6, 30, 22, 0, tzinfo=UTC), date(2025, 7, 1)),  # summer: UTC+2
        (datetime(2025, 6, 30, 21, 59), date(2025, 6, 30)),  # naive: read as UTC
    ],
)
def test_today_at_an_instant(moment, day):
    assert dates.today(moment) == day
    assert dates.local_date(moment) == day


def test_local_midnight_is_utc():
    assert dates.local_midnight(date(2026, 1, 15)) == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    assert dates.local_midnight(date(2026, 7, 15)) == datetime(2026, 7, 14, 22, 0, tzinfo=UTC)
    assert dates.local_day_bounds(date(2026, 3, 29)) == (
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    )


def test_local_time_and_back():
    typed = datetime(2026, 3, 15, 12, 0)
    stored = dates.from_local(typed)
    assert stored == datetime(2026, 3, 15, 11, 0, tzinfo=UTC)
    assert dates.local_time(stored).replace(tzinfo=None) == typed
    assert dates.local_time(stored.replace(tzinfo=None)).replace(tzinfo=None) == typed


@pytest.mark.parametrize(
    ("day", "quarters"),
    [
        (date(2026, 3, 29), 92),  # summer time begins: 02:00 becomes 03:00
        (date(2026, 3, 30), 96),
        (date(2026, 10, 25), 100),  # summer time ends: 03:00 goes back to 02:00
        (date(2025, 10, 26), 100),
        (date(2025, 3, 30), 92),
        (date(2026, 1, 1), 96),
    ],
)
def test_quarter_hours_per_day(day, quarters):
    assert dates.quarters_in_day(day) == quarters
    starts = dates.quarter_hours(day)
    assert len(starts) == quarters
    assert starts[0] == dates.local_midnight(day)
    assert starts[-1] + dates.QUARTER == dates.local_midnight(date.fromordinal(day.toordinal() + 1))
    assert all(later - earlier == dates.QUARTER for earlier, later in zip(starts, starts[1:], strict=False))


def test_the_repeated_autumn_hour_has_eight_quarters():
    hours = [dates.local_time(start).hour for start in dates.quarter_hours(date(2026, 10, 25))]
    assert hours.count(2) == 8 and hours.count(3) == 4


def test_the_skipped_spring_hour_has_none():
    hours = [dates.local_time(start).hour for start in dates.quarter_hours(date(2026, 3, 29))]
    assert 2 not in hours and hours.count(1) == hours.count(3) == 4


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 1), -12, date(2025, 5, 1)),
        (date(2026, 5, 1), 0, date(2026, 5, 1)),
        (date(2026, 5, 1), 25, date(2028, 6, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert dates.add_months(day, months) == expected


def test_month_bounds():
    assert dates.first_of_month(date(2026, 2, 17)) == date(2026, 2, 1)
    assert dates.last_of_month(date(2026, 2, 17)) == date(2026, 2, 28)
    assert dates.last_of_month(date(2024, 2, 1)) == date(2024, 2, 29)
    assert dates.last_of_month(date(2026, 12, 5)) == date(2026, 12, 31)
    assert dates.month_range(2026, 4) == (date(2026, 4, 1), date(2026, 4, 30))
    assert dates.days_in_month(2026, 2) == 28 and dates.days_in_month(2028, 2) == 29


def test_next_and_previous_month():
    assert dates.next_month(2026, 12) == (2027, 1)
    assert dates.next_month(2026, 5) == (2026, 6)
    assert dates.previous_month(2026, 1) == (2025, 12)
    assert dates.previous_month(2026, 5) == (2026, 4)


def test_months_between_counts_both_ends():
    assert dates.months_between(date(2026, 1, 1), date(2026, 1, 31)) == 1
    assert dates.months_between(date(2025, 11, 1), date(2026, 2, 1)) == 4
    assert dates.months_between(date(2024, 3, 1), date(2026, 2, 1)) == 24


@pytest.mark.parametrize(("year", "accepted"), [(1, False), (1999, False), (2000, True), (2100, True), (2101, False)])
def test_the_portal_years(year, accepted):
    assert dates.year_in_range(year) is accepted

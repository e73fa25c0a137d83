"""Misure elettriche: period filter, table by day, totals, CSV and XLSX downloads, constant queries."""

import html
import io
import tempfile
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_datetime
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from myportal import dates
from myportal.contracts.exports import csv_rows, write_xlsx
from myportal.contracts.services import Period, kwh, local_quarters, offset_text, shown_rows
from myportal.dates import ROME, local_midnight, local_time
from tests.conftest import add_supply_point, counting_queries, field_error
from tests.contracts import add_measurements, days_ago


@pytest.fixture
def operator(make_operator):
    return make_operator()


@pytest.fixture
def point(dbs, operator):
    return add_supply_point(dbs, operator, pod="IT001E55500001")


@pytest.fixture
def logged_in(client, make_user, operator, login_as):
    login_as(make_user(operator=operator))
    return client


def _page(client, query: str = "") -> str:
    response = client.get("/misure" + query)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _period(first, last) -> str:
    return f"?date_from={first.isoformat()}&date_to={last.isoformat()}"


def _italian(value: float) -> str:
    return f"{value:,.3f}".replace(",", "X").replace(".", ",").replace("X", ".")


def _quarters(day) -> int:
    return (local_midnight(day + timedelta(days=1)) - local_midnight(day)) // timedelta(minutes=15)


def test_default_period_is_the_last_seven_days(dbs, point, logged_in):
    count = add_measurements(dbs, point, days_ago(6), 6)  # up to yesterday
    add_measurements(dbs, point, days_ago(8), 1)  # before the period
    page = _page(logged_in)
    assert f'value="{days_ago(6).isoformat()}"' in page and f'value="{dates.today().isoformat()}"' in page
    assert f"{count} intervalli di 15 minuti" in page
    assert f"{_italian(count * 1.25)} kWh" in page
    assert "Pagina 1 di 7" in page
    assert f"Misure del giorno {days_ago(6):%d/%m/%Y}" in page


def test_table_totals_and_pages_by_day(dbs, point, logged_in):
    first = days_ago(10)
    count = add_measurements(dbs, point, first, 3, active="1.25")
    page = _page(logged_in, _period(first, first + timedelta(days=2)))
    assert f"{count} intervalli di 15 minuti" in page
    assert f"{_italian(count * 1.25)} kWh" in page
    assert "5,000 kW" in page  # the highest power
    assert page.count("<tr><td>") == _quarters(first)
    assert "Pagina 1 di 3" in page and "00:00" in page and "23:45" in page
    second = _page(logged_in, _period(first, first + timedelta(days=2)) + "&page=2")
    assert f"Misure del giorno {first + timedelta(days=1):%d/%m/%Y}" in second
    beyond = _page(logged_in, _period(first, first + timedelta(days=2)) + "&page=99")
    assert f"Misure del giorno {first + timedelta(days=2):%d/%m/%Y}" in beyond


def test_other_operators_measurements_are_not_shown(dbs, make_operator, point, logged_in):
    other = add_supply_point(dbs, make_operator(), pod="IT001E55500099")
    add_measurements(dbs, other, days_ago(3), 2)
    page = _page(logged_in, _period(days_ago(3), days_ago(1)))
    assert "Nessuna misura disponibile" in page and "IT001E55500099" not in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (_period(days_ago(2), days_ago(5)), "date_from", "La data iniziale è successiva alla finale."),
        (_period(days_ago(2), days_ago(-3)), "date_to", "La data finale non può essere nel futuro."),
        (_period(days_ago(-1), days_ago(-2)), "date_from", "La data iniziale non può essere nel futuro"),
        (_period(days_ago(400), days_ago(1)), "date_to", "Il periodo massimo è di un anno"),
        ("?date_from=31/02/2024&date_to=", "date_from", "Data non valida"),
        ("?date_from=ieri&date_to=2024-13-01", "date_to", "Data non valida"),
        ("?date_from=0001-01-01", "date_from", "Indica una data tra il 2000 e il 2100."),
        ("?date_from=9999-12-31", "date_from", "Indica una data tra il 2000 e il 2100."),
        ("?date_to=0001-01-01", "date_to", "Indica una data tra il 2000 e il 2100."),
        ("?date_to=31/12/9999", "date_to", "Indica una data tra il 2000 e il 2100."),
        ("?date_from=1999-12-31&date_to=2000-01-02", "date_from", "Indica una data tra il 2000 e il 2100."),
    ],
)
def test_bad_periods_show_a_message_next_to_the_field(dbs, point, logged_in, query, field, message):
    add_measurements(dbs, point, days_ago(3), 1)
    page = _page(logged_in, query)
    assert message in field_error(page, field)
    assert "intervalli di 15 minuti" not in page
    for download in ("/misure/csv", "/misure/xlsx"):
        response = logged_in.get(download + query)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert message in field_error(html.unescape(response.get_data(as_text=True)), field)


def test_a_year_is_allowed_and_italian_dates_are_accepted(dbs, point, logged_in):
    add_measurements(dbs, point, days_ago(20), 1)
    page = _page(logged_in, _period(days_ago(365), days_ago(0)))
    assert "96 intervalli di 15 minuti" in page
    typed = _page(logged_in, f"?date_from={days_ago(25):%d/%m/%Y}&date_to={days_ago(15):%d/%m/%Y}")
    assert "96 intervalli di 15 minuti" in typed


def test_empty_period(dbs, point, logged_in):
    add_measurements(dbs, point, days_ago(30), 1)
    page = _page(logged_in, _period(days_ago(10), days_ago(5)))
    assert "Nessuna misura disponibile dal" in page and "IT001E55500001" in page
    csv_response = logged_in.get("/misure/csv" + _period(days_ago(10), days_ago(5)))
    assert csv_response.mimetype == "text/html"
    assert "Nessuna misura disponibile" in csv_response.get_data(as_text=True)


def test_csv_download_streams_italian_csv(dbs, point, logged_in):
    first = days_ago(9)
    count = add_measurements(dbs, point, first, 2, active="1.25")
    response = logged_in.get("/misure/csv" + _period(first, first + timedelta(days=1)))
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "misure_IT001E55500001_" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "POD;Data;Ora inizio;Ora fine;Scostamento UTC;Energia attiva (kWh);Energia reattiva (kvarh);Potenza (kW)"
    )
    assert len(lines) == count + 1
    first_row = lines[1].split(";")
    assert first_row[:4] == ["IT001E55500001", f"{first:%d/%m/%Y}", "00:00", "00:15"]
    assert first_row[4] in ("+01:00", "+02:00")
    assert first_row[5:] == ["1,250", "0,400", "5,000"]
    assert lines[-1].split(";")[2:4] == ["23:45", "00:00"]


def test_xlsx_download_opens_with_numbers(dbs, point, logged_in):
    first = days_ago(9)
    count = add_measurements(dbs, point, first, 2, active="0.75")
    response = logged_in.get("/misure/xlsx" + _period(first, first + timedelta(days=1)))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(workbook["Misure"].iter_rows(values_only=True))
    assert rows[0][:2] == ("POD", "Inizio") and rows[0][4] == "Energia attiva (kWh)"
    assert len(rows) == count + 1
    pod, start, end, offset, active, reactive, power = rows[1]
    assert pod == "IT001E55500001" and start.date() == first and (start.hour, start.minute) == (0, 0)
    assert (end - start) == timedelta(minutes=15)
    assert isinstance(active, int | float) and active == pytest.approx(0.75)
    assert reactive == pytest.approx(0.4) and power == pytest.approx(3.0)


def _statements(app, client, path) -> int:
    with counting_queries(app) as statements:
        response = client.get(path)
        assert response.status_code == 200
        response.get_data()
    return len(statements)


def test_queries_do_not_grow_with_measurements(app, dbs, point, logged_in):
    query = _period(days_ago(31), days_ago(1))
    paths = ("/misure" + query, "/misure" + query + "&page=31", "/misure/csv" + query)
    add_measurements(dbs, point, days_ago(1), 1)
    small = {path: _statements(app, logged_in, path) for path in paths}
    add_measurements(dbs, point, days_ago(31), 30)
    large = {path: _statements(app, logged_in, path) for path in paths}
    assert small == large


# --- downloads: Italian time on the days of the clock change, streaming, flat memory -------------------------

SPRING_CHANGE = date(2025, 3, 30)  # 02:00 does not exist: 92 quarter hours
AUTUMN_CHANGE = date(2025, 10, 26)  # 02:00-03:00 twice, first +02:00 then +01:00: 100 quarter hours


def _expected_line(pod: str, start: datetime) -> str:
    """One CSV row worked out the plain way: the time zone converted twice for every row."""
    begin, end = local_time(start), local_time(start + timedelta(minutes=15))
    offset = begin.strftime("%z")
    return f"{pod};{begin:%d/%m/%Y};{begin:%H:%M};{end:%H:%M};{offset[:3]}:{offset[3:]};1,250;0,400;5,000"


def _utc_quarters(first: date, last: date) -> list[datetime]:
    moment, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    starts = []
    while moment < end:
        starts.append(moment)
        moment += timedelta(minutes=15)
    return starts


def _csv_lines(client, first: date, last: date) -> list[str]:
    response = client.get("/misure/csv" + _period(first, last))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.get_data().decode("utf-8-sig").splitlines()


@pytest.mark.parametrize(("day", "quarters"), [(SPRING_CHANGE, 92), (AUTUMN_CHANGE, 100)])
def test_csv_on_the_days_of_the_clock_change(dbs, point, logged_in, day, quarters):
    assert add_measurements(dbs, point, day - timedelta(days=1), 3) == 96 + quarters + 96
    lines = _csv_lines(logged_in, day - timedelta(days=1), day + timedelta(days=1))
    starts = _utc_quarters(day - timedelta(days=1), day + timedelta(days=1))
    assert lines[1:] == [_expected_line(point.pod, start) for start in starts]
    of_day = [line.split(";")[2:5] for line in lines[1:] if f";{day:%d/%m/%Y};" in line]
    assert len(of_day) == quarters
    if day == SPRING_CHANGE:
        assert ["01:45", "03:00", "+01:00"] in of_day and ["03:00", "03:15", "+02:00"] in of_day
        assert not [row for row in of_day if row[0].startswith("02:")]
    else:
        repeated = [row for row in of_day if row[0].startswith("02:")]
        assert repeated == [
            ["02:00", "02:15", "+02:00"],
            ["02:15", "02:30", "+02:00"],
            ["02:30", "02:45", "+02:00"],
            ["02:45", "02:00", "+02:00"],
            ["02:00", "02:15", "+01:00"],
            ["02:15", "02:30", "+01:00"],
            ["02:30", "02:45", "+01:00"],
            ["02:45", "03:00", "+01:00"],
        ]


def test_xlsx_on_the_autumn_change_has_the_repeated_hour(dbs, point, logged_in):
    add_measurements(dbs, point, AUTUMN_CHANGE, 1, active="0.75")
    response = logged_in.get("/misure/xlsx" + _period(AUTUMN_CHANGE, AUTUMN_CHANGE))
    rows = list(load_workbook(io.BytesIO(response.get_data()), read_only=True)["Misure"].iter_rows(values_only=True))
    assert len(rows) == 101
    expected = []
    for start in _utc_quarters(AUTUMN_CHANGE, AUTUMN_CHANGE):
        begin, end = local_time(start), local_time(start + timedelta(minutes=15))
        offset = begin.strftime("%z")
        expected.append((begin.replace(tzinfo=None), end.replace(tzinfo=None), f"{offset[:3]}:{offset[3:]}"))
    assert [(begin, end, offset) for _, begin, end, offset, *_ in rows[1:]] == expected
    assert [offset for *_, offset, _, _, _ in rows[1:]].count("+02:00") == 12  # 00:00-02:59 summer time


@pytest.mark.parametrize("day", [SPRING_CHANGE, AUTUMN_CHANGE, date(2025, 7, 1), date(2025, 12, 31)])
def test_local_quarters_match_a_conversion_of_every_interval(day):
    for start in _utc_quarters(day - timedelta(days=1), day + timedelta(days=1)):
        for stored in (start.replace(tzinfo=None), start):  # naive UTC as SQLite gives it back, or aware
            quarters = local_quarters(stored)
            begin, end = local_time(stored), local_time(stored + timedelta(minutes=15))
            assert quarters[stored][:2] == (begin.replace(tzinfo=None), end.replace(tzinfo=None))
            assert quarters[stored][2] == f"{begin:%z}"[:3] + ":" + f"{begin:%z}"[3:]


@settings(max_examples=300, deadline=None, database=None)
@given(st.datetimes(min_value=datetime(1975, 1, 1), max_value=datetime(2045, 12, 31)))
def test_local_quarters_agree_with_a_plain_conversion_on_any_day(moment):
    start = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0)
    quarters = local_quarters(start)
    assert len(quarters) == 96 and start in quarters
    for stored, (begin, end, offset) in quarters.items():
        local, after = local_time(stored), local_time(stored + timedelta(minutes=15))
        assert (begin, end) == (local.replace(tzinfo=None), after.replace(tzinfo=None))
        assert offset == offset_text(local.utcoffset())


@pytest.mark.parametrize("day", [SPRING_CHANGE, AUTUMN_CHANGE, date(2025, 7, 1)])
def test_table_rows_read_as_the_babel_formats_would_write_them(day):
    """The table's rows are written without Babel: the same text as the ``datetime`` filter and Babel's it_IT
    number pattern, on the days of the clock change too."""
    quantity = Decimal("1234.5675")
    for stored in _utc_quarters(day, day):
        for start in (stored.replace(tzinfo=None), stored):  # naive UTC as SQLite gives it back, or aware
            [row] = shown_rows([(start, quantity, Decimal("0"), Decimal("7.0005"))])
            moment = start if start.tzinfo else start.replace(tzinfo=UTC)
            expected = (
                format_datetime(moment, "HH:mm", tzinfo=ROME),
                format_datetime(moment + timedelta(minutes=15), "HH:mm", tzinfo=ROME),
                "1.234,568",
                "0,000",
                "7,000",
            )
            assert row == expected


@settings(max_examples=500, deadline=None, database=None)
@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=5),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    ),
    st.sampled_from([0, 1, 3]),
)
def test_quantities_read_as_babel_writes_them(value, places):
    assert kwh(value, places) == format_decimal(value, format="#,##0." + "0" * places, locale="it_IT")


def test_local_quarters_of_a_start_off_the_quarter():
    start = datetime(2025, 10, 26, 0, 50)  # UTC: 02:50 summer time, ends 02:05 winter time
    assert local_quarters(start) == {start: (datetime(2025, 10, 26, 2, 50), datetime(2025, 10, 26, 2, 5), "+02:00")}
    assert offset_text(timedelta(hours=-3, minutes=-30)) == "-03:30"


def _csv_peak(app, point, days: int, batch: int) -> tuple[int, list[str]]:
    """Peak Python memory while the CSV of ``days`` days is produced and thrown away piece by piece."""
    first = date(2025, 1, 1)
    with app.app_context():
        pieces = csv_rows(point.id, point.pod, Period(first, first + timedelta(days=days - 1)), batch)
        sizes = []
        tracemalloc.start()
        try:
            for piece in pieces:
                sizes.append(piece.count("\n"))
            return tracemalloc.get_traced_memory()[1], sizes
        finally:
            tracemalloc.stop()


def test_csv_streams_in_pieces_with_memory_that_does_not_grow(app, dbs, point):
    add_measurements(dbs, point, date(2025, 1, 1), 60)
    _csv_peak(app, point, 1, 96)  # warm up the statement cache
    day_peak, day_pieces = _csv_peak(app, point, 1, 96)
    months_peak, pieces = _csv_peak(app, point, 60, 96)
    assert day_pieces == [1, 96]
    assert pieces == [1] + [96] * 60  # the header, then one piece per batch of rows
    # The 60 days' CSV is about 400 KB: holding it (or its rows) would show here.
    assert months_peak < day_peak + 64 * 1024


def _xlsx_peak(app, point, days: int, batch: int) -> tuple[int, int]:
    first = date(2025, 1, 1)
    with app.app_context(), tempfile.TemporaryFile() as handle:
        tracemalloc.start()
        try:
            write_xlsx(handle, point.id, point.pod, Period(first, first + timedelta(days=days - 1)), batch)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        handle.seek(0)
        rows = load_workbook(handle, read_only=True)["Misure"].max_row
    return peak, rows


def test_xlsx_is_written_with_memory_that_does_not_grow(app, dbs, point):
    add_measurements(dbs, point, date(2025, 1, 1), 60)
    _xlsx_peak(app, point, 1, 96)
    day_peak, day_rows = _xlsx_peak(app, point, 1, 96)
    peak, rows = _xlsx_peak(app, point, 60, 96)
    assert (day_rows, rows) == (97, 60 * 96 + 1)
    assert peak < day_peak + 128 * 1024

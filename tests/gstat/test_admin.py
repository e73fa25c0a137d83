"""Administrators' pages (missing and late reports, the month's export), the overview, the annual summary,
and constant query counts on the list pages."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from myportal.formatting import ITALIAN, month_and_year
from myportal.gstat.calendar import deadline_end, last_ended_month
from myportal.gstat.models import MonthlyReport
from tests.conftest import field_error, login, page_text
from tests.gstat import add_plant, add_report, counting_queries, last_month, months_ago


@pytest.fixture
def admin(make_user, login_as):
    user = make_user("admin", operator=False)
    login_as(user)
    return user


def _on_time(app, year, month):
    with app.test_request_context():
        return deadline_end(year, month) - timedelta(minutes=1)


def _late(app, year, month):
    with app.test_request_context():
        return deadline_end(year, month) + timedelta(minutes=1)


def test_missing_and_late_reports_of_a_month(app, client, dbs, admin, make_operator):
    year, month = months_ago(2)
    first, second = make_operator(), make_operator()
    on_time = add_plant(dbs, first, code="UP_ADM_PUNTUALE")
    late = add_plant(dbs, first, code="UP_ADM_RITARDO")
    draft_only = add_plant(dbs, second, code="UP_ADM_BOZZA")
    missing = add_plant(dbs, second, code="UP_ADM_MANCANTE")
    original = add_report(dbs, on_time, year, month, submitted_at=_on_time(app, year, month))
    add_report(dbs, late, year, month, submitted_at=_late(app, year, month))
    add_report(dbs, draft_only, year, month, state="bozza")
    page = client.get(f"/admin/gstat?year={year}&month={month}").get_data(as_text=True)
    assert "UP_ADM_PUNTUALE" not in page
    assert "UP_ADM_RITARDO" in page and "Inviato in ritardo" in page
    assert "UP_ADM_BOZZA" in page and "UP_ADM_MANCANTE" in page and "Mancante" in page
    assert first.name in page and second.name in page
    # A correction submitted later does not make an on-time month late.
    with dbs.session() as session:
        session.get(MonthlyReport, original.id).is_current = False
    add_report(dbs, on_time, year, month, revision=2, submitted_at=_late(app, year, month))
    page = client.get(f"/admin/gstat?year={year}&month={month}").get_data(as_text=True)
    assert "UP_ADM_PUNTUALE" not in page
    # Nonsense in the query string falls back to the last ended month, never a 500.
    assert client.get("/admin/gstat?year=abc&month=99").status_code == 200
    assert missing.id


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("year=1999&month=3", "year", "Indica un anno tra il 2000 e il 2100."),
        ("year=9999&month=3", "year", "Indica un anno tra il 2000 e il 2100."),
        ("year=0&month=3", "year", "Indica l'anno con quattro cifre, per esempio 2024."),
        ("year=abc&month=3", "year", "Indica l'anno con quattro cifre, per esempio 2024."),
        ("year=2024&month=13", "month", "Scegli un mese dall'elenco."),
    ],
)
def test_a_wrong_month_is_refused_next_to_its_field(client, admin, query, field, message):
    """The page then shows the last ended month."""
    year, month = last_ended_month()
    page = client.get(f"/admin/gstat?{query}")
    assert page.status_code == 200
    assert field_error(page, field) == message
    assert f"per {month_and_year(year, month, ITALIAN)}." in page_text(page)


def test_month_export_holds_every_current_report(app, client, dbs, admin, make_operator):
    year, month = months_ago(2)
    operator = make_operator()
    solar = add_plant(dbs, operator, code="UP_EXP_SOLAR")
    thermal = add_plant(dbs, operator, code="UP_EXP_TERM", source="thermal", capacity="300")
    add_report(dbs, solar, year, month, current=False, gross="50", net="49", submitted_at=_on_time(app, year, month))
    add_report(
        dbs,
        solar,
        year,
        month,
        revision=2,
        gross="51,5".replace(",", "."),
        net="50",
        submitted_at=_late(app, year, month),
    )
    add_report(
        dbs, thermal, year, month, state="bozza", gross="1000", net="950", fuel_type="t", fuel_quantity=Decimal("12.5")
    )
    add_report(dbs, solar, *months_ago(3))  # another month: not exported
    response = client.get(f"/admin/gstat/esporta/{year}/{month}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"gstat-{year}-{month:02d}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert [row["gaudi_code"] for row in rows] == ["UP_EXP_SOLAR", "UP_EXP_TERM"]
    solar_row, thermal_row = rows
    assert solar_row["revision"] == "2" and solar_row["gross_production_mwh"] == "51,500"
    assert solar_row["late"] == "no"  # first submitted on time
    assert solar_row["operator_vat_number"] == operator.vat_number
    assert thermal_row["state"] == "bozza" and thermal_row["fuel_type"] == "t" and thermal_row["late"] == "sì"
    assert client.get(f"/admin/gstat/esporta/{year}/13.csv").status_code == 404


def test_export_is_for_administrators_only(client, make_user, login_as):
    year, month = last_month()
    login_as(make_user())
    assert client.get(f"/admin/gstat/esporta/{year}/{month}.csv").status_code == 403


def test_annual_summary_per_plant(client, dbs, make_operator, make_user, login_as):
    operator = make_operator()
    plant = add_plant(dbs, operator, code="UP_SUM_1", capacity="100")
    add_plant(dbs, operator, code="UP_SUM_VUOTO")
    other = add_plant(dbs, make_operator(), code="UP_SUM_ALTRUI")
    add_report(dbs, plant, 2024, 1, gross="100.5", net="90.125", aux="2")
    add_report(dbs, plant, 2024, 2, gross="50", net="45", current=False)
    add_report(dbs, plant, 2024, 2, revision=2, gross="60.25", net="55", state="bozza")
    add_report(dbs, plant, 2023, 12, gross="4321", net="1")
    add_report(dbs, other, 2024, 1, gross="6543", net="1")
    login_as(make_user(operator=operator))
    page = client.get("/gstat/riepilogo/2024").get_data(as_text=True)
    assert "UP_SUM_1" in page and "UP_SUM_VUOTO" in page and "UP_SUM_ALTRUI" not in page
    assert "160,75" in page and "145,125" in page  # current revisions only, Italian number format
    assert "4321" not in page and "6543" not in page
    assert client.get("/gstat/riepilogo").status_code == 302
    assert client.get("/gstat/riepilogo/1800").status_code == 404


def _plants_with_reports(dbs, operator, count):
    months = [months_ago(number) for number in range(1, 7)]
    for _ in range(count):
        plant = add_plant(dbs, operator, capacity="100")
        for index, (year, month) in enumerate(months):
            add_report(dbs, plant, year, month, state="inviato" if index % 2 else "bozza")


def _queries(app, client, url):
    with counting_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_list_pages_run_a_constant_number_of_queries(app, dbs, make_operator, make_user):
    operator = make_operator()
    operator_client, admin_client = app.test_client(), app.test_client()
    assert login(operator_client, make_user(operator=operator).username).status_code == 302
    assert login(admin_client, make_user("admin", operator=False).username).status_code == 302
    year, month = last_month()
    pages = [
        (operator_client, "/gstat"),
        (operator_client, f"/gstat/riepilogo/{year}"),
        (operator_client, "/gstat/modello.csv"),
        (admin_client, "/admin/gstat"),
        (admin_client, "/admin/gstat/impianti"),
        (admin_client, f"/admin/gstat/esporta/{year}/{month}.csv"),
    ]
    _plants_with_reports(dbs, operator, 2)
    few = [_queries(app, client, url) for client, url in pages]
    _plants_with_reports(dbs, operator, 12)
    many = [_queries(app, client, url) for client, url in pages]
    assert many == few


def test_overview_shows_states_and_pages(app, client, dbs, make_operator, make_user, login_as):
    operator = make_operator()
    login_as(make_user(operator=operator))
    assert "Nessun impianto registrato" in client.get("/gstat").get_data(as_text=True)
    plant = add_plant(dbs, operator, code="UP_OVW_1")
    (y1, m1), (y2, m2) = last_month(), months_ago(2)
    add_report(dbs, plant, y1, m1, state="bozza")
    add_report(dbs, plant, y2, m2, submitted_at=datetime(y2, m2, 28, tzinfo=UTC))
    page = client.get("/gstat").get_data(as_text=True)
    assert "UP_OVW_1" in page and "Bozza" in page and "Inviato" in page and "Mancante" in page
    for number in range(30):
        add_plant(dbs, operator, code=f"UP_OVW_P{number:02d}")
    second = client.get("/gstat?page=2").get_data(as_text=True)
    assert "UP_OVW_P29" in second and "UP_OVW_1<" not in second
    assert client.get("/gstat?page=99").status_code in (200, 404)


def test_the_configured_deadline_day_decides_what_is_late(app, client, dbs, admin, make_operator, monkeypatch):
    year, month = months_ago(3)
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    plant = add_plant(dbs, make_operator(), code="UP_DAY_20")
    add_report(dbs, plant, year, month, submitted_at=datetime(next_year, next_month, 20, 10, tzinfo=UTC))
    url = f"/admin/gstat?year={year}&month={month}"
    assert "UP_DAY_20" in client.get(url).get_data(as_text=True)  # default: the 15th
    monkeypatch.setitem(app.config, "GSTAT_DEADLINE_DAY", 25)
    page = client.get(url).get_data(as_text=True)
    assert "UP_DAY_20" not in page and f"25/{next_month:02d}/{next_year}" in page

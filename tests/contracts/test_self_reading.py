"""Autolettura contatore: readings by band, power above 16.5 kW, refusals with their reasons."""

import html
from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.contracts.models import MeterReading
from myportal.security.models import AuditEvent
from tests.conftest import add_supply_point, field_error, submit
from tests.contracts import add_reading, days_ago

URL = "/autolettura"


@pytest.fixture
def operator(make_operator):
    return make_operator()


@pytest.fixture
def user(make_user, operator):
    return make_user(operator=operator)


@pytest.fixture
def point(dbs, operator):
    """A 6 kW meter that is not read remotely, last read by the distributor ten days ago."""
    point = add_supply_point(dbs, operator, pod="IT001E66600001", contracted_power_kw=6, available_power_kw=6.6)
    add_reading(dbs, point, days_ago(10), 1000, 500, 800)
    return point


def _reading(**fields) -> dict:
    data = {"reading_date": days_ago(0).isoformat(), "f1_kwh": "1100", "f2_kwh": "550", "f3_kwh": "850"}
    data.update(fields)
    return data


def _post(client, data) -> tuple[int, str]:
    response = submit(client, URL, data)
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_form_and_previous_readings(client, point, user, login_as):
    login_as(user)
    page = html.unescape(client.get(URL).get_data(as_text=True))
    assert 'name="f1_kwh"' in page and 'name="f3_kwh"' in page
    assert 'name="power_kw"' not in page  # 6 kW: no power reading
    assert "Distributore" in page and "1.000,000" in page
    assert f"Ultima lettura: {days_ago(10):%d/%m/%Y}" in page


def test_good_reading_is_saved_and_audited(client, dbs, point, user, login_as):
    login_as(user)
    response = submit(client, URL, _reading(f1_kwh="1100,5", f2_kwh="550", f3_kwh="850.25"))
    assert response.status_code == 302
    page = html.unescape(client.get(URL).get_data(as_text=True))
    assert f"Autolettura del {days_ago(0):%d/%m/%Y} registrata per il punto IT001E66600001." in page
    assert "1.100,500" in page and "Autolettura" in page
    reading = dbs.scalar(select(MeterReading).where(MeterReading.source == "autolettura"))
    assert (reading.f1_kwh, reading.f2_kwh, reading.f3_kwh) == (Decimal("1100.5"), 550, Decimal("850.25"))
    assert reading.power_kw is None and reading.created_by_id == user.id
    assert reading.operator_id == point.operator_id
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "meter_reading.created"))
    assert event.object_id == str(reading.id) and event.user_id == user.id


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_reading(f2_kwh="499"), "f2_kwh", "è inferiore a quella del"),
        (_reading(f1_kwh="999,999"), "f1_kwh", "i contatori non tornano indietro"),
        (_reading(reading_date=days_ago(-1).isoformat()), "reading_date", "non può essere nel futuro"),
        (_reading(reading_date=days_ago(11).isoformat()), "reading_date", "precedente all'ultima lettura"),
        (_reading(f1_kwh="3000"), "f1_kwh", "Consumo non plausibile"),
        (_reading(f3_kwh="2800"), "f3_kwh", "al massimo 1.440,000 kWh (6,0 kW × 240 ore)"),
        (_reading(f1_kwh="abc"), "f1_kwh", "Inserisci un numero"),
        (_reading(f1_kwh="-5"), "f1_kwh", "non può essere negativo"),
        (_reading(f1_kwh="1,2345"), "f1_kwh", "Al massimo tre cifre decimali"),
        (_reading(f2_kwh=""), "f2_kwh", "Indica la lettura della fascia F2."),
        (_reading(reading_date=""), "reading_date", "Indica la data della lettura."),
        (_reading(reading_date="32/01/2025"), "reading_date", "Data non valida"),
    ],
)
def test_bad_readings_are_refused_next_to_the_field(client, dbs, point, user, login_as, data, field, message):
    login_as(user)
    status, page = _post(client, data)
    assert status == 200
    assert message in field_error(page, field)
    assert dbs.count(MeterReading) == 1


def test_a_second_reading_on_the_same_day_is_refused(client, dbs, point, user, login_as):
    login_as(user)
    assert submit(client, URL, _reading()).status_code == 302
    status, page = _post(client, _reading(f1_kwh="1200"))
    assert status == 200
    assert "Hai già inviato un'autolettura con questa data." in field_error(page, "reading_date")
    assert dbs.count(MeterReading) == 2


def test_power_is_required_above_16_5_kw(client, dbs, operator, user, login_as):
    point = add_supply_point(dbs, operator, contracted_power_kw=30, available_power_kw=33)
    add_reading(dbs, point, days_ago(30), 10000, 5000, 8000, power=21)
    login_as(user)
    page = html.unescape(client.get(URL).get_data(as_text=True))
    assert 'name="power_kw"' in page and "supera 16,5 kW" in page
    status, page = _post(client, _reading(f1_kwh="12000", f2_kwh="6000", f3_kwh="9000"))
    assert status == 200 and "Indica la potenza massima" in field_error(page, "power_kw")
    status, page = _post(client, _reading(f1_kwh="12000", f2_kwh="6000", f3_kwh="9000", power_kw="500"))
    assert status == 200 and "supera di molto la potenza disponibile" in field_error(page, "power_kw")
    assert dbs.count(MeterReading, MeterReading.supply_point_id == point.id) == 1
    response = submit(client, URL, _reading(f1_kwh="12000", f2_kwh="6000", f3_kwh="9000", power_kw="24,7"))
    assert response.status_code == 302
    saved = dbs.scalar(select(MeterReading).where(MeterReading.source == "autolettura"))
    assert saved.power_kw == Decimal("24.7")


def test_first_reading_has_nothing_to_compare_with(client, dbs, operator, user, login_as):
    add_supply_point(dbs, operator)
    login_as(user)
    assert "Nessuna lettura registrata." in client.get(URL).get_data(as_text=True)
    assert submit(client, URL, _reading(f1_kwh="5", f2_kwh="0", f3_kwh="0")).status_code == 302
    assert dbs.count(MeterReading) == 1


def test_remotely_read_meter_needs_no_reading(client, dbs, operator, user, login_as):
    add_supply_point(dbs, operator, remotely_read=True)
    login_as(user)
    page = html.unescape(client.get(URL).get_data(as_text=True))
    assert "contatore di questo punto di fornitura è telegestito" in page
    assert 'name="f1_kwh"' not in page
    response = submit(client, URL, _reading())
    assert response.status_code == 200
    assert "telegestito" in response.get_data(as_text=True)
    assert dbs.count(MeterReading) == 0


def test_reading_goes_to_the_chosen_point_only(client, dbs, make_operator, operator, point, user, login_as):
    stranger = add_supply_point(dbs, make_operator(), pod="IT001E66600099")
    add_reading(dbs, stranger, days_ago(5), 1, 2, 3)
    login_as(user)
    page = client.get(URL).get_data(as_text=True)
    assert "IT001E66600099" not in page
    assert submit(client, URL, _reading()).status_code == 302
    saved = dbs.scalar(select(MeterReading).where(MeterReading.source == "autolettura"))
    assert saved.supply_point_id == point.id

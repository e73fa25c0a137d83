"""Prelievi fatturati: energy and power per month and year, as a chart or a table."""

import re
from datetime import date

import pytest

from tests.conftest import make_supply_point

from . import make_invoice


def lines(kwh: str, kw: str):
    return (
        ("Energia fascia F1", kwh, "kWh", "0.100000", "22"),
        ("Quota potenza", kw, "kW", "3.000000", "22"),
        ("Oneri di sistema e accise", kwh, "kWh", "0.047300", "22"),
    )


@pytest.fixture
def arranged(dbs, make_user):
    user = make_user()
    op = user.operator_id
    with dbs.session() as session:
        north = make_supply_point(session, op, pod="IT001E00000101")
        south = make_supply_point(session, op, pod="IT001E00000102")
        make_invoice(
            session, op, "W-1", date(2024, 2, 16), point=north, lines=lines("1200", "40"), period_start=date(2024, 1, 1)
        )
        make_invoice(
            session,
            op,
            "W-2",
            date(2024, 4, 16),
            point=north,
            lines=lines("2500", "55.5"),
            period_start=date(2024, 3, 1),
        )
        make_invoice(
            session, op, "W-3", date(2024, 4, 16), point=south, lines=lines("800", "20"), period_start=date(2024, 3, 1)
        )
        make_invoice(
            session, op, "W-4", date(2023, 8, 16), point=north, lines=lines("900", "35"), period_start=date(2023, 7, 1)
        )
    return user, north, south


def test_chart_view_with_text_alternative(client, login_as, arranged):
    user, north, _ = arranged
    login_as(user)
    response = client.get("/prelievi-fatturati")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html
    assert '<title id="energy-title">Energia fatturata per mese, 2024</title>' in html
    assert '<desc id="energy-desc">' in html
    assert "style=" not in html and "<script" not in html
    # The header's supply point (north, the first) by default: 1.200 + 2.500 kWh; consumption ignores charges.
    assert "Nel 2024 sono fatturati 3.700 kWh in 2 fatture." in html
    assert "Il mese con il prelievo più alto è marzo, con 2.500 kWh." in html
    assert "La potenza massima fatturata è 55,50 kW, in marzo." in html
    assert len(re.findall(r"<rect ", html)) == 4  # two months with energy, two with power
    assert 'href="/prelievi-fatturati?year=2024&amp;supply_point=' in html and "view=table" in html


def test_table_view_with_every_supply_point(client, login_as, arranged):
    user, *_ = arranged
    login_as(user)
    html = client.get("/prelievi-fatturati?view=table&supply_point=all&year=2024").get_data(as_text=True)
    assert "<svg" not in html
    assert "<table>" in html
    march = re.search(r'<th scope="row">Marzo</th><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td>', html)
    assert march.groups() == ("3.300", "55,50", "2")
    january = re.search(r'<th scope="row">Gennaio</th><td>([^<]*)</td><td>([^<]*)</td>', html)
    assert january.groups() == ("1.200", "40,00")
    february = re.search(r'<th scope="row">Febbraio</th><td>([^<]*)</td>', html)
    assert february.group(1) == "—"
    assert "Nel 2024 sono fatturati 4.500 kWh in 3 fatture." in html
    # Yearly summary.
    assert re.search(r">2023</a></th><td>900</td><td>35,00</td><td>1</td>", html)
    assert re.search(r">2024</a></th><td>4.500</td><td>55,50</td><td>3</td>", html)


def test_one_supply_point_and_another_year(client, login_as, arranged):
    user, _, south = arranged
    login_as(user)
    html = client.get(f"/prelievi-fatturati?view=table&supply_point={south.id}").get_data(as_text=True)
    assert "Nel 2024 sono fatturati 800 kWh in 1 fattura." in html
    html = client.get(f"/prelievi-fatturati?supply_point={south.id}&year=2023").get_data(as_text=True)
    assert "Nessuna fattura per il 2023." in html


def test_empty_state(client, make_user, login_as):
    login_as(make_user())
    html = client.get("/prelievi-fatturati").get_data(as_text=True)
    assert f"Nessuna fattura per il {date.today().year}." in html


@pytest.mark.parametrize("query", ["year=abc", "year=1999", "view=pie", "supply_point=evil", "year=-5&view="])
def test_bad_parameters_fall_back_with_a_message(client, login_as, arranged, query):
    user, *_ = arranged
    login_as(user)
    response = client.get(f"/prelievi-fatturati?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert "Anno 2024" in html

"""The connection-requests page: the link to Terna's "Sistema Elettrico" and the operator's Ge.Co. practices."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest

from myportal.connections.demo import load_demo
from myportal.connections.services import SISTEMA_ELETTRICO_URL, is_open
from myportal.connections.tiles import home_tiles
from myportal.extensions import db
from myportal.operators.models import User
from myportal.registration.models import GecoPractice
from tests.conftest import counting_queries, make_fiscal_code, page_text
from tests.eic import login_user

URL = "/connessioni"
_numbers = itertools.count(1)


def add_practice(dbs, vat_number: str, status: str = "In lavorazione", **fields) -> GecoPractice:
    number = next(_numbers)
    values = {
        "practice_id": f"GECO-2025-{number:05d}",
        "vat_number": vat_number,
        "requester_fiscal_code": make_fiscal_code(number),
        "company_name": "Fotovoltaica Maremma S.r.l.",
        "registered_address": "Strada Provinciale 3 km 4, 58100 Grosseto (GR)",
        "status": status,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=number),
    }
    values.update(fields)
    with dbs.session() as session:
        practice = GecoPractice(**values)
        session.add(practice)
    return practice


@pytest.fixture
def operator(make_operator):
    return make_operator(name="Fotovoltaica Maremma S.r.l.")


@pytest.fixture
def operator_user(make_user, operator):
    return make_user(operator=operator)


def test_page_is_for_operators(app, client, dbs, make_user):
    assert client.get(URL).status_code == 302
    for role in ("support", "admin"):
        browser = login_user(app.test_client(), dbs, make_user(role=role))
        assert browser.get(URL).status_code == 403


def test_link_to_sistema_elettrico_and_empty_state(client, operator_user, login_as):
    login_as(operator_user)
    response = client.get(URL)
    assert response.status_code == 200
    page = page_text(response)
    assert SISTEMA_ELETTRICO_URL == "https://www.terna.it/it/sistema-elettrico"
    link = re.search(r'<a [^>]*href="https://www\.terna\.it/it/sistema-elettrico"[^>]*>', page)
    assert link and "noopener" in re.search(r'rel="([^"]+)"', link.group(0)).group(1)
    assert "Nessuna pratica Ge.Co. associata alla Partita IVA della tua azienda." in page
    assert 'href="/"' in page  # the way back


def test_lists_only_the_operators_own_practices(
    client, dbs, make_operator, make_user, operator, operator_user, login_as
):
    other = make_operator(name="Accumuli Sud S.p.A.")
    other_user = make_user(operator=other)
    add_practice(dbs, operator.vat_number, "In lavorazione", practice_id="GECO-2024-00001")
    add_practice(dbs, operator.vat_number, "Connessione realizzata", practice_id="GECO-2021-00002")
    add_practice(
        dbs, other.vat_number, "Preventivo emesso", practice_id="GECO-2024-00003", company_name="Accumuli Sud S.p.A."
    )
    login_as(operator_user)
    page = page_text(client.get(URL))
    assert "GECO-2024-00001" in page and "GECO-2021-00002" in page
    assert "In lavorazione" in page and "Connessione realizzata" in page
    assert "GECO-2024-00003" not in page and "Accumuli Sud" not in page

    browser = login_user(client.application.test_client(), dbs, other_user)
    page = page_text(browser.get(URL))
    assert "GECO-2024-00003" in page and "GECO-2024-00001" not in page


def test_operator_without_vat_number_sees_the_empty_state(client, dbs, make_operator, make_user, login_as):
    person = make_operator(kind="fisica", vat_number=None, fiscal_code=make_fiscal_code(77))
    add_practice(dbs, "00000000000")
    login_as(make_user(operator=person))
    assert "Nessuna pratica Ge.Co." in page_text(client.get(URL))


def test_pagination_and_constant_queries(app, client, dbs, operator, operator_user, login_as):
    login_as(operator_user)
    for _ in range(2):
        add_practice(dbs, operator.vat_number)
    client.get(URL)
    with counting_queries(app) as small:
        assert client.get(URL).status_code == 200
    size = app.config["PAGE_SIZE"]
    oldest = add_practice(dbs, operator.vat_number, created_at=datetime(2019, 5, 1, tzinfo=UTC))
    for _ in range(size):
        add_practice(dbs, operator.vat_number)
    with counting_queries(app) as large:
        page = page_text(client.get(URL))
    assert len(small) == len(large)
    assert "Pagina 1 di 2" in page and oldest.practice_id not in page
    second = page_text(client.get(f"{URL}?page=2"))
    assert oldest.practice_id in second and "Pagina 2 di 2" in second
    assert client.get(f"{URL}?page=abc").status_code == 200
    assert client.get(f"{URL}?page=999").status_code == 200


def test_open_and_closed_states():
    assert is_open("In lavorazione") and is_open("Preventivo accettato") and is_open("")
    assert not is_open("Archiviata") and not is_open(" connessione realizzata ") and not is_open("RESPINTA")


def _tile(app, user):
    with app.test_request_context("/"):
        return home_tiles(db.session.get(User, user.id))


def test_tile_counts_open_practices(app, dbs, make_operator, make_user, operator, operator_user):
    (tile,) = _tile(app, operator_user)
    assert tile.url == URL and tile.text == "Nessuna pratica Ge.Co. aperta."
    add_practice(dbs, operator.vat_number, "In lavorazione")
    add_practice(dbs, operator.vat_number, "Preventivo accettato")
    add_practice(dbs, operator.vat_number, "Archiviata")
    add_practice(dbs, make_operator().vat_number, "In lavorazione")
    (tile,) = _tile(app, operator_user)
    assert tile.text == "2 pratiche Ge.Co. aperte"
    assert _tile(app, make_user(role="admin")) == []


def test_demo_is_idempotent(client, dbs, make_operator, make_user, login_as):
    first, second = make_operator(), make_operator()
    with dbs.session():
        load_demo([first, second])
    total = dbs.count(GecoPractice)
    assert total == 5
    with dbs.session():
        load_demo([first, second])
    assert dbs.count(GecoPractice) == total
    login_as(make_user(operator=first))
    page = page_text(client.get(URL))
    assert "GECO-2025-00342" in page and "GECO-2022-00605" not in page

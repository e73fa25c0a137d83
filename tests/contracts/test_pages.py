"""Supply points, contracts, Dati tecnici, Dati contrattuali and the supply-point selector."""

from datetime import date

import pytest
from sqlalchemy import select

from myportal.security.models import AuditEvent
from tests.conftest import add_supply_point, counting_queries, page_text, submit
from tests.contracts import add_contract, add_contracts

PAGES = ("/punti-fornitura", "/contratti", "/dati-tecnici", "/dati-contrattuali", "/misure", "/autolettura")


@pytest.fixture
def operator(make_operator):
    return make_operator(name="Romagna Energia Clienti S.p.A.")


@pytest.fixture
def operator_user(make_user, operator):
    return make_user(operator=operator, username="mario.rossi")


def test_pages_need_an_operator(client, make_user, login_as):
    for path in PAGES:
        assert client.get(path).status_code == 302  # to the log-in page
    login_as(make_user(role="support"))
    for path in PAGES:
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_empty_state_without_supply_points(client, operator_user, login_as, path):
    login_as(operator_user)
    response = client.get(path)
    assert response.status_code == 200
    page = page_text(response)
    if path == "/contratti":
        assert "Nessun contratto" in page
    else:
        assert "Nessun punto di fornitura associato alla tua azienda." in page


def test_supply_point_list_and_detail(client, dbs, operator_user, login_as, operator):
    point = add_supply_point(
        dbs,
        operator,
        address="Via Prova 5",
        city="Ravenna",
        voltage_level="MT",
        voltage_v=15000,
        contracted_power_kw=400,
        available_power_kw=440,
        remotely_read=True,
        meter_type="Elettronico orario telegestito",
    )
    contract = add_contract(dbs, operator, point, number="FOR-2024-000001")
    login_as(operator_user)
    page = page_text(client.get("/punti-fornitura"))
    assert point.pod in page and "Via Prova 5" in page and "Media tensione" in page
    assert "400,0 kW" in page and "440,0 kW" in page and "Elettronico orario telegestito" in page
    detail = page_text(client.get(f"/punti-fornitura/{point.id}"))
    assert f"<dd>{point.pod}</dd>" in detail and "FOR-2024-000001" in detail
    assert f"/contratti/{contract.id}" in detail


def test_contracts_list_filter_and_pagination(client, app, dbs, operator_user, login_as, operator):
    point = add_supply_point(dbs, operator)
    add_contract(dbs, operator, point, number="DSP-2023-000001", contract_type="dispacciamento")
    add_contract(
        dbs,
        operator,
        point,
        number="FOR-2019-000001",
        status="cessato",
        start_date=date(2019, 1, 1),
        end_date=date(2021, 12, 31),
    )
    login_as(operator_user)
    page = page_text(client.get("/contratti"))
    assert "DSP-2023-000001" in page and "FOR-2019-000001" in page and "Dispacciamento" in page
    assert point.pod in page
    ended = page_text(client.get("/contratti?state=cessato"))
    assert "FOR-2019-000001" in ended and "DSP-2023-000001" not in ended
    assert "Nessun contratto in questo stato" in page_text(client.get("/contratti?state=in_attivazione"))
    assert "DSP-2023-000001" in page_text(client.get("/contratti?state=nonsense"))  # unknown state: all

    add_contracts(dbs, operator, point, app.config["PAGE_SIZE"])
    first = page_text(client.get("/contratti"))
    assert "Pagina 1 di 2" in first
    assert "Pagina 2 di 2" in page_text(client.get("/contratti?page=2"))


def test_contract_detail(client, dbs, operator_user, login_as, operator):
    point = add_supply_point(dbs, operator)
    contract = add_contract(
        dbs,
        operator,
        point,
        number="FOR-2024-123456",
        offer_name="Luce Impresa Fissa",
        iban_masked="IT60X0542811101********3456",
        annual_consumption_kwh=12500,
    )
    login_as(operator_user)
    page = page_text(client.get(f"/contratti/{contract.id}"))
    assert "FOR-2024-123456" in page and "Luce Impresa Fissa" in page and "Fornitura" in page
    assert "IT60X0542811101********3456" in page and "12.500 kWh" in page and "0,123456 €/kWh" in page
    assert point.pod in page


def test_other_operators_objects_are_404_and_audited(client, dbs, make_operator, operator_user, login_as):
    stranger = make_operator()
    point = add_supply_point(dbs, stranger)
    contract = add_contract(dbs, stranger, point)
    login_as(operator_user)
    assert client.get(f"/contratti/{contract.id}").status_code == 404
    assert client.get(f"/punti-fornitura/{point.id}").status_code == 404
    assert client.get("/contratti/999999").status_code == 404
    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "access.cross_operator"))
    seen = {(event.object_type, event.object_id) for event in events}
    assert ("Contract", str(contract.id)) in seen and ("SupplyPoint", str(point.id)) in seen
    assert all(event.user_id == operator_user.id for event in events)
    assert contract.number not in page_text(client.get("/contratti"))
    assert point.pod not in page_text(client.get("/punti-fornitura"))


def test_technical_and_contract_data_of_the_chosen_point(client, dbs, operator_user, login_as, operator):
    first = add_supply_point(dbs, operator, pod="IT001E10000001", meter_serial="MEC000000111")
    second = add_supply_point(
        dbs,
        operator,
        pod="IT001E10000002",
        meter_serial="MEC000000222",
        remotely_read=True,
        contracted_power_kw=30,
        available_power_kw=33,
    )
    add_contract(dbs, operator, first, number="FOR-A")
    add_contract(dbs, operator, second, number="FOR-B", offer_name="Luce Impresa Fissa 24")
    login_as(operator_user)

    technical = page_text(client.get("/dati-tecnici"))
    assert "<dd>IT001E10000001</dd>" in technical and "MEC000000111" in technical
    assert "FOR-A" in page_text(client.get("/dati-contrattuali"))

    response = submit(
        client, "/punto-fornitura", {"supply_point_id": second.id, "next": "/dati-tecnici"}, page="/dati-tecnici"
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/dati-tecnici")
    technical = page_text(client.get("/dati-tecnici"))
    assert "<dd>IT001E10000002</dd>" in technical and "MEC000000222" in technical
    assert "30,0 kW" in technical and "Sì, contatore telegestito" in technical
    contracts = page_text(client.get("/dati-contrattuali"))
    assert "FOR-B" in contracts and "Luce Impresa Fissa 24" in contracts and "FOR-A" not in contracts
    # the choice persists on every page
    assert "Punto di fornitura IT001E10000002" in page_text(client.get("/autolettura"))
    assert "IT001E10000002" in page_text(client.get("/misure")).split("<main")[1]


def test_selector_refuses_another_operators_point(client, dbs, make_operator, operator_user, login_as, operator):
    mine = add_supply_point(dbs, operator, pod="IT001E20000001")
    add_supply_point(dbs, operator, pod="IT001E20000002")
    theirs = add_supply_point(dbs, make_operator(), pod="IT001E20000003")
    login_as(operator_user)
    response = submit(client, "/punto-fornitura", {"supply_point_id": theirs.id}, page="/dati-tecnici")
    assert response.status_code == 404
    assert "<dd>IT001E20000001</dd>" in page_text(client.get("/dati-tecnici"))
    assert "IT001E20000003" not in page_text(client.get("/dati-tecnici"))
    assert client.post("/punto-fornitura", data={"supply_point_id": mine.id}).status_code == 400  # no CSRF


def _statements(app, client, path) -> int:
    with counting_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_queries_do_not_grow_with_contracts(client, app, dbs, operator_user, login_as, operator):
    point = add_supply_point(dbs, operator)
    add_contracts(dbs, operator, point, 2)
    login_as(operator_user)
    paths = ("/contratti", "/dati-tecnici", "/dati-contrattuali", "/punti-fornitura", f"/punti-fornitura/{point.id}")
    small = {path: _statements(app, client, path) for path in paths}
    add_contracts(dbs, operator, point, 18)
    for number in range(18):
        add_supply_point(dbs, operator, pod=f"IT001E3000{number:04d}")
    large = {path: _statements(app, client, path) for path in paths}
    assert small == large

"""Guarantees: the operator's coverage and isolation, the administrators' records, expiry notices, tiles."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.guarantees.demo import load_demo
from myportal.guarantees.models import Exposure, Guarantee, GuaranteeNotice
from myportal.operators.models import Operator
from myportal.security.models import AuditEvent
from tests.conftest import counting_queries, field_error, login_admin, make_admin, make_vat, page_text, submit
from tests.contracts import add_contract
from tests.guarantees import add_exposure, add_guarantee, days


@pytest.fixture
def operator(make_operator):
    return make_operator(name="Adriatica Trading S.p.A.")


@pytest.fixture
def operator_user(make_user, operator):
    return make_user(operator=operator, username="luca.bianchi")


@pytest.fixture
def admin(app, make_user):
    return make_admin(app, make_user, username="admin.garanzie")


# --- access -------------------------------------------------------------------------------------------------


def test_pages_need_the_right_role(app, client, make_user):
    for path in ("/garanzie", "/admin/garanzie", "/admin/garanzie/nuova", "/admin/garanzie/esposizione"):
        assert client.get(path).status_code == 302
    login_admin(client, make_admin(app, make_user, role="support"))
    for path in ("/garanzie", "/admin/garanzie", "/admin/garanzie/nuova"):
        assert client.get(path).status_code == 403


def test_operator_cannot_open_back_office(client, operator_user, login_as):
    login_as(operator_user)
    assert client.get("/admin/garanzie").status_code == 403
    assert client.get("/admin/garanzie/nuova").status_code == 403


# --- operator's side ----------------------------------------------------------------------------------------


def test_empty_state(client, operator_user, login_as):
    login_as(operator_user)
    page = page_text(client.get("/garanzie"))
    assert "Nessuna garanzia registrata." in page
    assert "0,00 €" in page


def test_coverage_counts_active_guarantees_and_deposits_minus_exposure(client, dbs, operator, operator_user, login_as):
    add_guarantee(dbs, operator, reference="FB-1", amount="500000")
    add_guarantee(dbs, operator, reference="DC-1", guarantee_type="deposito_cauzionale", amount="50000")
    # Not counted: expired, enforced, released, not yet valid, in another currency.
    add_guarantee(dbs, operator, reference="OLD-1", amount="200000", valid_from=days(-400), valid_to=days(-1))
    add_guarantee(dbs, operator, reference="ESC-1", amount="70000", state="escussa")
    add_guarantee(dbs, operator, reference="SV-1", amount="80000", state="svincolata")
    add_guarantee(dbs, operator, reference="FUT-1", amount="90000", valid_from=days(10))
    add_guarantee(dbs, operator, reference="USD-1", amount="60000", currency="USD")
    add_exposure(dbs, operator, "10000", as_of=days(-30))
    add_exposure(dbs, operator, "380000", as_of=days(-1))
    login_as(operator_user)
    page = page_text(client.get("/garanzie"))
    assert "500.000,00 €" in page and "50.000,00 €" in page and "380.000,00 €" in page
    assert "170.000,00 €" in page  # 500.000 + 50.000 - 380.000
    assert "inferiore alla soglia" not in page and "scade entro" not in page
    for reference in ("FB-1", "DC-1", "OLD-1", "ESC-1", "SV-1", "FUT-1", "USD-1"):
        assert reference in page
    assert "Scaduta" in page and "Escussa" in page and "Svincolata" in page


def test_warning_below_threshold_and_expiring(client, dbs, operator, operator_user, login_as):
    add_guarantee(dbs, operator, reference="FB-SOON", amount="150000", valid_to=days(20))
    add_exposure(dbs, operator, "100000")
    login_as(operator_user)
    page = page_text(client.get("/garanzie"))
    assert "50.000,00 €" in page
    assert "inferiore alla soglia di attenzione (100.000,00 €)" in page
    assert "Una garanzia scade entro 30 giorni" in page
    assert "In scadenza" in page
    guarantee = dbs.scalar(select(Guarantee).where(Guarantee.reference == "FB-SOON"))
    detail = page_text(client.get(f"/garanzie/{guarantee.id}"))
    assert "FB-SOON" in detail and "provvedi al rinnovo" in detail


def test_threshold_is_configurable(app, client, dbs, operator, operator_user, login_as, monkeypatch):
    add_guarantee(dbs, operator, amount="50000")
    monkeypatch.setitem(app.config, "GUARANTEE_WARNING_THRESHOLD", Decimal("10000"))
    login_as(operator_user)
    assert "inferiore alla soglia" not in page_text(client.get("/garanzie"))


def test_other_operators_guarantee_is_404_and_audited(client, dbs, make_operator, make_user, login_as, operator):
    theirs = add_guarantee(dbs, operator, reference="FB-ALTRUI")
    other = make_operator()
    login_as(make_user(operator=other))
    assert client.get(f"/garanzie/{theirs.id}").status_code == 404
    assert "FB-ALTRUI" not in page_text(client.get("/garanzie"))
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "access.cross_operator"))
    assert event is not None and str(event.object_id) == str(theirs.id) and event.object_type == "Guarantee"
    assert client.get("/garanzie/999999").status_code == 404


def test_list_queries_do_not_grow(app, client, dbs, operator, operator_user, login_as):
    point_contract = add_contract(dbs, operator)
    add_guarantee(dbs, operator, contract_id=point_contract.id)
    add_exposure(dbs, operator, "1000")
    login_as(operator_user)
    client.get("/garanzie")
    with counting_queries(app) as few:
        assert client.get("/garanzie").status_code == 200
    for _ in range(30):
        add_guarantee(dbs, operator, contract_id=point_contract.id)
    with counting_queries(app) as many:
        page = page_text(client.get("/garanzie"))
    assert point_contract.number in page
    assert len(many) == len(few)


# --- administrators ------------------------------------------------------------------------------------------

GOOD = {
    "guarantee_type": "fideiussione_bancaria",
    "issuer": "Banca del Tirreno S.p.A.",
    "reference": "FB-2026-0001",
    "amount": "250.000,50",
    "currency": "eur",
    "valid_from": "2026-01-01",
    "valid_to": "31/12/2027",
    "contract_number": "",
}


def test_admin_records_a_guarantee(client, dbs, admin, login_as, operator):
    contract = add_contract(dbs, operator)
    login_admin(client, admin)
    response = submit(
        client,
        "/admin/garanzie/nuova",
        {**GOOD, "operator_vat": operator.vat_number, "contract_number": contract.number},
        follow_redirects=True,
    )
    page = page_text(response)
    assert "Garanzia FB-2026-0001 registrata per Adriatica Trading S.p.A." in page
    guarantee = dbs.scalar(select(Guarantee).where(Guarantee.operator_id == operator.id))
    assert guarantee.amount == Decimal("250000.50") and guarantee.currency == "EUR"
    assert guarantee.valid_to == date(2027, 12, 31) and guarantee.contract_id == contract.id
    assert guarantee.recorded_by_id == admin.id
    assert dbs.count(AuditEvent, AuditEvent.event == "guarantee.recorded") == 1
    listing = page_text(client.get(f"/admin/garanzie?vat={operator.vat_number}"))
    assert "FB-2026-0001" in listing and "250.000,50 €" in listing


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"operator_vat": ""}, "operator_vat", "Indica la Partita IVA"),
        ({"operator_vat": "12345678901"}, "operator_vat", ""),
        ({"operator_vat": "UNKNOWN"}, "operator_vat", "Nessun operatore registrato"),
        ({"guarantee_type": ""}, "guarantee_type", "Scegli il tipo"),
        ({"guarantee_type": "cambiale"}, "guarantee_type", ""),
        ({"issuer": "  "}, "issuer", "Indica l'emittente"),
        ({"issuer": "x" * 201}, "issuer", "Al massimo 200"),
        ({"reference": ""}, "reference", "Indica il numero di riferimento"),
        ({"reference": "R" * 51}, "reference", "Al massimo 50"),
        ({"amount": ""}, "amount", "Indica l'importo"),
        ({"amount": "mille"}, "amount", "Inserisci un importo in cifre"),
        ({"amount": "NaN"}, "amount", "Inserisci un importo in cifre"),
        ({"amount": "-5"}, "amount", "maggiore di zero"),
        ({"amount": "0"}, "amount", "maggiore di zero"),
        ({"amount": "10,555"}, "amount", "al massimo due decimali"),
        ({"amount": "1e15"}, "amount", "Inserisci un importo in cifre"),
        ({"amount": "1000000000000"}, "amount", "troppo grande"),
        ({"amount": "150.000"}, "amount", "numero ambiguo '150.000'"),
        ({"amount": "1,500.50"}, "amount", "usa la virgola per i decimali"),
        ({"currency": "XYZ"}, "currency", "codice ISO"),
        ({"currency": ""}, "currency", "Indica la valuta"),
        ({"valid_from": ""}, "valid_from", "Indica la data di decorrenza"),
        ({"valid_from": "2026-02-30"}, "valid_from", "Data non valida"),
        ({"valid_to": "domani"}, "valid_to", "Data non valida"),
        ({"valid_to": "2025-12-31"}, "valid_to", "non può precedere"),
        ({"contract_number": "CTR-NONE"}, "contract_number", "Nessun contratto"),
        ({"contract_number": "C" * 31}, "contract_number", "Al massimo 30"),
    ],
)
def test_guarantee_form_bad_inputs(client, dbs, admin, login_as, operator, changes, field, message):
    data = {**GOOD, "operator_vat": operator.vat_number, **changes}
    if data["operator_vat"] == "UNKNOWN":
        data["operator_vat"] = make_vat(8_888_888)
    login_admin(client, admin)
    response = submit(client, "/admin/garanzie/nuova", data)
    assert response.status_code == 200
    error = field_error(page_text(response), field)
    assert error and message in error
    assert dbs.count(Guarantee) == 0


def test_guarantee_for_another_operators_contract_is_refused(client, dbs, admin, login_as, operator, make_operator):
    other_contract = add_contract(dbs, make_operator())
    login_admin(client, admin)
    response = submit(
        client,
        "/admin/garanzie/nuova",
        {**GOOD, "operator_vat": operator.vat_number, "contract_number": other_contract.number},
    )
    assert "Nessun contratto dell'operatore" in field_error(page_text(response), "contract_number")
    assert dbs.count(Guarantee) == 0


def test_admin_changes_the_state(client, dbs, admin, login_as, operator, operator_user):
    guarantee = add_guarantee(dbs, operator, reference="FB-ESC", amount="300000")
    login_admin(client, admin)
    url = f"/admin/garanzie/{guarantee.id}/stato"
    page = f"/admin/garanzie/{guarantee.id}"
    response = submit(client, url, {"state": "escussa"}, page=page, follow_redirects=True)
    assert "Stato della garanzia FB-ESC: Escussa." in page_text(response)
    assert dbs.get(Guarantee, guarantee.id).state == "escussa"
    assert dbs.count(AuditEvent, AuditEvent.event == "guarantee.state_changed") == 1
    again = submit(client, url, {"state": "escussa"}, page=page)
    assert again.status_code == 200 and "già in questo stato" in field_error(page_text(again), "state")
    bad = submit(client, url, {"state": "sparita"}, page=page)
    assert bad.status_code == 200 and field_error(page_text(bad), "state")
    assert dbs.get(Guarantee, guarantee.id).state == "escussa"
    assert client.post(url, data={"state": "attiva"}).status_code == 400  # no CSRF token
    assert client.get("/admin/garanzie/999999").status_code == 404


def test_escussa_guarantee_leaves_the_coverage(client, dbs, operator, operator_user, login_as):
    add_guarantee(dbs, operator, amount="300000", state="escussa")
    add_guarantee(dbs, operator, amount="120000")
    login_as(operator_user)
    page = page_text(client.get("/garanzie"))
    assert "Copertura disponibile" in page and "120.000,00 €" in page and "420.000,00" not in page


def test_admin_records_exposure(client, dbs, admin, login_as, operator):
    add_guarantee(dbs, operator, amount="500000")
    login_admin(client, admin)
    response = submit(
        client,
        "/admin/garanzie/esposizione",
        {
            "operator_vat": operator.vat_number,
            "amount": "120000",
            "as_of": "2026-11-01",
            "note": "Fatturazione di ottobre",
        },
        follow_redirects=True,
    )
    page = page_text(response)
    assert "registrata: 120.000,00 €" in page
    assert "380.000,00 €" in page  # the coverage of the filtered operator
    exposure = dbs.scalar(select(Exposure).where(Exposure.operator_id == operator.id))
    assert exposure.amount == Decimal("120000.00") and exposure.recorded_by_id == admin.id
    history = page_text(client.get(f"/admin/garanzie/esposizione?vat={operator.vat_number}"))
    assert "Fatturazione di ottobre" in history


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"operator_vat": ""}, "operator_vat", "Indica la Partita IVA"),
        ({"operator_vat": "IT123"}, "operator_vat", ""),
        ({"amount": ""}, "amount", "Indica l'esposizione"),
        ({"amount": "-1"}, "amount", "non può essere negativo"),
        ({"amount": "1.2.3,4,5"}, "amount", "Inserisci un importo"),
        ({"as_of": ""}, "as_of", "Indica la data"),
        ({"as_of": "31/02/2026"}, "as_of", "Data non valida"),
        ({"note": "n" * 1001}, "note", "Al massimo 1000"),
    ],
)
def test_exposure_form_bad_inputs(client, dbs, admin, login_as, operator, changes, field, message):
    data = {"operator_vat": operator.vat_number, "amount": "1000", "as_of": "2026-11-01", "note": "", **changes}
    login_admin(client, admin)
    response = submit(client, "/admin/garanzie/esposizione", data)
    assert response.status_code == 200
    error = field_error(page_text(response), field)
    assert error and message in error
    assert dbs.count(Exposure) == 0


def test_exposure_of_unknown_operator(client, dbs, admin, login_as):
    login_admin(client, admin)
    response = submit(
        client,
        "/admin/garanzie/esposizione",
        {"operator_vat": make_vat(7_777_777), "amount": "1000", "as_of": "2026-11-01"},
    )
    assert "Nessun operatore registrato" in field_error(page_text(response), "operator_vat")
    assert dbs.count(Exposure) == 0


def test_admin_filters(client, dbs, admin, login_as, operator, make_operator):
    add_guarantee(dbs, operator, reference="FB-LONTANA", valid_to=days(400))
    add_guarantee(dbs, operator, reference="FB-VICINA", valid_to=days(10))
    add_guarantee(dbs, make_operator(), reference="FB-ALTRO")
    login_admin(client, admin)
    everything = page_text(client.get("/admin/garanzie"))
    assert all(ref in everything for ref in ("FB-LONTANA", "FB-VICINA", "FB-ALTRO"))
    expiring = page_text(client.get("/admin/garanzie?state=in_scadenza"))
    assert "FB-VICINA" in expiring and "FB-LONTANA" not in expiring
    mine = page_text(client.get(f"/admin/garanzie?vat={operator.vat_number}"))
    assert "FB-ALTRO" not in mine and "Adriatica Trading S.p.A." in mine
    bad = client.get("/admin/garanzie?vat=nonvalida&state=boh&page=abc")
    assert bad.status_code == 200 and field_error(page_text(bad), "vat")


def test_admin_list_queries_do_not_grow(app, client, dbs, admin, login_as, make_operator):
    operators = [make_operator() for _ in range(3)]
    add_guarantee(dbs, operators[0])
    login_admin(client, admin)
    client.get("/admin/garanzie")
    with counting_queries(app) as few:
        client.get("/admin/garanzie")
    for index in range(30):
        add_guarantee(dbs, operators[index % 3], contract_id=None)
    with counting_queries(app) as many:
        assert client.get("/admin/garanzie").status_code == 200
    assert len(many) == len(few)


# --- expiry notices -----------------------------------------------------------------------------------------


def test_notify_expiring_once_per_guarantee_and_threshold(app, dbs, mailbox, make_user, operator):
    manager = make_user(role="operator_admin", operator=operator, email="garanzie@adriatica.example")
    make_user(operator=operator, email="operativo@adriatica.example")  # not the recipient: an admin exists
    today = date(2026, 11, 23)
    in_25 = add_guarantee(dbs, operator, reference="FB-25", valid_to=today + timedelta(days=25))
    in_5 = add_guarantee(dbs, operator, reference="FB-5", valid_to=today + timedelta(days=5))
    add_guarantee(dbs, operator, reference="FB-60", valid_to=today + timedelta(days=60))
    add_guarantee(dbs, operator, reference="FB-ESC", valid_to=today + timedelta(days=5), state="escussa")
    add_guarantee(
        dbs, operator, reference="FB-OLD", valid_from=today - timedelta(days=90), valid_to=today - timedelta(days=1)
    )
    runner = app.test_cli_runner()

    result = runner.invoke(args=["notify-expiring", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "E-mail inviate per garanzie in scadenza: 2." in result.output
    assert len(mailbox) == 2 and len(mailbox.to(manager.email)) == 2
    subjects = sorted(message["Subject"] for message in mailbox.messages)
    assert subjects[0].startswith("Garanzia FB-25 in scadenza") and subjects[1].startswith("Garanzia FB-5 ")
    body = mailbox.body(next(m for m in mailbox.messages if "FB-5 " in m["Subject"]))
    assert "tra 5 giorni" in body and "100.000,00 €" in body
    assert f"/garanzie/{in_5.id}" in body
    notices = {(n.guarantee_id, n.threshold_days) for n in dbs.scalars(select(GuaranteeNotice))}
    assert notices == {(in_25.id, 30), (in_5.id, 30), (in_5.id, 7)}

    again = runner.invoke(args=["notify-expiring", "--today", today.isoformat()])
    assert "E-mail inviate per garanzie in scadenza: 0." in again.output
    assert len(mailbox) == 2

    later = runner.invoke(args=["notify-expiring", "--today", (today + timedelta(days=19)).isoformat()])
    assert "E-mail inviate per garanzie in scadenza: 1." in later.output  # FB-25 reaches 7 days
    assert len(mailbox) == 3 and "FB-25" in mailbox.last()["Subject"]
    assert dbs.count(AuditEvent, AuditEvent.event == "guarantee.expiry_notice") == 3


def test_notify_expiring_writes_to_all_users_without_an_operator_admin(app, dbs, mailbox, make_user, operator):
    first = make_user(operator=operator, email="uno@adriatica.example")
    second = make_user(operator=operator, email="due@adriatica.example")
    make_user(operator=operator, email="sospeso@adriatica.example", status="disabled")
    add_guarantee(dbs, operator, valid_to=date(2026, 12, 1))
    result = app.test_cli_runner().invoke(args=["notify-expiring", "--today", "2026-11-23"])
    assert "E-mail inviate per garanzie in scadenza: 2." in result.output
    assert {m["To"] for m in mailbox.messages} == {first.email, second.email}


def test_notify_expiring_rejects_a_bad_date(app, mailbox):
    result = app.test_cli_runner().invoke(args=["notify-expiring", "--today", "23/11/2026"])
    assert result.exit_code != 0 and "Invalid value" in result.output
    assert len(mailbox) == 0


# --- tiles and demo -----------------------------------------------------------------------------------------


def test_home_tiles(app, client, dbs, operator, operator_user, admin, login_as):
    add_guarantee(dbs, operator, amount="200000", valid_to=days(10))
    add_exposure(dbs, operator, "50000")
    login_as(operator_user)
    page = page_text(client.get("/"))
    assert "Garanzie finanziarie" in page and "Copertura disponibile: 150.000,00 €" in page
    assert "1 garanzia in scadenza" in page
    back_office = app.test_client()
    login_admin(back_office, admin)
    assert "1 garanzia in scadenza entro 30 giorni" in page_text(back_office.get("/"))


def test_demo_is_idempotent(app, dbs, make_operator):
    operators = [make_operator(), make_operator()]
    for _ in range(2):
        with dbs.session():
            load_demo([dbs.get(Operator, o.id) for o in operators])
    assert dbs.count(Guarantee) == 7 and dbs.count(Exposure) == 2 * 25
    assert dbs.count(Guarantee, Guarantee.state == "svincolata") == 2

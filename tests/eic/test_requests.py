"""The operator's side of EIC: the request form, its bad inputs, duplicates, the lists, isolation."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from myportal.eic.models import EicCode, EicRequest
from myportal.security.models import AuditEvent
from tests.conftest import csrf_from, make_vat, page_text, submit
from tests.eic import NEW, add_request, counting_statements, form_data

OPERATOR_PAGES = ("/eic", NEW)


@pytest.fixture
def operator_user(make_user):
    return make_user(role="operator")


def test_pages_need_an_operator(client, make_user, login_as):
    for path in OPERATOR_PAGES:
        assert client.get(path).status_code == 302  # to the log-in page
    assert client.post(NEW, data=form_data()).status_code in (302, 400)
    login_as(make_user(role="support"))
    for path in OPERATOR_PAGES:
        assert client.get(path).status_code == 403


def test_admin_has_no_operator_pages(client, make_user, login_as):
    login_as(make_user(role="admin"))
    for path in OPERATOR_PAGES:
        assert client.get(path).status_code == 403


def test_empty_state(client, operator_user, login_as):
    login_as(operator_user)
    page = page_text(client.get("/eic"))
    assert "Nessun codice EIC assegnato." in page
    assert "Nessuna richiesta." in page
    assert 'href="/eic/nuova"' in page


def test_request_is_recorded_and_listed(client, dbs, operator_user, login_as):
    login_as(operator_user)
    vat = make_vat(4242)
    response = submit(
        client,
        NEW,
        form_data(
            display_name="up-test-pv1 ",
            object_type="W",
            parent_eic="10X1001A1001A345",
            vat_code=f"IT {vat}",
        ),
    )
    assert response.status_code == 302
    eic_request = dbs.scalar(select(EicRequest).where(EicRequest.operator_id == operator_user.operator_id))
    assert response.headers["Location"].endswith(f"/eic/richieste/{eic_request.id}")
    assert eic_request.display_name == "UP-TEST-PV1"
    assert eic_request.state == "richiesta"
    assert eic_request.parent_eic == "10X1001A1001A345"
    assert eic_request.vat_code == vat
    assert eic_request.requested_by_id == operator_user.id
    assert dbs.count(AuditEvent, AuditEvent.event == "eic.requested", AuditEvent.object_id == str(eic_request.id)) == 1

    detail = page_text(client.get(response.headers["Location"]))
    assert "UP-TEST-PV1" in detail and "In attesa di approvazione" in detail
    assert 'href="/eic"' in detail  # the way back
    listing = page_text(client.get("/eic"))
    assert "UP-TEST-PV1" in listing and "In attesa di approvazione" in listing


def test_foreign_request_with_its_own_vat_code(client, dbs, operator_user, login_as):
    login_as(operator_user)
    response = submit(client, NEW, form_data(country="fr", postal_code="75008", vat_code="FR 40 303 265 045"))
    assert response.status_code == 302
    eic_request = dbs.scalar(select(EicRequest).where(EicRequest.operator_id == operator_user.operator_id))
    assert (eic_request.country, eic_request.vat_code) == ("FR", "FR40303265045")


BAD_INPUTS = [
    ({"object_type": ""}, "object_type", "Scegli il tipo di oggetto da identificare."),
    ({"object_type": "Q"}, "object_type", "Scegli uno dei tipi di oggetto dell'elenco"),
    ({"display_name": ""}, "display_name", "Indica il Display Name."),
    ({"display_name": "A" * 17}, "display_name", "al massimo 16 caratteri"),
    ({"display_name": "UP FOGGIA"}, "display_name", "solo lettere maiuscole A-Z"),
    ({"display_name": "UP_FOGGIA"}, "display_name", "solo lettere maiuscole A-Z"),
    ({"display_name": "CITTÀ-1"}, "display_name", "solo lettere maiuscole A-Z"),
    ({"display_name": "UP\x01X"}, "display_name", "solo lettere maiuscole A-Z"),
    ({"long_name": ""}, "long_name", "Indica la denominazione completa."),
    ({"long_name": "x" * 71}, "long_name", "al massimo 70 caratteri"),
    ({"function": ""}, "function", "Scegli la funzione."),
    ({"function": "Astronaut"}, "function", "Scegli una delle funzioni dell'elenco."),
    ({"object_type": "X", "function": "Production Unit"}, "function", "Per il tipo X scegli una di queste funzioni"),
    ({"parent_eic": "10X1001A1001A34"}, "parent_eic", "Il codice EIC padre è di 16 caratteri"),
    ({"parent_eic": "10X1001A1001A346"}, "parent_eic", "il carattere di controllo non corrisponde"),
    ({"parent_eic": "10X1001A1001A34*"}, "parent_eic", "Il codice EIC padre è di 16 caratteri"),
    ({"parent_eic": "10X1001A1001A34\x01"}, "parent_eic", "Il codice EIC padre è di 16 caratteri"),
    ({"long_name": "Impianto\x07uno"}, "long_name", "caratteri non ammessi"),
    ({"address": "  "}, "address", "Indica l'indirizzo."),
    ({"address": "Via Roma\x071"}, "address", "caratteri non ammessi"),
    ({"address": "x" * 301}, "address", "al massimo 300 caratteri"),
    ({"postal_code": ""}, "postal_code", "Indica il codice postale."),
    ({"postal_code": "0015"}, "postal_code", "Il CAP italiano è di 5 cifre"),
    ({"postal_code": "12345678901"}, "postal_code", "al massimo 10 caratteri"),
    ({"country": "DE", "postal_code": "10!15"}, "postal_code", "solo lettere, cifre, spazi e trattini"),
    ({"country": ""}, "country", "Indica il paese."),
    ({"country": "XX"}, "country", "codice ISO del paese di due lettere"),
    ({"country": "ITA"}, "country", "codice ISO del paese di due lettere"),
    ({"country": "EU"}, "country", "codice ISO del paese di due lettere"),
    ({"vat_code": "12345678901"}, "vat_code", "Partita IVA"),
    ({"vat_code": "1234"}, "vat_code", "Partita IVA"),
    ({"country": "I\x01"}, "country", "codice ISO del paese di due lettere"),
    ({"postal_code": "0015\x01"}, "postal_code", "Il CAP italiano è di 5 cifre"),
    ({"country": "DE", "postal_code": "10115", "vat_code": "DE/123"}, "vat_code", "solo lettere e cifre"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_INPUTS)
def test_bad_inputs(client, dbs, operator_user, login_as, changes, field, message):
    login_as(operator_user)
    response = submit(client, NEW, form_data(**changes))
    assert response.status_code == 200
    page = page_text(response)
    error = page.split(f'id="{field}-error"', 1)
    assert len(error) == 2, f"no error next to {field}"
    assert message in error[1].split("</p>", 1)[0]
    assert dbs.count(EicRequest) == 0


def test_post_without_csrf_writes_nothing(client, dbs, operator_user, login_as):
    login_as(operator_user)
    response = client.post(NEW, data=form_data())
    assert response.status_code in (200, 400)
    assert dbs.count(EicRequest) == 0


def test_duplicate_of_an_open_request_is_refused(client, dbs, make_user, operator_user, login_as):
    other = make_user(role="operator")
    add_request(dbs, other.operator_id, other.id, display_name="UP-TEST-PV1")
    login_as(operator_user)
    response = submit(client, NEW, form_data(display_name="up-test-pv1"))
    assert response.status_code == 200
    assert "Il Display Name UP-TEST-PV1 è già assegnato" in page_text(response)
    assert dbs.count(EicRequest) == 1


def _issue(dbs, operator_id, display_name):
    from datetime import UTC, datetime

    from stdnum.eu import eic

    body = display_name[:12].ljust(12, "-")
    base = "26W" + body
    with dbs.session() as session:
        session.add(
            EicCode(
                code=base + eic.calc_check_digit(base),
                display_name=display_name,
                long_name="Unità",
                parent=None,
                responsible_party="Operatore",
                status="Active",
                postal_code="00156",
                country="IT",
                function_list="Production Unit",
                object_type="W",
                issued_at=datetime.now(UTC),
                operator_id=operator_id,
            )
        )


def test_duplicate_of_an_issued_code_is_refused(client, dbs, make_user, operator_user, login_as):
    other = make_user(role="operator")
    _issue(dbs, other.operator_id, "UP-ISSUED-1")
    login_as(operator_user)
    response = submit(client, NEW, form_data(display_name="UP-ISSUED-1"))
    assert response.status_code == 200
    assert "Il Display Name UP-ISSUED-1 è già assegnato" in page_text(response)
    assert dbs.count(EicRequest) == 0


def test_name_of_a_rejected_request_can_be_asked_again(client, dbs, operator_user, login_as):
    add_request(
        dbs,
        operator_user.operator_id,
        operator_user.id,
        display_name="UP-AGAIN",
        state="respinta",
        rejection_reason="Dati incompleti",
    )
    login_as(operator_user)
    assert submit(client, NEW, form_data(display_name="UP-AGAIN")).status_code == 302
    assert dbs.count(EicRequest, EicRequest.display_name == "UP-AGAIN") == 2


def test_database_refuses_two_open_requests_with_one_name(app, dbs, operator_user):
    add_request(dbs, operator_user.operator_id, display_name="UP-TWICE")
    with pytest.raises(IntegrityError):
        add_request(dbs, operator_user.operator_id, display_name="UP-TWICE")


def test_another_operators_request_is_404_and_audited(client, dbs, make_user, operator_user, login_as):
    other = make_user(role="operator")
    foreign = add_request(dbs, other.operator_id, other.id, display_name="UP-FOREIGN")
    login_as(operator_user)
    assert client.get(f"/eic/richieste/{foreign.id}").status_code == 404
    assert client.get("/eic/richieste/999999").status_code == 404
    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "access.cross_operator"))
    assert [(e.object_type, e.object_id, e.user_id) for e in events] == [
        ("EicRequest", str(foreign.id), operator_user.id)
    ]
    assert "UP-FOREIGN" not in page_text(client.get("/eic"))


def test_lists_show_only_own_codes_and_requests(client, dbs, make_user, operator_user, login_as):
    other = make_user(role="operator")
    _issue(dbs, operator_user.operator_id, "UP-MINE")
    _issue(dbs, other.operator_id, "UP-THEIRS")
    add_request(dbs, operator_user.operator_id, display_name="REQ-MINE")
    add_request(dbs, other.operator_id, display_name="REQ-THEIRS")
    login_as(operator_user)
    page = page_text(client.get("/eic"))
    assert "UP-MINE" in page and "REQ-MINE" in page
    assert "UP-THEIRS" not in page and "REQ-THEIRS" not in page


def test_lists_paginate_and_run_constant_queries(app, client, dbs, operator_user, login_as):
    login_as(operator_user)
    operator_id = operator_user.operator_id

    def grow(start, stop):
        for number in range(start, stop):
            add_request(dbs, operator_id, operator_user.id, display_name=f"REQ-{number:04d}")
            _issue(dbs, operator_id, f"CODE-{number:04d}")

    grow(0, 2)
    client.get("/eic")
    with counting_statements(app) as small:
        assert client.get("/eic").status_code == 200
    size = app.config["PAGE_SIZE"]
    grow(2, size + 3)
    with counting_statements(app) as large:
        page = page_text(client.get("/eic"))
    assert len(small) == len(large)
    assert "Pagina 1 di 2" in page
    second = page_text(client.get("/eic?rpage=2&page=2"))
    assert "REQ-0000" in second  # the oldest request is on the last page
    assert "CODE-0026" in second or "CODE-0027" in second
    assert client.get("/eic?page=99&rpage=abc").status_code == 200


def test_form_page_has_its_token_and_a_way_back(client, operator_user, login_as):
    login_as(operator_user)
    page = page_text(client.get(NEW))
    assert csrf_from(page)
    assert 'href="/eic"' in page
    assert '<label for="display_name"' in page


def test_simultaneous_request_for_one_name_is_stopped_by_the_database(
    client, dbs, make_user, operator_user, login_as, monkeypatch
):
    """The check before the insert missed a concurrent request: the unique index refuses the second one."""
    other = make_user(role="operator")
    add_request(dbs, other.operator_id, other.id, display_name="UP-RACE")
    monkeypatch.setattr("myportal.eic.services.display_name_taken", lambda name: False)
    login_as(operator_user)
    response = submit(client, NEW, form_data(display_name="UP-RACE"))
    assert response.status_code == 200
    assert "Il Display Name UP-RACE è già assegnato" in page_text(response).split('id="display_name-error"', 1)[1]
    assert dbs.count(EicRequest) == 1
    assert dbs.count(AuditEvent, AuditEvent.event == "eic.requested") == 0

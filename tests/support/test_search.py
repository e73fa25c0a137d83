"""Support look-ups by Partita IVA, codice fiscale or customer code; every look-up is audited."""

from sqlalchemy import select

from myportal.security.models import AuditEvent
from tests.admin.test_requests import valid_vat
from tests.conftest import make_fiscal_code

NOT_FOUND = "Nessun operatore trovato"


def _support(login_as, make_user):
    staff = make_user(role="support")
    login_as(staff)
    return staff


def _search(client, q):
    response = client.get("/assistenza/", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_search_page_without_query_writes_nothing(client, login_as, make_user, dbs):
    _support(login_as, make_user)
    page = client.get("/assistenza/").get_data(as_text=True)
    assert 'for="q"' in page and "Risultati" not in page
    assert dbs.count(AuditEvent, AuditEvent.event == "support.lookup") == 0


def test_vat_with_it_prefix_spaces_and_dots(client, login_as, make_user, make_operator, dbs):
    staff = _support(login_as, make_user)
    vat = valid_vat(4242)
    operator = make_operator(name="Fotovoltaica Adriatica S.r.l.", vat_number=vat)
    for query in (f"IT {vat[:5]}.{vat[5:8]}.{vat[8:]}", f"it{vat}", f" {vat[:3]} {vat[3:7]} {vat[7:]} ", vat):
        page = _search(client, query)
        assert "Fotovoltaica Adriatica S.r.l." in page, query
        assert f"/assistenza/operatori/{operator.id}" in page
    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "support.lookup"))
    assert len(events) == 4
    assert all(e.details["query"] == vat and e.details["results"] == 1 for e in events)
    assert all(e.user_id == staff.id for e in events)


def test_lowercase_fiscal_code_of_operator_or_of_its_user(client, login_as, make_user, make_operator):
    _support(login_as, make_user)
    own_code = make_fiscal_code(31)
    natural_person = make_operator(name="Rossi Mario", kind="fisica", vat_number=None, fiscal_code=own_code)
    company = make_operator(name="Biogas Padano S.p.A.")
    user_code = make_fiscal_code(32)
    make_user(operator=company, fiscal_code=user_code)
    page = _search(client, own_code.lower())
    assert natural_person.name in page and company.name not in page
    page = _search(client, " ".join([user_code[:6].lower(), user_code[6:]]))
    assert company.name in page and natural_person.name not in page


def test_customer_code(client, login_as, make_user, make_operator):
    _support(login_as, make_user)
    operator = make_operator(name="Cliente Fatture S.r.l.", customer_code="004711")
    page = _search(client, "004711")
    assert operator.name in page
    assert "004711" in page


def test_no_match_is_said_and_audited(client, login_as, make_user, dbs):
    _support(login_as, make_user)
    vat = valid_vat(9876)
    page = _search(client, vat)
    assert NOT_FOUND in page
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "support.lookup"))
    assert event.details == {"query": vat, "kind": "vat", "results": 0}
    assert NOT_FOUND in _search(client, "999999")


def test_unrecognisable_input_gets_a_message_next_to_the_field(client, login_as, make_user, dbs):
    _support(login_as, make_user)
    vat = valid_vat(55)
    wrong_checksum = vat[:-1] + str((int(vat[-1]) + 1) % 10)
    cases = {
        "pippo": "Inserisci una Partita IVA",
        "12345": "Inserisci una Partita IVA",
        "<script>": "Inserisci una Partita IVA",
        wrong_checksum: "cifra di controllo",
        "RSSMRA80A01H501Z": "Codice fiscale non valido",
        " ": "Inserisci la Partita IVA, il codice fiscale o il codice cliente.",
    }
    for query, message in cases.items():
        page = _search(client, query)
        assert 'id="q-error"' in page, query
        assert message in page, query
        assert NOT_FOUND not in page
    assert dbs.count(AuditEvent, AuditEvent.event == "support.lookup") == 0


def test_admin_can_search_too(client, login_as, make_user, make_operator):
    login_as(make_user(role="admin"))
    operator = make_operator(vat_number=valid_vat(4243))
    assert operator.name in _search(client, operator.vat_number)

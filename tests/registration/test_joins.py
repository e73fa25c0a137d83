"""Joining an operator: who may become a user of a company, and who says yes.

Before this, whoever knew an operator's Partita IVA, one of its Ge.Co. practices and the requester's codice
fiscale (or a legacy login, or a customer code) became a user of that operator, reading its invoices, with an
address of their own choosing; nobody at the company was told."""

import pytest
from sqlalchemy import select

from myportal.extensions import db
from myportal.operators.models import Operator, User
from myportal.registration.joins import JOIN_EVENTS, company_join_events
from myportal.registration.models import JoinRequest, RegistrationRequest
from myportal.registration.services import approve_registration
from myportal.security.models import AuditEvent, Token
from tests.conftest import (
    counting_queries,
    field_error,
    login,
    login_admin,
    make_admin,
    make_fiscal_code,
    make_vat,
    page_text,
    submit,
)

from . import NEW_PASSWORD, add_join, add_record, add_request, in_request, register

PATHS = ["legacy", "geco", "customer"]
STRANGER = "estraneo@example.com"
ON_FILE = "uffici@acme.example"


@pytest.fixture
def company(make_operator, make_user):
    """An operator that already uses the portal: its company administrator and an operator."""
    operator = make_operator(vat_number=make_vat(801), name="Acme Energia S.p.A.")
    admin = make_user("operator_admin", operator, username="acme.admin", email="admin@acme.example")
    make_user("operator", operator, username="acme.operatore", email="operatore@acme.example")
    return operator, admin


def _join(dbs) -> JoinRequest:
    joins = dbs.scalars(select(JoinRequest))
    assert len(joins) == 1, joins
    return joins[0]


def _activate(client, mailbox, address: str):
    link = mailbox.link(address, "/attivazione/")
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, page_text(response)


def _decide(client, join_id: int, decision: str, note: str = ""):
    url = f"/utenti-aziendali/adesioni/{join_id}"
    return submit(client, url, {"decision": decision, "note": note})


# --- an operator with users: its administrators decide ----------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_registration_into_a_company_with_users_waits_for_its_administrators(client, dbs, mailbox, company, path):
    operator, admin = company
    users_before = dbs.count(User)
    match = add_record(dbs, path, operator.vat_number, email=ON_FILE, seed=11)
    response = register(client, path, match, STRANGER)
    assert response.status_code == 302 and response.headers["Location"].endswith("/registrazione/controlla-la-posta")

    assert dbs.count(User) == users_before  # nobody joined
    join = _join(dbs)
    assert (join.status, join.decider, join.path, join.operator_id, join.email) == (
        "pending",
        "company",
        path,
        operator.id,
        STRANGER,
    )
    assert join.reference == {"legacy": "legacy.11", "geco": "GC-11", "customer": "000011"}[path]
    assert dbs.count(Token, Token.purpose == "activation") == 0

    notice = mailbox.body(mailbox.last(admin.email))
    assert STRANGER in notice and join.username in notice and f"/utenti-aziendali/adesioni/{join.id}" in notice
    assert mailbox.to("operatore@acme.example") == []  # only the company's administrators decide
    told = mailbox.body(mailbox.last(STRANGER))
    assert "amministratori aziendali" in told and "/attivazione/" not in told
    # the applicant has no account: there is nothing to log in to
    assert login(client, join.username, NEW_PASSWORD).status_code == 200
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "join.requested"))
    assert (event.operator_id, event.details["path"], event.details["decider"]) == (operator.id, path, "company")


def test_company_administrator_approves_then_the_newcomer_activates(app, client, dbs, mailbox, company):
    operator, admin = company
    match = add_record(dbs, "geco", operator.vat_number, seed=12)
    register(client, "geco", match, STRANGER, username="nuovo.referente")
    join = _join(dbs)

    admin_client = app.test_client()
    login(admin_client, admin.username)
    page = page_text(admin_client.get("/utenti-aziendali"))
    assert "Richieste di adesione in attesa" in page and STRANGER in page and "GC-12" in page
    detail = page_text(admin_client.get(f"/utenti-aziendali/adesioni/{join.id}"))
    assert "nuovo.referente" in detail and "Pratica Ge.Co." in detail and "Approva" in detail

    response = _decide(admin_client, join.id, "approve", "Benvenuto nel portale.")
    assert response.status_code == 302 and response.headers["Location"].endswith("/utenti-aziendali")
    decided = dbs.get(JoinRequest, join.id)
    assert (decided.status, decided.decided_via, decided.decided_by_id) == ("approved", "company", admin.id)
    user = dbs.get(User, decided.user_id)
    assert (user.username, user.role, user.status, user.email, user.operator_id) == (
        "nuovo.referente",
        "operator",
        "pending",
        STRANGER,
        operator.id,
    )
    assert user.fiscal_code == match["fiscal_code"]
    body = mailbox.body(mailbox.last(STRANGER))
    assert "approvata" in body and "Benvenuto nel portale." in body and "/attivazione/" in body
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "join.approved"))
    assert (event.user_id, event.operator_id, event.details["via"]) == (admin.id, operator.id, "company")

    _activate(client, mailbox, STRANGER)
    assert login(client, "nuovo.referente", NEW_PASSWORD).status_code == 302
    assert "Acme Energia S.p.A." in page_text(client.get("/"))
    # decided once: a second decision changes nothing
    again = _decide(admin_client, join.id, "refuse")
    assert "già stata trattata" in page_text(again)
    assert dbs.get(JoinRequest, join.id).status == "approved"


def test_company_administrator_refuses(app, client, dbs, mailbox, company):
    operator, admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=13), STRANGER)
    join = _join(dbs)
    admin_client = app.test_client()
    login(admin_client, admin.username)
    users_before = dbs.count(User)
    response = _decide(admin_client, join.id, "refuse", "Non ti conosciamo: chiama l'ufficio.")
    assert response.status_code == 302
    assert dbs.count(User) == users_before
    decided = dbs.get(JoinRequest, join.id)
    assert (decided.status, decided.user_id, decided.note) == ("refused", None, "Non ti conosciamo: chiama l'ufficio.")
    body = mailbox.body(mailbox.last(STRANGER))
    assert "non è stata approvata" in body and "Non ti conosciamo: chiama l'ufficio." in body
    assert dbs.count(AuditEvent, AuditEvent.event == "join.refused") == 1
    assert "Richieste di adesione in attesa" not in page_text(admin_client.get("/utenti-aziendali"))
    # the user name is free again
    assert dbs.count(JoinRequest, JoinRequest.status == "pending") == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": ""}, "decision", "Scegli se approvare o rifiutare"),
        ({"decision": "forse"}, "decision", "Scegli se approvare o rifiutare"),
        ({"decision": "approve", "note": "x" * 1001}, "note", "Al massimo 1000 caratteri"),
        ({"decision": "refuse", "note": "é" * 100_000}, "note", "Al massimo 1000 caratteri"),
    ],
    ids=["no-decision", "unknown-decision", "note-too-long", "note-huge"],
)
def test_company_decision_bad_inputs(app, client, dbs, mailbox, company, data, field, message):
    operator, admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=14), STRANGER)
    join = _join(dbs)
    admin_client = app.test_client()
    login(admin_client, admin.username)
    mails, users = len(mailbox), dbs.count(User)
    response = submit(admin_client, f"/utenti-aziendali/adesioni/{join.id}", {"note": "", **data})
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert dbs.get(JoinRequest, join.id).status == "pending"
    assert dbs.count(User) == users and len(mailbox) == mails


def test_a_note_of_exactly_1000_characters_is_accepted(app, client, dbs, company):
    operator, admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=15), STRANGER)
    join = _join(dbs)
    admin_client = app.test_client()
    login(admin_client, admin.username)
    assert _decide(admin_client, join.id, "refuse", "n" * 1000).status_code == 302
    assert dbs.get(JoinRequest, join.id).note == "n" * 1000


def test_only_the_companys_own_administrators_decide(app, client, dbs, mailbox, company, make_user, make_operator):
    operator, _admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=16), STRANGER)
    join = _join(dbs)
    other_admin = make_user("operator_admin", make_operator())
    colleague = dbs.scalar(select(User).where(User.username == "acme.operatore"))
    for user, status in ((other_admin, 404), (colleague, 403)):
        other = app.test_client()
        login(other, user.username)
        assert other.get(f"/utenti-aziendali/adesioni/{join.id}").status_code == status
        assert _decide(other, join.id, "approve").status_code == status
    assert dbs.get(JoinRequest, join.id).status == "pending"
    assert dbs.count(AuditEvent, AuditEvent.event == "access.cross_operator") == 3  # two pages, one post


def test_the_decision_service_checks_who_decides(app, dbs, company, make_user, make_operator):
    """The service refuses a decider the route guards would have stopped (a second line of defence)."""
    from myportal.registration.joins import JoinError, decide_join

    operator, admin = company
    stranger_admin = make_user("operator_admin", make_operator())
    with app.test_request_context(method="POST"):
        join = JoinRequest(
            operator_id=operator.id,
            decider="company",
            path="legacy",
            reference="x",
            username="chiunque",
            username_key="chiunque",
            email=STRANGER,
        )
        db.session.add(join)
        db.session.flush()
        for actor, via in ((db.session.get(User, stranger_admin.id), "company"), (None, "address")):
            with pytest.raises(JoinError):
                decide_join(join, actor, "approve", via=via)
        with pytest.raises(JoinError):
            decide_join(join, db.session.get(User, admin.id), "approve", via="back_office")
        db.session.rollback()


# --- the back office decides in the company's place --------------------------------------------------


def test_back_office_decides_when_the_company_cannot(app, client, dbs, mailbox, company, make_user):
    operator, admin = company
    register(client, "customer", add_record(dbs, "customer", operator.vat_number, seed=17), STRANGER)
    join = _join(dbs)
    terna = make_admin(app, make_user)
    back_office = login_admin(app.test_client(), terna)
    assert STRANGER in page_text(back_office.get("/admin/adesioni"))
    url = f"/admin/adesioni/{join.id}"
    assert "Decidi al posto dell'azienda" in page_text(back_office.get(url))

    response = submit(back_office, url, {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert "Indica il motivo" in field_error(response, "note")
    assert dbs.get(JoinRequest, join.id).status == "pending"

    reason = "L'amministratore aziendale ha lasciato l'azienda: confermato dal legale rappresentante."
    response = submit(back_office, url, {"decision": "approve", "note": reason})
    assert response.status_code == 302
    decided = dbs.get(JoinRequest, join.id)
    assert (decided.status, decided.decided_via, decided.decided_by_id, decided.note) == (
        "approved",
        "back_office",
        terna.id,
        reason,
    )
    user = dbs.get(User, decided.user_id)
    assert (user.username, user.role, user.operator_id) == ("000017", "operator", operator.id)
    applicant = mailbox.body(mailbox.last(STRANGER))
    assert "/attivazione/" in applicant and reason not in applicant  # the reason is for the audit log
    assert "assistenza di Terna" in mailbox.body(mailbox.last(admin.email))
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "join.approved"))
    assert (event.user_id, event.details["via"], event.details["note"]) == (terna.id, "back_office", reason)


def test_back_office_refuses(app, client, dbs, mailbox, company, make_user):
    operator, _admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=18), STRANGER)
    join = _join(dbs)
    back_office = login_admin(app.test_client(), make_admin(app, make_user))
    response = submit(back_office, f"/admin/adesioni/{join.id}", {"decision": "refuse", "note": "Richiesta sospetta"})
    assert response.status_code == 302
    assert dbs.get(JoinRequest, join.id).status == "refused"
    body = mailbox.body(mailbox.last(STRANGER))
    assert "assistenza di Terna" in body and "Richiesta sospetta" not in body
    assert STRANGER in page_text(back_office.get("/admin/adesioni?state=refused"))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "approve", "note": "   "}, "note", "Indica il motivo"),
        ({"decision": "boh", "note": "motivo"}, "decision", "Scegli se approvare o rifiutare"),
        ({"decision": "refuse", "note": "m" * 1001}, "note", "Al massimo 1000 caratteri"),
    ],
    ids=["blank-reason", "unknown-decision", "reason-too-long"],
)
def test_back_office_decision_bad_inputs(app, client, dbs, mailbox, company, make_user, data, field, message):
    operator, _admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=19), STRANGER)
    join = _join(dbs)
    back_office = login_admin(app.test_client(), make_admin(app, make_user))
    mails = len(mailbox)
    response = submit(back_office, f"/admin/adesioni/{join.id}", data)
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert dbs.get(JoinRequest, join.id).status == "pending" and len(mailbox) == mails


def test_back_office_queue_filters_by_state(app, client, dbs, company, make_user):
    operator, _admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=20), STRANGER)
    back_office = login_admin(app.test_client(), make_admin(app, make_user))
    assert STRANGER in page_text(back_office.get("/admin/adesioni"))
    assert STRANGER not in page_text(back_office.get("/admin/adesioni?state=approved"))
    assert STRANGER in page_text(back_office.get("/admin/adesioni?state=all"))
    assert back_office.get("/admin/adesioni?state=nonsense").status_code == 200


# --- an operator without users: the address on file --------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_first_registration_with_another_address_needs_the_address_on_file(client, dbs, mailbox, path):
    vat = make_vat(802)
    match = add_record(dbs, path, vat, email=ON_FILE, seed=21)
    response = register(client, path, match, STRANGER)
    assert response.headers["Location"].endswith("/registrazione/controlla-la-posta")
    assert dbs.count(User) == 0
    join = _join(dbs)
    assert (join.decider, join.on_file_email, join.email) == ("address", ON_FILE, STRANGER)
    told = mailbox.body(mailbox.last(STRANGER))
    assert "/attivazione/" not in told and "u***@acme.example" in told

    link = mailbox.link(ON_FILE, "/registrazione/conferma-indirizzo/")
    page = page_text(client.get(link))
    assert STRANGER in page and join.username in page and "Rifiuta" in page
    response = submit(client, link, {"decision": "approve"})
    assert response.status_code == 200 and "Registrazione confermata" in page_text(response)
    user = dbs.scalar(select(User))
    assert (user.username, user.email, user.role) == (join.username, STRANGER, "operator_admin")
    decided = dbs.get(JoinRequest, join.id)
    assert (decided.status, decided.decided_via, decided.decided_by_id) == ("approved", "address", None)
    assert client.get(link).status_code == 404  # single use
    _activate(client, mailbox, STRANGER)
    assert dbs.get(User, user.id).status == "active"


def test_address_on_file_refuses(client, dbs, mailbox):
    register(client, "legacy", add_record(dbs, "legacy", make_vat(803), email=ON_FILE, seed=22), STRANGER)
    link = mailbox.link(ON_FILE, "/registrazione/conferma-indirizzo/")
    response = submit(client, link, {"decision": "refuse"})
    assert "Registrazione rifiutata" in page_text(response)
    assert dbs.count(User) == 0
    assert _join(dbs).status == "refused"
    assert "non è stata approvata" in mailbox.body(mailbox.last(STRANGER))
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("decision", ["", "si", "approve" * 100])
def test_address_confirmation_bad_inputs(client, dbs, mailbox, decision):
    register(client, "legacy", add_record(dbs, "legacy", make_vat(804), email=ON_FILE, seed=23), STRANGER)
    link = mailbox.link(ON_FILE, "/registrazione/conferma-indirizzo/")
    mails = len(mailbox)
    response = submit(client, link, {"decision": decision})
    assert response.status_code == 200
    assert "Scegli se approvare o rifiutare" in field_error(response, "decision")
    assert dbs.count(User) == 0 and _join(dbs).status == "pending" and len(mailbox) == mails


def test_address_confirmation_link_expires_and_unknown_links_are_404(client, dbs, mailbox):
    from datetime import timedelta

    from myportal.models import utcnow

    register(client, "legacy", add_record(dbs, "legacy", make_vat(805), email=ON_FILE, seed=24), STRANGER)
    link = mailbox.link(ON_FILE, "/registrazione/conferma-indirizzo/")
    token = dbs.scalar(select(Token).where(Token.purpose == "join_address"))
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)
    with dbs.session() as session:
        session.get(Token, token.id).expires_at = utcnow() - timedelta(minutes=1)
    assert client.get(link).status_code == 404
    assert client.get("/registrazione/conferma-indirizzo/" + "x" * 43).status_code == 404


def test_back_office_confirms_in_place_of_the_address_on_file(app, client, dbs, mailbox, make_user):
    register(client, "customer", add_record(dbs, "customer", make_vat(806), email=ON_FILE, seed=25), STRANGER)
    join = _join(dbs)
    back_office = login_admin(app.test_client(), make_admin(app, make_user))
    assert ON_FILE in page_text(back_office.get(f"/admin/adesioni/{join.id}"))
    reason = "Il cliente ha cambiato indirizzo: verificato al telefono."
    assert submit(back_office, f"/admin/adesioni/{join.id}", {"decision": "approve", "note": reason}).status_code == 302
    assert dbs.scalar(select(User.email).where(User.username == "000025")) == STRANGER
    link = mailbox.link(ON_FILE, "/registrazione/conferma-indirizzo/")
    assert client.get(link).status_code == 404  # decided: the link is used up


def test_same_address_as_on_file_gets_the_activation_at_once(client, dbs, mailbox):
    register(client, "geco", add_record(dbs, "geco", make_vat(807), email=ON_FILE, seed=26), ON_FILE.upper())
    assert dbs.count(JoinRequest) == 0
    user = dbs.scalar(select(User))
    assert (user.username, user.role) == ("nuovo.referente", "operator_admin")
    assert "/attivazione/" in mailbox.body(mailbox.last(ON_FILE))
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "registration.confirmed"))
    assert event.details["address"] == "on_file"


def test_the_operators_address_counts_when_the_record_has_none(client, dbs, mailbox, make_operator):
    operator = make_operator(vat_number=make_vat(808), email="amministrazione@acme.example")
    register(client, "geco", add_record(dbs, "geco", operator.vat_number, email=None, seed=27), STRANGER)
    join = _join(dbs)
    assert (join.decider, join.on_file_email) == ("address", "amministrazione@acme.example")
    assert mailbox.link("amministrazione@acme.example", "/registrazione/conferma-indirizzo/")


def test_without_any_address_on_file_the_typed_one_receives_the_activation(client, dbs, mailbox):
    """Nothing better to check against: the record's data are the proof (the audit log says so)."""
    register(client, "legacy", add_record(dbs, "legacy", make_vat(809), email=None, seed=28), STRANGER)
    assert dbs.count(JoinRequest) == 0
    assert "/attivazione/" in mailbox.body(mailbox.last(STRANGER))
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "registration.confirmed"))
    assert event.details["address"] == "typed"


# --- repeated registrations and user names -----------------------------------------------------------


def test_registering_again_while_a_request_waits_makes_no_second_one(app, client, dbs, mailbox, company):
    operator, _admin = company
    match = add_record(dbs, "legacy", operator.vat_number, seed=29)
    register(client, "legacy", match, STRANGER)
    register(app.test_client(), "legacy", match, "altro@example.com")
    assert dbs.count(JoinRequest) == 1
    assert mailbox.to("altro@example.com") == []
    assert "ancora in attesa" in mailbox.body(mailbox.last(STRANGER))


def test_a_pending_applicants_name_is_not_given_to_anyone_else(app, client, dbs, mailbox, company):
    operator, _admin = company
    register(client, "geco", add_record(dbs, "geco", operator.vat_number, seed=30), STRANGER, username="scelto")
    register(
        app.test_client(),
        "geco",
        add_record(dbs, "geco", make_vat(810), seed=31),
        "altro@example.com",
        username="SCELTO",
    )
    assert dbs.count(JoinRequest) == 1 and dbs.count(User, User.username_key == "scelto") == 0
    assert "non è disponibile" in mailbox.body(mailbox.last("altro@example.com"))


# --- path 4: a new-user request approved by Terna for a company with users ----------------------------


def test_new_user_request_for_a_company_with_users_becomes_a_join_request(
    app, client, dbs, mailbox, company, make_user
):
    operator, admin = company
    terna = make_user(role="admin", username="admin.terna", email="admin@terna.example")
    request = add_request(dbs, vat_number=operator.vat_number, fiscal_code=make_fiscal_code(811), phone="06 1")
    with in_request(app) as session:
        result = approve_registration(session.get(RegistrationRequest, request.id), session.get(User, terna.id))
        assert isinstance(result, JoinRequest)
    join = _join(dbs)
    assert (join.path, join.reference, join.registration_request_id, join.decider) == (
        "new_user",
        str(request.id),
        request.id,
        "company",
    )
    assert dbs.get(RegistrationRequest, request.id).status == "approved"
    assert dbs.count(User, User.operator_id == operator.id) == 2
    assert "nuovo.utente" in mailbox.body(mailbox.last(admin.email))

    admin_client = app.test_client()
    login(admin_client, admin.username)
    assert "Modulo per i nuovi utenti" in page_text(admin_client.get(f"/utenti-aziendali/adesioni/{join.id}"))
    _decide(admin_client, join.id, "approve")
    user = dbs.scalar(select(User).where(User.username == "nuovo.utente"))
    assert (user.role, user.operator_id, user.phone, user.secret_question, user.company_role) == (
        "operator",
        operator.id,
        "06 1",
        "pet",
        "Legale rappresentante",
    )
    assert user.secret_answer_hash == request.secret_answer_hash
    assert dbs.get(RegistrationRequest, request.id).user_id == user.id


# --- what the company's security page will list ------------------------------------------------------


def test_company_join_events_lists_every_join_of_that_company_only(app, client, dbs, mailbox, company):
    operator, admin = company
    register(client, "legacy", add_record(dbs, "legacy", operator.vat_number, seed=32), STRANGER)
    register(app.test_client(), "customer", add_record(dbs, "customer", operator.vat_number, seed=33), "b@x.example")
    first, second = dbs.scalars(select(JoinRequest).order_by(JoinRequest.id))
    admin_client = app.test_client()
    login(admin_client, admin.username)
    _decide(admin_client, first.id, "approve")
    _decide(admin_client, second.id, "refuse")
    submit(
        admin_client,
        "/utenti-aziendali/invita",
        {"full_name": "Collega", "email": "collega@acme.example", "role": "operator", "username": "collega.acme"},
    )
    register(app.test_client(), "legacy", add_record(dbs, "legacy", make_vat(812), seed=34), "altrove@x.example")

    with app.app_context():
        events = company_join_events(db.session.get(Operator, operator.id), limit=10)
        names = [event.event for event in events]
        assert names == ["user.invited", "join.refused", "join.approved", "join.requested", "join.requested"]
        assert all(event.operator_id == operator.id for event in events)
        assert set(names) <= set(JOIN_EVENTS)
        assert len(company_join_events(db.session.get(Operator, operator.id), limit=2)) == 2


# --- the lists stay cheap ----------------------------------------------------------------------------


def _add_joins(dbs, operator_id: int, count: int, start: int) -> None:
    for number in range(start, start + count):
        add_join(dbs, operator_id, f"richiedente.{number}")


def test_join_lists_run_a_constant_number_of_statements(app, dbs, company, make_user, make_operator):
    operator, admin = company
    admin_client = app.test_client()
    login(admin_client, admin.username)
    back_office = login_admin(app.test_client(), make_admin(app, make_user))

    def statements(client, path):
        client.get(path)
        with counting_queries(app) as seen:
            response = client.get(path)
        assert response.status_code == 200
        return len(seen)

    _add_joins(dbs, operator.id, 2, 1000)
    few = (statements(admin_client, "/utenti-aziendali"), statements(back_office, "/admin/adesioni"))
    _add_joins(dbs, operator.id, 15, 2000)
    for number in range(5):
        _add_joins(dbs, make_operator().id, 2, 3000 + 10 * number)
    many = (statements(admin_client, "/utenti-aziendali"), statements(back_office, "/admin/adesioni"))
    assert many == few

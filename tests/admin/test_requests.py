"""The registration queue: filters, detail, approve, reject, request information."""

from datetime import timedelta

from sqlalchemy import select
from stdnum import luhn

from myportal.models import utcnow
from myportal.operators.models import Operator, User
from myportal.registration.models import RegistrationRequest
from myportal.security.passwords import hash_password, normalise_secret_answer
from tests.conftest import make_fiscal_code, submit

_ANSWER_HASH = None
SECRET_ANSWER = "Fido"


def secret_answer_hash() -> str:
    global _ANSWER_HASH
    if _ANSWER_HASH is None:
        _ANSWER_HASH = hash_password(normalise_secret_answer(SECRET_ANSWER))
    return _ANSWER_HASH


def valid_vat(seed: int) -> str:
    """A valid Partita IVA for any seed (seven digits from the seed, province code 058)."""
    base = f"{seed % 9_999_999 + 1:07d}058"
    return base + luhn.calc_check_digit(base)


def new_request(dbs, seed: int, **fields) -> RegistrationRequest:
    """A new-user request of a legal person, stored directly."""
    values = {
        "status": "pending",
        "username": f"richiedente{seed}",
        "full_name": f"Bianchi Anna {seed}",
        "fiscal_code": make_fiscal_code(seed),
        "country": "IT",
        "company_role": "Responsabile energia",
        "email": f"richiedente{seed}@example.com",
        "phone": "06 1234567",
        "mobile": "333 1234567",
        "secret_question": "pet",
        "secret_answer_hash": secret_answer_hash(),
        "person_kind": "giuridica",
        "vat_number": valid_vat(seed),
        "company_name": f"Solare Lazio {seed} S.r.l.",
        "privacy_accepted_at": utcnow(),
    }
    values.update(fields)
    with dbs.session() as session:
        registration = RegistrationRequest(**values)
        session.add(registration)
        session.flush()
        return registration


def _admin(client, login_as, make_user):
    admin = make_user(role="admin")
    login_as(admin)
    return admin


def test_queue_shows_pending_by_default_newest_first(client, login_as, make_user, dbs):
    _admin(client, login_as, make_user)
    older = new_request(dbs, 9101, created_at=utcnow() - timedelta(days=2))
    newer = new_request(dbs, 9102)
    new_request(dbs, 9103, status="rejected")
    new_request(dbs, 9104, status="info_requested")
    page = client.get("/admin/richieste").get_data(as_text=True)
    assert older.company_name in page and newer.company_name in page
    assert page.index(newer.company_name) < page.index(older.company_name)
    assert "Solare Lazio 9103" not in page and "Solare Lazio 9104" not in page


def test_queue_filters_by_state(client, login_as, make_user, dbs):
    _admin(client, login_as, make_user)
    new_request(dbs, 9111)
    new_request(dbs, 9112, status="rejected")
    new_request(dbs, 9113, status="info_requested")
    new_request(dbs, 9114, status="approved")
    rejected = client.get("/admin/richieste?state=rejected").get_data(as_text=True)
    assert "Solare Lazio 9112" in rejected and "Solare Lazio 9111" not in rejected
    info = client.get("/admin/richieste?state=info_requested").get_data(as_text=True)
    assert "Solare Lazio 9113" in info and "Solare Lazio 9112" not in info
    approved = client.get("/admin/richieste?state=approved").get_data(as_text=True)
    assert "Solare Lazio 9114" in approved and "Solare Lazio 9113" not in approved
    every = client.get("/admin/richieste?state=all").get_data(as_text=True)
    assert all(f"Solare Lazio {n}" in every for n in (9111, 9112, 9113, 9114))
    assert client.get("/admin/richieste?state=bogus").status_code == 200


def test_empty_queue(client, login_as, make_user):
    _admin(client, login_as, make_user)
    assert "Nessuna richiesta" in client.get("/admin/richieste?state=approved").get_data(as_text=True)


def test_detail_shows_every_field_but_never_the_secret_answer(client, login_as, make_user, dbs):
    _admin(client, login_as, make_user)
    registration = new_request(
        dbs,
        9121,
        status="info_requested",
        admin_message="Manca la visura camerale.",
        applicant_reply="Visura inviata via posta.",
    )
    page = client.get(f"/admin/richieste/{registration.id}").get_data(as_text=True)
    for value in (
        registration.username,
        registration.full_name,
        registration.fiscal_code,
        registration.email,
        registration.mobile,
        registration.vat_number,
        registration.company_name,
        "Responsabile energia",
        "Manca la visura camerale.",
        "Visura inviata via posta.",
        "primo animale domestico",
    ):
        assert value in page, value
    assert registration.secret_answer_hash not in page
    assert "$argon2" not in page
    assert f'action="/admin/richieste/{registration.id}/approva"' in page


def test_approve_creates_operator_and_pending_user_and_sends_activation(client, login_as, make_user, dbs, mailbox):
    admin = _admin(client, login_as, make_user)
    registration = new_request(dbs, 9131)
    url = f"/admin/richieste/{registration.id}"
    response = submit(client, f"{url}/approva", {}, page=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/richieste")
    assert "approvata" in client.get("/admin/richieste").get_data(as_text=True)
    user = dbs.scalar(select(User).where(User.username == registration.username))
    assert user is not None and user.status == "pending"
    operator = dbs.scalar(select(Operator).where(Operator.vat_number == registration.vat_number))
    assert operator is not None and user.operator_id == operator.id
    decided = dbs.get(RegistrationRequest, registration.id)
    assert decided.status == "approved"
    assert decided.decided_by_id == admin.id
    assert mailbox.link(registration.email, "/attivazione/")


def test_reject_requires_a_reason(client, login_as, make_user, dbs, mailbox):
    _admin(client, login_as, make_user)
    registration = new_request(dbs, 9141)
    url = f"/admin/richieste/{registration.id}"
    response = submit(client, f"{url}/respingi", {"reason": "   "}, page=url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="reason-error"' in page
    assert "Indica il motivo del rifiuto." in page
    assert dbs.get(RegistrationRequest, registration.id).status == "pending"
    assert len(mailbox) == 0


def test_reject_with_reason_tells_the_applicant(client, login_as, make_user, dbs, mailbox):
    _admin(client, login_as, make_user)
    registration = new_request(dbs, 9142)
    url = f"/admin/richieste/{registration.id}"
    reason = "La Partita IVA indicata non corrisponde alla ragione sociale."
    response = submit(client, f"{url}/respingi", {"reason": reason}, page=url)
    assert response.status_code == 302
    rejected = dbs.get(RegistrationRequest, registration.id)
    assert rejected.status == "rejected"
    assert dbs.scalar(select(User).where(User.username == registration.username)) is None
    assert reason in mailbox.body(mailbox.last(registration.email))


def test_request_information_requires_a_message_then_sends_an_email(client, login_as, make_user, dbs, mailbox):
    _admin(client, login_as, make_user)
    registration = new_request(dbs, 9151)
    url = f"/admin/richieste/{registration.id}"
    empty = submit(client, f"{url}/informazioni", {"message": ""}, page=url)
    assert empty.status_code == 200
    assert 'id="message-error"' in empty.get_data(as_text=True)
    assert dbs.get(RegistrationRequest, registration.id).status == "pending"
    message = "Allegare la visura camerale aggiornata."
    response = submit(client, f"{url}/informazioni", {"message": message}, page=url)
    assert response.status_code == 302
    asked = dbs.get(RegistrationRequest, registration.id)
    assert asked.status == "info_requested"
    assert asked.admin_message == message
    assert message in mailbox.body(mailbox.last(registration.email))


def test_actions_on_a_decided_request_change_nothing(client, login_as, make_user, dbs, mailbox):
    _admin(client, login_as, make_user)
    registration = new_request(dbs, 9161, status="rejected", admin_message="Dati incompleti.")
    url = f"/admin/richieste/{registration.id}"
    page = client.get(url).get_data(as_text=True)
    assert "già stata decisa" in page
    for action, data in (
        ("approva", {}),
        ("respingi", {"reason": "altro"}),
        ("informazioni", {"message": "x"}),
    ):
        response = submit(client, f"{url}/{action}", data, page=url, follow_redirects=True)
        assert response.status_code == 200
        assert "La richiesta è già stata respinta" in response.get_data(as_text=True)
    unchanged = dbs.get(RegistrationRequest, registration.id)
    assert unchanged.status == "rejected" and unchanged.admin_message == "Dati incompleti."
    assert dbs.scalar(select(User).where(User.username == registration.username)) is None
    assert len(mailbox) == 0


def test_approve_refused_by_the_registration_rules_changes_nothing(client, login_as, make_user, dbs, mailbox):
    _admin(client, login_as, make_user)
    registration = new_request(dbs, 9171)
    make_user(username=registration.username)
    url = f"/admin/richieste/{registration.id}"
    response = submit(client, f"{url}/approva", {}, page=url, follow_redirects=True)
    assert response.status_code == 200
    assert "Il nome utente della richiesta non è disponibile" in response.get_data(as_text=True)
    assert dbs.get(RegistrationRequest, registration.id).status == "pending"
    assert dbs.scalar(select(Operator).where(Operator.vat_number == registration.vat_number)) is None
    assert len(mailbox) == 0

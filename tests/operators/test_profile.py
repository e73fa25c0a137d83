"""Dati anagrafici: data shown, telephone and fax, e-mail change by link, request to change the rest."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from myportal.models import utcnow
from myportal.operators.contact_models import PendingEmailChange
from myportal.operators.models import User
from myportal.security.models import AuditEvent, Token
from tests.conftest import submit

PROFILE = "/dati-anagrafici"
EMAIL = "/dati-anagrafici/email"


def test_profile_shows_operator_and_user_data(client, make_operator, make_user, login_as):
    operator = make_operator(customer_code="005007", email="info@energia.example.com")
    user = make_user(
        role="operator",
        operator=operator,
        full_name="Rossi Mario",
        company_role="Responsabile acquisti",
        phone="+39 06 5550001",
        mobile="+39 333 1234567",
    )
    login_as(user)
    page = client.get(PROFILE).get_data(as_text=True)
    for text in (
        operator.name,
        operator.vat_number,
        "005007",
        operator.registered_address,
        "info@energia.example.com",
        user.username,
        "Rossi Mario",
        "Responsabile acquisti",
        user.email,
        "+39 06 5550001",
        "+39 333 1234567",
        "Richiedi modifica dati",
    ):
        assert text in page


def test_phone_and_fax_are_saved(client, make_user, login_as, dbs):
    user = make_user(role="operator")
    login_as(user)
    response = submit(
        client,
        PROFILE,
        {"phone": "+39 0547 419911", "mobile": "333 1234567", "fax": "0547/419991"},
        follow_redirects=True,
    )
    assert "Recapiti aggiornati" in response.get_data(as_text=True)
    saved = dbs.get(User, user.id)
    assert (saved.phone, saved.mobile, saved.fax) == ("+39 0547 419911", "333 1234567", "0547/419991")
    assert "0547/419991" in client.get(PROFILE).get_data(as_text=True)
    assert dbs.count(AuditEvent, AuditEvent.event == "profile.contacts_updated", AuditEvent.user_id == user.id) == 1


def test_bad_phone_is_refused_next_to_the_field(client, make_user, login_as, dbs):
    user = make_user(role="operator", phone="06 1234567")
    login_as(user)
    response = submit(client, PROFILE, {"phone": "chiamami<script>", "mobile": "", "fax": "12ab"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="phone-error"' in page and 'id="fax-error"' in page
    assert "Indica il numero con cifre" in page
    saved = dbs.get(User, user.id)
    assert (saved.phone, saved.fax) == ("06 1234567", None)


def test_email_change_refuses_pec_malformed_and_same_address(client, make_user, login_as, dbs, mailbox):
    user = make_user(role="operator")
    login_as(user)
    cases = {
        "mario.rossi@pec.example.it": "PEC",
        "non-un-indirizzo": "Indirizzo e-mail non valido",
        user.email: "È già l&#39;indirizzo e-mail del tuo account",
    }
    for address, message in cases.items():
        response = submit(client, EMAIL, {"email": address}, page=PROFILE)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="email-error"' in page and message in page, address
    assert dbs.count(PendingEmailChange) == 0
    assert dbs.count(Token, Token.purpose == "email_change") == 0
    assert len(mailbox) == 0


def _request_change(client, new_email: str):
    response = submit(client, EMAIL, {"email": new_email}, page=PROFILE)
    assert response.status_code == 200
    assert "Abbiamo inviato" in response.get_data(as_text=True)


def test_email_change_by_link_sent_to_the_new_address(client, app, make_user, login_as, dbs, mailbox):
    user = make_user(role="operator")
    old = user.email
    login_as(user)
    _request_change(client, "nuovo.indirizzo@example.org")
    assert dbs.get(User, user.id).email == old  # nothing changes before the confirmation
    notice = mailbox.body(mailbox.last(old))
    assert "n***@example.org" in notice
    link = mailbox.link("nuovo.indirizzo@example.org", "/conferma-email/")

    other = app.test_client()  # the link works without logging in
    page = other.get(link).get_data(as_text=True)
    assert "nuovo.indirizzo@example.org" in page and "Conferma" in page
    assert dbs.get(User, user.id).email == old  # GET changes nothing
    response = submit(other, link, {}, follow_redirects=True)
    assert "Indirizzo e-mail aggiornato" in response.get_data(as_text=True)
    assert dbs.get(User, user.id).email == "nuovo.indirizzo@example.org"
    assert dbs.count(AuditEvent, AuditEvent.event == "profile.email_changed", AuditEvent.user_id == user.id) == 1

    reused = other.get(link)
    assert reused.status_code == 404
    assert "non è valido" in reused.get_data(as_text=True)


def test_expired_or_replaced_email_link_is_refused(client, app, make_user, login_as, dbs, mailbox):
    user = make_user(role="operator")
    login_as(user)
    _request_change(client, "primo@example.org")
    first = mailbox.link("primo@example.org", "/conferma-email/")
    _request_change(client, "secondo@example.org")
    second = mailbox.link("secondo@example.org", "/conferma-email/")
    assert client.get(first).status_code == 404  # replaced by the newer request
    with dbs.session() as session:
        session.execute(
            update(Token).where(Token.purpose == "email_change").values(expires_at=utcnow() - timedelta(minutes=1))
        )
    assert client.get(second).status_code == 404
    assert client.post(second, data={}).status_code in (400, 404)
    assert dbs.get(User, user.id).email == user.email


def test_change_request_opens_a_prefilled_ticket(client, make_operator, make_user, login_as):
    operator = make_operator(customer_code="004512")
    user = make_user(role="operator", operator=operator, full_name="Bianchi Anna")
    login_as(user)
    page = client.get(PROFILE).get_data(as_text=True)
    start = page.index('href="/ticket/nuovo?')
    href = page[start + 6 : page.index('"', start + 6)].replace("&amp;", "&")
    query = parse_qs(urlparse(href).query)
    assert query["category"] == ["dati_anagrafici"]
    form = client.get(href).get_data(as_text=True)
    assert '<option selected value="dati_anagrafici">' in form or 'value="dati_anagrafici" selected' in form
    assert "Richiesta di modifica dei dati anagrafici" in form
    assert "Bianchi Anna" in form and "004512" in form and operator.vat_number in form


def test_profile_is_for_operator_users_only(client, make_user, login_as):
    assert client.get(PROFILE).status_code == 302
    login_as(make_user(role="support"))
    assert client.get(PROFILE).status_code == 403


def test_pending_change_row_is_bound_to_its_token(client, make_user, login_as, dbs):
    user = make_user(role="operator")
    login_as(user)
    _request_change(client, "legato@example.org")
    pending = dbs.scalars(select(PendingEmailChange).where(PendingEmailChange.user_id == user.id))
    assert len(pending) == 1 and pending[0].new_email == "legato@example.org"

"""Each "Ho letto l'informativa" is stored with the text's version and time, in the transaction of the form
that asked for it; a refused form stores none."""

import pytest
from sqlalchemy import select

from myportal.operators.models import User
from myportal.privacy.models import PrivacyAcknowledgement
from myportal.registration.models import RegistrationRequest
from tests.conftest import field_error, login, make_vat, page_text, submit
from tests.registration import LEGACY_PASSWORD, add_customer, add_legacy
from tests.registration.test_new_user import _form as new_user_form

NEW_USER = "/registrazione/nuovo-utente"
CONFIRM = "/registrazione/conferma"
CUSTOMER = "/registrazione/codice-cliente"


def _new_user(**changes) -> dict:
    """The valid new-user form of the registration tests, ``changes`` applied (None drops a field)."""
    return new_user_form(**{"username": "lucia.neri", "email": "lucia.neri@example.com", **changes})


@pytest.fixture
def version(app):
    previous = app.config["PRIVACY_NOTICE_VERSION"]
    app.config["PRIVACY_NOTICE_VERSION"] = "2.1"
    yield "2.1"
    app.config["PRIVACY_NOTICE_VERSION"] = previous


def test_the_new_user_form_stores_the_acknowledgement_of_the_request(client, dbs, mailbox, version):
    page = page_text(client.get(NEW_USER))
    assert "Ho letto l'informativa sul trattamento dei dati personali." in page
    assert 'href="/privacy"' in page and "versione 2.1" in page
    response = submit(client, NEW_USER, _new_user())
    assert response.status_code == 302
    request = dbs.scalar(select(RegistrationRequest).where(RegistrationRequest.username == "lucia.neri"))
    row = dbs.scalar(select(PrivacyAcknowledgement))
    assert (row.registration_request_id, row.user_id) == (request.id, None)
    assert (row.document, row.version, row.context) == ("informativa", "2.1", "nuovo_utente")
    assert abs((row.accepted_at - request.created_at).total_seconds()) < 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"privacy": None}, "privacy"),
        ({"privacy": ""}, "privacy"),
        ({"email": "lucia@pec.example.it"}, "email"),
        ({"mobile": "x" * 400}, "mobile"),
    ],
    ids=["unchecked", "empty", "pec-address", "mobile-too-long"],
)
def test_a_refused_new_user_form_stores_no_acknowledgement(client, dbs, mailbox, changes, field):
    response = submit(client, NEW_USER, _new_user(**changes))
    assert response.status_code == 200
    assert field_error(response, field)
    assert dbs.count(RegistrationRequest) == 0 and dbs.count(PrivacyAcknowledgement) == 0


def test_a_taken_user_name_is_acknowledged_like_a_free_one(client, dbs, mailbox, make_user, version):
    """A taken name is accepted as a free one is (only the applicant's e-mail tells it): the request and its
    acknowledgement are stored alike."""
    make_user("operator", username="lucia.neri")
    response = submit(client, NEW_USER, _new_user())
    assert response.status_code == 302
    request = dbs.scalar(select(RegistrationRequest).where(RegistrationRequest.email == "lucia.neri@example.com"))
    row = dbs.scalar(select(PrivacyAcknowledgement))
    assert (row.registration_request_id, row.version, row.context) == (request.id, "2.1", "nuovo_utente")


def _match(client, dbs, vat):
    add_customer(dbs, tax_code=vat, name="Acme Energia S.p.A.", email="uffici@acme.example")
    assert submit(client, CUSTOMER, {"customer_code": "005007", "tax_code": vat}).status_code == 302


def test_the_confirmation_stores_the_acknowledgement_of_the_new_user(client, dbs, mailbox, version):
    _match(client, dbs, make_vat(72))
    page = page_text(client.get(CONFIRM))
    assert "Ho letto l'informativa" in page and "versione 2.1" in page
    response = submit(client, CONFIRM, {"privacy": "y", "email": "uffici@acme.example"})
    assert response.status_code == 302
    user = dbs.scalar(select(User).where(User.username == "005007"))
    row = dbs.scalar(select(PrivacyAcknowledgement))
    assert (row.user_id, row.version, row.context) == (user.id, "2.1", "registrazione")


@pytest.mark.parametrize("privacy", [None, "", "no"])
def test_the_confirmation_needs_the_acknowledgement(client, dbs, mailbox, privacy):
    _match(client, dbs, make_vat(73))
    data = {"email": "uffici@acme.example"} | ({"privacy": privacy} if privacy is not None else {})
    response = submit(client, CONFIRM, data)
    if privacy == "no":  # any value checks an HTML checkbox: only its absence means "not read"
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert "dichiarare di aver letto l'informativa privacy" in field_error(response, "privacy")
    assert dbs.count(User) == 0 and dbs.count(PrivacyAcknowledgement) == 0
    assert mailbox.to("uffici@acme.example") == []


def test_an_existing_account_stores_nothing_and_looks_the_same(client, dbs, mailbox, make_user):
    vat = make_vat(74)
    add_legacy(dbs, vat=vat)
    make_user(username="acme.legacy", email="titolare@acme.example")
    submit(
        client,
        "/registrazione/credenziali-legacy",
        {"vat_number": vat, "login": "acme.legacy", "password": LEGACY_PASSWORD},
    )
    response = submit(client, CONFIRM, {"privacy": "y", "email": "altro@example.com"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/registrazione/controlla-la-posta")
    assert dbs.count(PrivacyAcknowledgement) == 0


def test_i_miei_dati_records_the_current_version_once(client, dbs, make_user, version):
    user = make_user("operator")
    login(client, user.username)
    page = page_text(client.get("/i-miei-dati"))
    assert "Non risulta che tu abbia preso visione" in page and "La versione attuale è la 2.1." in page
    response = submit(client, "/i-miei-dati", {})
    assert response.status_code == 302
    rows = dbs.scalars(select(PrivacyAcknowledgement).where(PrivacyAcknowledgement.user_id == user.id))
    assert [(row.version, row.context) for row in rows] == [("2.1", "area_personale")]
    page = page_text(client.get("/i-miei-dati"))
    assert "Hai preso visione della versione 2.1" in page and "Ho letto l'informativa</button>" not in page
    response = submit(client, "/i-miei-dati", {}, page="/i-miei-dati", follow_redirects=True)
    assert "già preso visione della versione attuale" in page_text(response)
    assert dbs.count(PrivacyAcknowledgement) == 1


def test_a_new_version_asks_again(client, dbs, make_user, app, version):
    user = make_user("operator")
    login(client, user.username)
    submit(client, "/i-miei-dati", {})
    app.config["PRIVACY_NOTICE_VERSION"] = "3.0"
    page = page_text(client.get("/i-miei-dati"))
    assert "Hai preso visione della versione 2.1" in page and "La versione attuale è la 3.0." in page
    submit(client, "/i-miei-dati", {})
    versions = dbs.scalars(select(PrivacyAcknowledgement.version).order_by(PrivacyAcknowledgement.id))
    assert versions == ["2.1", "3.0"]

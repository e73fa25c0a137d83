"""Multi-factor log-in: enrolment, the code step, replay, lock-out, recovery codes, disabling, company rule."""

import re

import pytest
from sqlalchemy import select

from myportal.operators.models import Operator, User
from myportal.security.mfa import SecretError, decrypt_secret, encrypt_secret
from myportal.security.models import AuditEvent, RecoveryCode, UserSession
from tests.auth.conftest import totp_code, user_secret
from tests.conftest import DEFAULT_PASSWORD, csrf_from, login, submit

NEW_PASSWORD = "a brand new passphrase 42"
CODE_STEP = "/accedi/codice"
ENROL = "/verifica-due-passaggi/configura"
QR = "/verifica-due-passaggi/qr.svg"
SETTINGS = "/verifica-due-passaggi"


@pytest.fixture(autouse=True)
def _production_roles(mfa_roles):
    """Admin and support must use MFA in these tests."""


def _events(dbs, user_id, prefix=""):
    rows = dbs.scalars(select(AuditEvent).where(AuditEvent.user_id == user_id).order_by(AuditEvent.id))
    return [row for row in rows if row.event.startswith(prefix)]


def _enter_code(client, code, url=CODE_STEP):
    return submit(client, url, {"code": code})


def _shown_codes(html: str) -> list[str]:
    return re.findall(r"<code>([a-z2-9]{6}-[a-z2-9]{6})</code>", html)


def _enrol_from_settings(client, app, user):
    """Start and confirm enrolment as a logged-in user; return the recovery codes page."""
    assert submit(client, "/verifica-due-passaggi/attiva", {}, page=SETTINGS).status_code == 302
    return _enter_code(client, totp_code(app, user.id), ENROL)


# --- enrolment ----------------------------------------------------------------------------------------


def test_operator_enrols_with_qr_code_and_manual_secret(client, app, login_as, make_user, dbs):
    user = make_user()
    login_as(user)
    assert "Non attiva" in client.get(SETTINGS).get_data(as_text=True)
    assert client.get(QR).status_code == 404  # nothing being set up yet
    assert "Inizia" in client.get(ENROL).get_data(as_text=True)

    response = submit(client, "/verifica-due-passaggi/attiva", {}, page=SETTINGS)
    assert response.headers["Location"] == ENROL
    page = client.get(ENROL)
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    secret = user_secret(app, user.id)
    shown = re.search(r'<code id="mfa-secret">([A-Z2-7 ]+)</code>', html).group(1)
    assert shown.replace(" ", "") == secret
    assert f'src="{QR}"' in html
    stored = dbs.get(User, user.id).mfa_secret
    assert secret not in stored  # encrypted at rest

    qr = client.get(QR)
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "no-store"
    assert b"<svg" in qr.data

    wrong = _enter_code(client, "000000" if totp_code(app, user.id) != "000000" else "111111", ENROL)
    assert wrong.status_code == 200
    assert 'id="code-error"' in wrong.get_data(as_text=True)
    assert dbs.get(User, user.id).mfa_enabled_at is None

    done = _enter_code(client, totp_code(app, user.id), ENROL)
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = _shown_codes(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    hashes = dbs.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert dbs.get(User, user.id).mfa_enabled_at is not None
    assert [e.event for e in _events(dbs, user.id, "mfa.")] == ["mfa.failed", "mfa.enabled"]

    # never shown again
    assert client.get(QR).status_code == 404
    assert client.get(ENROL).headers["Location"] == SETTINGS
    settings = client.get(SETTINGS).get_data(as_text=True)
    assert secret not in settings and shown not in settings and codes[0] not in settings
    assert "10 su 10" in settings


def test_qr_code_only_for_the_user_mid_enrolment(client, app, login_as, make_user):
    user = make_user()
    login_as(user)
    submit(client, "/verifica-due-passaggi/attiva", {}, page=SETTINGS)
    assert client.get(QR).status_code == 200
    assert app.test_client().get(QR).status_code == 404
    other = app.test_client()
    login(other, make_user().username)
    assert other.get(QR).status_code == 404


def test_enrolment_code_bad_inputs(client, app, login_as, make_user, dbs):
    user = make_user()
    login_as(user)
    submit(client, "/verifica-due-passaggi/attiva", {}, page=SETTINGS)
    bad = (("", "Inserisci il codice"), ("x" * 40, "Codice non valido"), ("12ab56", "Codice non valido"))
    for value, message in bad:
        response = _enter_code(client, value, ENROL)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="code-error"' in html and message in html, value
    assert dbs.get(User, user.id).mfa_enabled_at is None


# --- the code step of log-in -----------------------------------------------------------------------------


def test_login_asks_for_the_code_after_the_password(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    response = login(client, user.username)
    assert response.headers["Location"] == CODE_STEP
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0
    assert 'autocomplete="one-time-code"' in client.get(CODE_STEP).get_data(as_text=True)

    response = _enter_code(client, totp_code(app, user.id))
    assert response.headers["Location"] == "/"
    assert client.get("/dati-anagrafici").status_code == 200
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 1
    success = _events(dbs, user.id, "login.success")[-1]
    assert success.details["mfa"] == "totp"


def test_half_logged_in_state_grants_nothing_else(client, app, make_user, enable_mfa, dbs):
    admin = make_user(role="admin")
    enable_mfa(admin)
    login(client, admin.username)
    for url in (
        "/",
        "/dati-anagrafici",
        "/admin/registro",
        "/admin/utenti",
        SETTINGS,
        "/cambio-password",
        "/no-such-page",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == CODE_STEP, url
    html = client.get(CODE_STEP).get_data(as_text=True)
    response = client.post("/cambio-password", data={"csrf_token": csrf_from(html), "current_password": "x"})
    assert response.headers["Location"] == CODE_STEP
    assert client.get(QR).status_code == 404
    # leaving the code step ends the state
    submit(client, "/esci", {}, page=CODE_STEP)
    assert client.get(CODE_STEP).headers["Location"] == "/accedi"
    assert client.get("/dati-anagrafici").headers["Location"].startswith("/accedi")


def test_a_code_is_accepted_only_once(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    code = totp_code(app, user.id)
    login(client, user.username)
    assert _enter_code(client, code).status_code == 302
    submit(client, "/esci", {}, page="/")
    login(client, user.username)
    replay = _enter_code(client, code)
    assert replay.status_code == 200
    assert "già usato" in replay.get_data(as_text=True)
    assert client.get("/dati-anagrafici").headers["Location"] == CODE_STEP
    assert _events(dbs, user.id, "mfa.failed")
    # the next code of the app works
    assert _enter_code(client, totp_code(app, user.id, steps_ahead=1)).status_code == 302


def test_wrong_codes_are_audited_and_lock_the_account(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    right = totp_code(app, user.id)
    wrong = "000000" if right != "000000" else "111111"
    threshold = app.config["LOCKOUT_THRESHOLD"]
    for _ in range(threshold - 1):
        page = _enter_code(client, wrong)
        assert page.status_code == 200 and 'id="code-error"' in page.get_data(as_text=True)
    last = _enter_code(client, wrong)
    assert last.headers["Location"] == "/accedi"
    assert "bloccato" in client.get("/accedi").get_data(as_text=True)
    assert dbs.get(User, user.id).is_locked()
    failures = _events(dbs, user.id, "mfa.failed")
    assert len(failures) == threshold
    assert _events(dbs, user.id, "login.locked")[-1].details["reason"] == "mfa"
    # the state is gone, and the right password is refused while locked
    assert client.get(CODE_STEP).headers["Location"] == "/accedi"
    assert "Credenziali non valide" in login(client, user.username).get_data(as_text=True)


def test_code_step_is_throttled(client, app, make_user, enable_mfa, monkeypatch):
    monkeypatch.setitem(app.config, "LOCKOUT_THRESHOLD", 1000)
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    html = client.get(CODE_STEP).get_data(as_text=True)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    codes = [
        client.post(CODE_STEP, data={"csrf_token": csrf_from(html), "code": "999999x"}).status_code
        for _ in range(limit + 1)
    ]
    assert codes[-1] == 429


def test_code_step_bad_inputs(client, app, make_user, enable_mfa):
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    for value, message in (("", "Inserisci il codice"), ("9" * 33, "Codice non valido"), ("<b>é</b>", "Codice")):
        response = _enter_code(client, value)
        assert response.status_code == 200, value
        html = response.get_data(as_text=True)
        assert 'id="code-error"' in html and message in html, value


def test_recovery_code_logs_in_once(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    codes = enable_mfa(user)
    login(client, user.username)
    assert _enter_code(client, codes[0].upper()).headers["Location"] == "/"
    used = _events(dbs, user.id, "mfa.recovery_used")
    assert len(used) == 1 and used[0].details["remaining"] == 9
    assert _events(dbs, user.id, "login.success")[-1].details["mfa"] == "recovery"
    submit(client, "/esci", {}, page="/")
    login(client, user.username)
    again = _enter_code(client, codes[0])
    assert again.status_code == 200 and "già usato" in again.get_data(as_text=True)
    assert _enter_code(client, codes[1]).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    old = enable_mfa(user)
    login(client, user.username)
    _enter_code(client, totp_code(app, user.id))
    bad = submit(client, "/verifica-due-passaggi/codici-di-recupero", {"regen-code": "123"}, page=SETTINGS)
    assert 'id="regen-code-error"' in bad.get_data(as_text=True)
    page = submit(
        client,
        "/verifica-due-passaggi/codici-di-recupero",
        {"regen-code": totp_code(app, user.id, steps_ahead=1)},
        page=SETTINGS,
    )
    new = _shown_codes(page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    submit(client, "/esci", {}, page="/")
    login(client, user.username)
    assert _enter_code(client, old[0]).status_code == 200
    assert _enter_code(client, new[0]).status_code == 302


# --- mandatory for admin and support ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "support"])
def test_staff_must_enrol_before_anything_else(client, app, make_user, dbs, role):
    staff = make_user(role=role)
    assert login(client, staff.username).headers["Location"] == CODE_STEP
    assert client.get(CODE_STEP).headers["Location"] == ENROL
    assert dbs.count(UserSession, UserSession.user_id == staff.id) == 0
    for url in ("/", "/supporto/ricerca", "/admin/registro", SETTINGS):
        assert client.get(url).headers["Location"] == CODE_STEP, url
    html = client.get(ENROL).get_data(as_text=True)
    assert "obbligatoria" in html
    assert client.get(QR).status_code == 200
    done = _enter_code(client, totp_code(app, staff.id), ENROL)
    assert len(_shown_codes(done.get_data(as_text=True))) == 10
    assert dbs.count(UserSession, UserSession.user_id == staff.id) == 1
    assert client.get("/").status_code == 200
    assert _events(dbs, staff.id, "login.success")[-1].details["mfa"] == "enrolment"
    # next time: password, then code
    submit(client, "/esci", {}, page="/")
    login(client, staff.username)
    assert client.get(CODE_STEP).status_code == 200
    assert _enter_code(client, totp_code(app, staff.id, steps_ahead=1)).status_code == 302


def test_logged_in_staff_without_mfa_can_reach_only_enrolment(client, app, make_user, monkeypatch):
    admin = make_user(role="admin")
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())
    login(client, admin.username)
    assert client.get("/admin/registro").status_code == 200
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("admin", "support"))
    assert client.get("/admin/registro").headers["Location"] == ENROL
    assert client.get(SETTINGS).headers["Location"] == ENROL
    started = submit(client, "/verifica-due-passaggi/attiva", {}, page=ENROL)
    assert started.headers["Location"] == ENROL
    _enter_code(client, totp_code(app, admin.id), ENROL)
    assert client.get("/admin/registro").status_code == 200


def test_staff_cannot_disable_mfa(client, app, make_user, enable_mfa, dbs):
    admin = make_user(role="admin")
    enable_mfa(admin)
    login(client, admin.username)
    _enter_code(client, totp_code(app, admin.id))
    assert "obbligatoria" in client.get(SETTINGS).get_data(as_text=True)
    response = submit(
        client,
        "/verifica-due-passaggi/disattiva",
        {"password": DEFAULT_PASSWORD, "code": totp_code(app, admin.id, 1)},
        page=SETTINGS,
    )
    assert response.status_code == 302
    assert "obbligatoria" in client.get(SETTINGS).get_data(as_text=True)
    assert dbs.get(User, admin.id).mfa_enabled_at is not None


# --- disabling -----------------------------------------------------------------------------------------


def test_disabling_needs_the_password_and_a_code(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    _enter_code(client, totp_code(app, user.id))
    url = "/verifica-due-passaggi/disattiva"

    empty = submit(client, url, {"password": "", "code": ""}, page=SETTINGS).get_data(as_text=True)
    assert 'id="password-error"' in empty and 'id="code-error"' in empty
    wrong_password = submit(
        client, url, {"password": "not my password", "code": totp_code(app, user.id, 1)}, page=SETTINGS
    ).get_data(as_text=True)
    assert 'id="password-error"' in wrong_password
    wrong_code = submit(client, url, {"password": DEFAULT_PASSWORD, "code": "12345"}, page=SETTINGS)
    assert 'id="code-error"' in wrong_code.get_data(as_text=True)
    assert dbs.get(User, user.id).mfa_enabled_at is not None

    done = submit(client, url, {"password": DEFAULT_PASSWORD, "code": totp_code(app, user.id, 1)}, page=SETTINGS)
    assert done.headers["Location"] == SETTINGS
    row = dbs.get(User, user.id)
    assert row.mfa_enabled_at is None and row.mfa_secret is None
    assert dbs.count(RecoveryCode, RecoveryCode.user_id == user.id) == 0
    assert _events(dbs, user.id, "mfa.disabled")
    submit(client, "/esci", {}, page="/")
    assert login(client, user.username).headers["Location"] == "/"


# --- password reset never bypasses the second factor ------------------------------------------------------


def test_password_reset_does_not_bypass_mfa(client, app, make_user, enable_mfa, mailbox, dbs):
    user = make_user(email="reset.mfa@example.com")
    enable_mfa(user)
    submit(client, "/password-dimenticata", {"username": user.username})
    link = mailbox.link("reset.mfa@example.com", "/reimposta-password/")
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/accedi"
    assert dbs.get(User, user.id).mfa_enabled_at is not None
    assert login(client, user.username, NEW_PASSWORD).headers["Location"] == CODE_STEP
    assert client.get("/dati-anagrafici").headers["Location"] == CODE_STEP
    assert _enter_code(client, totp_code(app, user.id)).status_code == 302


# --- the company's rule ----------------------------------------------------------------------------------


def test_operator_admin_requires_mfa_for_the_company(client, app, make_operator, make_user, enable_mfa, dbs):
    operator = make_operator()
    boss = make_user(role="operator_admin", operator=operator)
    colleague = make_user(operator=operator)
    outsider = make_user()
    login(client, boss.username)
    page = client.get("/utenti-aziendali").get_data(as_text=True)
    assert "Richiedi la verifica in due passaggi a tutti gli utenti dell'azienda" in page
    url = "/utenti-aziendali/verifica-due-passaggi"

    refused = submit(client, url, {"required": "y"}, page="/utenti-aziendali", follow_redirects=True)
    assert "Attiva prima la verifica in due passaggi" in refused.get_data(as_text=True)
    assert dbs.get(Operator, operator.id).mfa_required is False

    _enrol_from_settings(client, app, boss)
    response = submit(client, url, {"required": "y"}, page="/utenti-aziendali")
    assert response.headers["Location"] == "/utenti-aziendali"
    assert dbs.get(Operator, operator.id).mfa_required is True
    assert dbs.scalar(select(AuditEvent).where(AuditEvent.event == "mfa.company_required")).operator_id == operator.id
    assert "checked" in client.get("/utenti-aziendali").get_data(as_text=True)

    other = app.test_client()
    assert login(other, colleague.username).headers["Location"] == CODE_STEP
    assert other.get("/").headers["Location"] == CODE_STEP
    assert other.get(CODE_STEP).headers["Location"] == ENROL
    stranger = app.test_client()
    assert login(stranger, outsider.username).headers["Location"] == "/"

    submit(client, url, {}, page="/utenti-aziendali")
    assert dbs.get(Operator, operator.id).mfa_required is False
    assert dbs.scalar(select(AuditEvent).where(AuditEvent.event == "mfa.company_optional"))


def test_only_operator_admins_set_the_company_rule(client, make_user, login_as, no_mfa_roles):
    login_as(make_user())
    html = client.get("/").get_data(as_text=True)
    response = client.post("/utenti-aziendali/verifica-due-passaggi", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 403
    assert client.post("/utenti-aziendali/verifica-due-passaggi", data={"required": "y"}).status_code == 400


# --- the secret at rest -------------------------------------------------------------------------------------


def test_secret_is_encrypted_and_authenticated(app):
    with app.app_context():
        stored = encrypt_secret("JBSWY3DPEHPK3PXP")
        assert "JBSWY3DPEHPK3PXP" not in stored
        assert stored != encrypt_secret("JBSWY3DPEHPK3PXP")
        assert decrypt_secret(stored) == "JBSWY3DPEHPK3PXP"
        tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
        for bad in (tampered, "v2:!!!", "v1:" + stored[3:], "", "garbage"):
            with pytest.raises(SecretError):
                decrypt_secret(bad)


def test_wrong_codes_when_disabling_lock_and_end_every_session(client, app, make_user, enable_mfa, dbs):
    user = make_user()
    enable_mfa(user)
    login(client, user.username)
    _enter_code(client, totp_code(app, user.id))
    right = totp_code(app, user.id, 1)
    wrong = "000000" if right != "000000" else "111111"
    url = "/verifica-due-passaggi/disattiva"
    for _ in range(app.config["LOCKOUT_THRESHOLD"] - 1):
        page = submit(client, url, {"password": DEFAULT_PASSWORD, "code": wrong}, page=SETTINGS)
        assert 'id="code-error"' in page.get_data(as_text=True)
    last = submit(client, url, {"password": DEFAULT_PASSWORD, "code": wrong}, page=SETTINGS)
    assert last.headers["Location"] == "/accedi"
    assert dbs.get(User, user.id).is_locked()
    assert dbs.get(User, user.id).mfa_enabled_at is not None
    assert dbs.count(UserSession, UserSession.user_id == user.id) == 0
    assert client.get(SETTINGS).headers["Location"].startswith("/accedi")

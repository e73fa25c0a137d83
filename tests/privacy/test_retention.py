"""myportal purge: removes what is older than its retention period, prints the counts, and removes nothing
more when run again."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from myportal.models import utcnow
from myportal.privacy.models import PrivacyAcknowledgement
from myportal.registration.models import RegistrationRequest
from myportal.security.models import AuditEvent, Token, UserSession


def _purge(app, *args):
    result = app.test_cli_runner().invoke(args=["purge", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _request(session, status, decided_days_ago):
    now = utcnow()
    request = RegistrationRequest(
        status=status,
        username=f"richiedente.{status}.{decided_days_ago}",
        full_name="Rossi Anna",
        country="IT",
        company_role="Titolare",
        email="anna@example.com",
        mobile="+39 333 0000000",
        secret_question="pet",
        secret_answer_hash="x",
        person_kind="fisica",
        privacy_accepted_at=now,
        decided_at=now - timedelta(days=decided_days_ago),
    )
    session.add(request)
    session.flush()
    session.add(PrivacyAcknowledgement(registration_request_id=request.id, version="1.0", context="nuovo_utente"))
    return request


@pytest.fixture
def aged(dbs, make_user):
    """Rows on both sides of each retention limit (defaults: 365 days of log-ins, 730 of audit)."""
    user = make_user("operator")
    now = utcnow()
    with dbs.session() as session:
        for event, days in (
            ("login.success", 366),
            ("login.failed", 400),
            ("mfa.failed", 370),
            ("password.reset_unknown", 380),
            ("login.success", 364),
            ("ticket.opened", 400),
            ("ticket.opened", 731),
            ("registration.approved", 800),
            ("ticket.opened", 729),
        ):
            session.add(AuditEvent(event=event, user_id=user.id, created_at=now - timedelta(days=days)))
        session.add_all(
            [
                UserSession(
                    key_hash="a" * 64,
                    user_id=user.id,
                    created_at=now - timedelta(days=2),
                    last_seen_at=now - timedelta(days=2),
                ),
                UserSession(key_hash="b" * 64, user_id=user.id, created_at=now - timedelta(hours=13), last_seen_at=now),
                UserSession(key_hash="c" * 64, user_id=user.id, created_at=now, last_seen_at=now),
                Token(purpose="reset", token_hash="d" * 64, user_id=user.id, expires_at=now - timedelta(minutes=1)),
                Token(purpose="reset", token_hash="e" * 64, user_id=user.id, expires_at=now + timedelta(minutes=30)),
            ]
        )
        _request(session, "rejected", 731)
        _request(session, "rejected", 100)
        _request(session, "approved", 900)
    return user


def test_purge_removes_only_what_is_past_its_period_and_prints_the_counts(app, dbs, aged):
    output = _purge(app)
    assert "Storico degli accessi più vecchio di 365 giorni (LOGIN_HISTORY_RETENTION_DAYS): 4 rimossi." in output
    assert "Registro attività più vecchio di 730 giorni (AUDIT_RETENTION_DAYS): 2 rimossi." in output
    assert "Richieste di registrazione respinte da più di 730 giorni: 1 rimosso." in output
    assert "Sessioni scadute: 2 rimossi." in output
    assert "Link scaduti (attivazione, reimpostazione, conferma): 1 rimosso." in output
    left = dbs.scalars(select(AuditEvent.event).where(AuditEvent.user_id == aged.id).order_by(AuditEvent.event))
    assert left == ["login.success", "ticket.opened", "ticket.opened"]
    assert dbs.scalars(select(UserSession.key_hash)) == ["c" * 64]
    assert dbs.scalars(select(Token.token_hash)) == ["e" * 64]
    assert sorted(dbs.scalars(select(RegistrationRequest.status))) == ["approved", "rejected"]
    assert dbs.count(PrivacyAcknowledgement) == 2  # the removed request's acknowledgement went with it
    purged = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "privacy.purged"))
    assert purged.details == {"removed": 10}


def test_purge_is_idempotent(app, dbs, aged):
    _purge(app)
    events = dbs.count(AuditEvent)
    output = _purge(app)
    assert output.count(": 0 rimossi.") == 5
    assert dbs.count(AuditEvent) == events  # nothing removed, nothing audited


def test_dry_run_only_counts(app, dbs, aged):
    before = (dbs.count(AuditEvent), dbs.count(UserSession), dbs.count(Token), dbs.count(RegistrationRequest))
    output = _purge(app, "--dry-run")
    assert "Storico degli accessi più vecchio di 365 giorni (LOGIN_HISTORY_RETENTION_DAYS): 4 da rimuovere." in output
    assert (dbs.count(AuditEvent), dbs.count(UserSession), dbs.count(Token), dbs.count(RegistrationRequest)) == before


def test_the_periods_come_from_the_configuration(app, dbs, aged):
    previous = app.config["LOGIN_HISTORY_RETENTION_DAYS"], app.config["AUDIT_RETENTION_DAYS"]
    app.config["LOGIN_HISTORY_RETENTION_DAYS"], app.config["AUDIT_RETENTION_DAYS"] = 30, 3000
    try:
        output = _purge(app)
    finally:
        app.config["LOGIN_HISTORY_RETENTION_DAYS"], app.config["AUDIT_RETENTION_DAYS"] = previous
    assert "più vecchio di 30 giorni (LOGIN_HISTORY_RETENTION_DAYS): 5 rimossi." in output
    assert "più vecchio di 3000 giorni (AUDIT_RETENTION_DAYS): 0 rimossi." in output


def test_a_large_history_goes_in_batches(app, dbs, make_user, monkeypatch):
    from myportal.privacy import cli

    monkeypatch.setattr(cli, "BATCH", 7)
    user = make_user("operator")
    old = utcnow() - timedelta(days=1000)
    with dbs.session() as session:
        session.add_all(AuditEvent(event="login.failed", user_id=user.id, created_at=old) for _ in range(50))
    assert "(LOGIN_HISTORY_RETENTION_DAYS): 50 rimossi." in _purge(app)
    assert dbs.count(AuditEvent, AuditEvent.event == "login.failed") == 0

"""The development outbox as administrators read it."""

from datetime import timedelta

from myportal.models import utcnow
from myportal.notifications.models import OutboxMessage


def _message(dbs, recipient, subject, body, age_minutes=0):
    with dbs.session() as session:
        message = OutboxMessage(
            recipient=recipient,
            subject=subject,
            body=body,
            created_at=utcnow() - timedelta(minutes=age_minutes),
        )
        session.add(message)
        session.flush()
        return message


def test_empty_outbox_explains_smtp(client, login_as, make_user):
    login_as(make_user(role="admin"))
    page = client.get("/admin/posta").get_data(as_text=True)
    assert "Nessun messaggio" in page
    assert "MAIL_SERVER" in page


def test_list_newest_first_filter_and_detail(client, login_as, make_user, dbs):
    login_as(make_user(role="admin"))
    old = _message(dbs, "primo@example.com", "Attiva il tuo account", "Link: http://localhost/x", age_minutes=10)
    new = _message(dbs, "secondo@example.com", "Reimposta la password", "Gentile utente,\n<b>riga</b>")
    page = client.get("/admin/posta").get_data(as_text=True)
    assert page.index(new.subject) < page.index(old.subject)
    filtered = client.get("/admin/posta?recipient=PRIMO@").get_data(as_text=True)
    assert old.subject in filtered and new.subject not in filtered
    detail = client.get(f"/admin/posta/{new.id}").get_data(as_text=True)
    assert '<pre class="mail">Gentile utente,\n&lt;b&gt;riga&lt;/b&gt;</pre>' in detail
    assert "secondo@example.com" in detail

"""E-mail: queued while the transaction is open, sent over SMTP after it commits.

Without ``MAIL_SERVER`` (development) each message is printed to the console and kept in the outbox
that administrators can read, in the same transaction as the change that caused it.
"""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, g, has_request_context, render_template, url_for

from ..extensions import db
from .models import OutboxMessage

log = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """An absolute link for e-mails, built on PORTAL_BASE_URL."""
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + path


def portal_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` for e-mails, also outside a request (commands, cron jobs)."""
    if has_request_context():
        return absolute_url(url_for(endpoint, **values))
    with current_app.test_request_context("/"):
        return absolute_url(url_for(endpoint, **values))


def send_email(to: str, subject: str, template: str, **context) -> None:
    """Render ``templates/email/<template>.txt`` and queue it for ``to``."""
    body = render_template(f"email/{template}.txt", **context)
    if current_app.config["MAIL_SERVER"]:
        message = EmailMessage()
        message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="myportal.localhost")
        message.set_content(body)
        g.setdefault("pending_mail", []).append(message)
    elif current_app.config["MAIL_OUTBOX"]:
        db.session.add(OutboxMessage(recipient=to, subject=subject, body=body))
        print(f"--- e-mail to {to}: {subject}\n{body}\n---", flush=True)  # noqa: T201
    else:
        log.error("MAIL_SERVER is not set: e-mail to %s (%s) not sent", to, subject)


def drop_pending() -> None:
    g.pop("pending_mail", None)


def deliver_pending() -> None:
    """Send the queued messages; a failure is logged, never shown to the user as an error page."""
    messages = g.pop("pending_mail", [])
    if not messages:
        return
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in messages:
                smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        log.exception("could not deliver %d e-mail(s)", len(messages))

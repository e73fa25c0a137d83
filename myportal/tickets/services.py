"""Rules of tickets: opening, replies from both sides, state changes, lists and e-mail."""

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..notifications.services import absolute_url, send_email
from ..operators.models import User
from ..security.audit import audit
from .attachments import CheckedFile
from .models import CATEGORIES, STATES, Ticket, TicketAttachment, TicketMessage

DEFAULT_SUPPORT_EMAIL = "assistenza@myportal.localhost"


class TicketError(DomainError):
    """A refused ticket action."""


def support_email() -> str:
    return current_app.config.get("SUPPORT_EMAIL", DEFAULT_SUPPORT_EMAIL)


# --- queries --------------------------------------------------------------------------------------


def operator_tickets(operator_id: int, state: str | None = None):
    """The operator's tickets, most recently updated first."""
    statement = (
        select(Ticket)
        .options(joinedload(Ticket.created_by))
        .where(Ticket.operator_id == operator_id)
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    if state in STATES:
        statement = statement.where(Ticket.state == state)
    return statement


def staff_tickets(state: str | None = None, category: str | None = None):
    """Every ticket, with its operator and creator, most recently updated first."""
    statement = (
        select(Ticket)
        .options(joinedload(Ticket.operator), joinedload(Ticket.created_by))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    if state in STATES:
        statement = statement.where(Ticket.state == state)
    if category in CATEGORIES:
        statement = statement.where(Ticket.category == category)
    return statement


def load_conversation(ticket: Ticket) -> list[TicketMessage]:
    """The ticket's messages with authors and attachments (without the files' bytes), in order."""
    return list(
        db.session.scalars(
            select(TicketMessage)
            .options(joinedload(TicketMessage.author), selectinload(TicketMessage.attachments))
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(TicketMessage.id)
        )
    )


# --- changes --------------------------------------------------------------------------------------


def _add_message(ticket: Ticket, author: User, body: str, attachment: CheckedFile | None, *, from_staff: bool):
    now = utcnow()
    message = TicketMessage(ticket=ticket, author=author, body=body, from_staff=from_staff, created_at=now)
    if attachment is not None:
        message.attachments.append(
            TicketAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                data=attachment.data,
            )
        )
    ticket.updated_at = now
    db.session.add(message)
    db.session.flush()
    return message


def _staff_link(ticket: Ticket) -> str:
    return absolute_url(url_for("tickets.staff_detail", ticket_id=ticket.id))


def _tell_support(ticket: Ticket, user: User, body: str, subject: str, template: str) -> None:
    """E-mail the support desk what the operator's ``user`` wrote on ``ticket``, with the link to answer it."""
    send_email(support_email(), subject, template, ticket=ticket, user=user, body=body, link=_staff_link(ticket))


def open_ticket(user: User, *, category: str, subject: str, body: str, attachment: CheckedFile | None = None) -> Ticket:
    """A new ticket of the user's operator with its first message; the support desk is told by e-mail."""
    if user.operator_id is None:
        raise TicketError("Solo gli utenti di un operatore possono aprire un ticket.")
    if category not in CATEGORIES:
        raise TicketError("Categoria non valida.", field="category")
    now = utcnow()
    ticket = Ticket(
        operator_id=user.operator_id,
        created_by=user,
        category=category,
        subject=" ".join(subject.split()),  # one line: it also goes into e-mail subjects
        state="aperto",
        created_at=now,
        updated_at=now,
    )
    db.session.add(ticket)
    _add_message(ticket, user, body, attachment, from_staff=False)
    audit("ticket.opened", ticket, user=user, category=category, attachment=attachment.filename if attachment else None)
    _tell_support(ticket, user, body, f"Nuovo ticket n. {ticket.id}: {ticket.subject}", "ticket_opened")
    return ticket


def reply_as_operator(ticket: Ticket, user: User, body: str, attachment: CheckedFile | None = None):
    """A reply of the operator; it reopens a closed ticket and is e-mailed to the support desk."""
    message = _add_message(ticket, user, body, attachment, from_staff=False)
    previous = ticket.state
    if ticket.state == "chiuso":
        ticket.state = "aperto"
    audit("ticket.replied", ticket, user=user, message_id=message.id, previous_state=previous, state=ticket.state)
    _tell_support(ticket, user, body, f"Ticket n. {ticket.id}: nuova risposta dell'operatore", "ticket_operator_reply")
    return message


def reply_as_staff(
    ticket: Ticket,
    staff: User,
    body: str,
    attachment: CheckedFile | None = None,
    *,
    state: str = "in_lavorazione",
):
    """A reply of the support staff, e-mailed to the user who opened the ticket."""
    if state not in STATES:
        raise TicketError("Stato non valido.", field="state")
    message = _add_message(ticket, staff, body, attachment, from_staff=True)
    previous = ticket.state
    ticket.state = state
    audit(
        "ticket.staff_replied",
        ticket,
        user=staff,
        operator_id=ticket.operator_id,
        message_id=message.id,
        previous_state=previous,
        state=state,
    )
    creator = ticket.created_by
    if creator is not None and creator.email:
        send_email(
            creator.email,
            f"Risposta al tuo ticket n. {ticket.id}: {ticket.subject}",
            "ticket_staff_reply",
            ticket=ticket,
            user=creator,
            body=body,
            link=absolute_url(url_for("tickets.detail", ticket_id=ticket.id)),
        )
    return message


def close_ticket(ticket: Ticket, user: User) -> None:
    """The operator closes a ticket that no longer needs an answer."""
    if ticket.state == "chiuso":
        raise TicketError("Il ticket è già chiuso.")
    previous = ticket.state
    ticket.state = "chiuso"
    ticket.updated_at = utcnow()
    audit("ticket.closed", ticket, user=user, previous_state=previous)


def set_ticket_state(ticket: Ticket, staff: User, state: str) -> None:
    """The support staff moves a ticket to another state."""
    if state not in STATES:
        raise TicketError("Stato non valido.", field="new_state")
    if state == ticket.state:
        raise TicketError(f"Il ticket è già nello stato «{STATES[state]}».", field="new_state")
    previous = ticket.state
    ticket.state = state
    ticket.updated_at = utcnow()
    audit(
        "ticket.state_changed",
        ticket,
        user=staff,
        operator_id=ticket.operator_id,
        previous_state=previous,
        state=state,
    )


def attachment_viewed(attachment: TicketAttachment, user: User) -> None:
    audit("ticket.attachment_downloaded", attachment, user=user, operator_id=attachment.operator_id)

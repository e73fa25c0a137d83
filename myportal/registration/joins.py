"""Requests to join an operator: nobody becomes a user of a company that already has users unless someone of
that company (or the back office) says yes, and nobody takes over a company without users through an address
that is not the one on file unless that address (or the back office) says yes.

A registration by any path ends here (:func:`join_or_register`). The applicant has no account while the
request waits: there is nothing to log in to, so no page can show them the company's data by mistake, and a
refused request leaves nothing behind. The user is created, and the activation link sent, on approval.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager

from ..auth.services import send_activation
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import Operator, User, username_key
from ..operators.services import add_operator_user, mask_email, username_taken
from ..security.audit import audit
from ..security.models import AuditEvent, Token
from ..security.tokens import find_valid_token, issue_token
from .models import JOIN_STATES, JoinRequest, RegistrationRequest

ADDRESS_LINK_DAYS = 7
DECISIONS = ("approve", "refuse")
NOTE_MAX_LENGTH = 1000
# What a company's security page lists about who joined it, and how.
JOIN_EVENTS = (
    "registration.confirmed",
    "registration.approved",
    "join.requested",
    "join.approved",
    "join.refused",
    "user.invited",
)
JOIN_EVENT_LABELS = {
    "registration.confirmed": "Registrazione di un utente (nessun altro utente attivo)",
    "registration.approved": "Registrazione approvata da Terna",
    "join.requested": "Richiesta di adesione",
    "join.approved": "Richiesta di adesione approvata",
    "join.refused": "Richiesta di adesione rifiutata",
    "user.invited": "Invito di un collega",
}
JOIN_QUEUE_FILTERS = (*JOIN_STATES, "all")


class JoinError(DomainError):
    """A refused decision on a request to join."""


# --- who is there -------------------------------------------------------------------------------------


def has_active_users(operator: Operator) -> bool:
    return (
        db.session.scalar(select(User.id).where(User.operator_id == operator.id, User.status == "active").limit(1))
        is not None
    )


def company_admins(operator_id: int) -> list[User]:
    """The active company administrators of the operator: they decide on requests to join it."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.operator_id == operator_id, User.role == "operator_admin", User.status == "active")
            .order_by(User.id)
        )
    )


def open_join_with_username(username: str) -> JoinRequest | None:
    return db.session.scalar(
        select(JoinRequest)
        .where(JoinRequest.username_key == username_key(username), JoinRequest.status == "pending")
        .limit(1)
    )


# --- a registration arrives ---------------------------------------------------------------------------


def join_or_register(
    operator: Operator,
    *,
    path: str,
    reference: str,
    username: str,
    email: str,
    on_file_email: str | None,
    fiscal_code: str | None = None,
) -> User | None:
    """Where a registration of paths 1-3 goes: a request to the company's administrators when the operator has
    active users; a confirmation asked of the address on file when the address typed is another one; otherwise
    the pending user, its activation link sent to the address (the one on file, or the one typed when the
    record has none). Returns the user, or None when a request waits."""
    details = {"path": path, "reference": reference, "username": username, "email": email, "fiscal_code": fiscal_code}
    if has_active_users(operator):
        request_to_join(operator, decider="company", on_file_email=on_file_email, **details)
        return None
    if on_file_email and email.casefold() != on_file_email.casefold():
        request_to_join(operator, decider="address", on_file_email=on_file_email, **details)
        return None
    user = add_operator_user(
        operator, actor=None, username=username, email=email, status="pending", fiscal_code=fiscal_code
    )
    audit(
        "registration.confirmed",
        user,
        user=None,
        path=path,
        reference=reference,
        address="on_file" if on_file_email else "typed",
    )
    send_activation(user, actor=None)
    return user


def request_to_join(
    operator: Operator,
    *,
    decider: str,
    path: str,
    reference: str,
    username: str,
    email: str,
    on_file_email: str | None = None,
    full_name: str = "",
    fiscal_code: str | None = None,
    registration_request: RegistrationRequest | None = None,
    actor: User | None = None,
) -> JoinRequest:
    """A pending request to join ``operator``; whoever decides is told by e-mail, and so is the applicant."""
    join = JoinRequest(
        operator=operator,
        status="pending",
        decider=decider,
        path=path,
        reference=reference[:64],
        username=username.strip(),
        username_key=username_key(username),
        email=email,
        on_file_email=on_file_email,
        full_name=full_name or "",
        fiscal_code=fiscal_code,
        registration_request=registration_request,
    )
    db.session.add(join)
    db.session.flush()
    audit("join.requested", join, user=actor, path=path, decider=decider, username=join.username, email=email)
    if decider == "company":
        _ask_the_company(join)
    else:
        _ask_the_address_on_file(join)
    return join


def _email_company_admins(join: JoinRequest, subject: str, template: str, **context) -> None:
    for admin in company_admins(join.operator_id):
        send_email(admin.email, subject, template, admin=admin, join=join, **context)


def _ask_the_company(join: JoinRequest) -> None:
    _email_company_admins(
        join,
        gettext("MyPortal: richiesta di adesione per %(name)s", name=join.operator.name),
        "join_request_admins",
        link=portal_url("operators.join_request", join_id=join.id),
    )
    send_email(
        join.email,
        gettext("MyPortal: richiesta di adesione per %(name)s ricevuta", name=join.operator.name),
        "join_request_received",
        join=join,
    )


def _ask_the_address_on_file(join: JoinRequest) -> None:
    raw = issue_token("join_address", timedelta(days=ADDRESS_LINK_DAYS), join=join)
    send_email(
        join.on_file_email,
        gettext("Conferma la registrazione a MyPortal per %(name)s", name=join.operator.name),
        "join_address_confirm",
        join=join,
        link=portal_url("registration.confirm_address", token=raw),
        days=ADDRESS_LINK_DAYS,
    )
    send_email(
        join.email,
        gettext("Registrazione a MyPortal: serve una conferma"),
        "join_address_pending",
        join=join,
        masked_on_file=mask_email(join.on_file_email),
        days=ADDRESS_LINK_DAYS,
    )


def remind_open_join(join: JoinRequest) -> None:
    """The same record was registered again while its request waits: the applicant of the open request is told
    (on their own address), nothing else changes."""
    audit("join.repeated", join, user=None, path=join.path)
    send_email(
        join.email,
        gettext("MyPortal: la richiesta di adesione per %(name)s è ancora in attesa", name=join.operator.name),
        "join_request_repeated",
        join=join,
    )


# --- decisions ----------------------------------------------------------------------------------------


def _check_pending(join: JoinRequest) -> None:
    if join.status != "pending":
        raise JoinError(
            gettext(
                "La richiesta è già stata trattata (stato: %(state)s): nessuna modifica è stata fatta.",
                state=gettext(join.status_label).lower(),
            )
        )


def _check_decider(join: JoinRequest, actor: User | None, via: str) -> None:
    """The second line behind the route guards: who may decide by which way."""
    if via == "company":
        allowed = (
            actor is not None
            and join.decider == "company"
            and actor.role == "operator_admin"
            and actor.status == "active"
            and actor.operator_id == join.operator_id
        )
    elif via == "back_office":
        allowed = actor is not None and actor.role == "admin"
    else:
        allowed = actor is None and join.decider == "address"
    if not allowed:
        raise JoinError(gettext("Non puoi decidere su questa richiesta."))


def _clean_note(note: str | None, via: str) -> str | None:
    note = (note or "").strip() or None
    if via == "back_office" and note is None:
        raise JoinError(gettext("Indica il motivo della decisione: resta nel registro delle attività."), field="note")
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        raise JoinError(gettext("Al massimo %(n)d caratteri.", n=NOTE_MAX_LENGTH), field="note")
    return note


def _record_decision(join: JoinRequest, actor: User | None, via: str, status: str, note: str | None) -> None:
    now = utcnow()
    join.status = status
    join.decided_at = now
    join.decided_by = actor
    join.decided_via = via
    join.note = note
    for token in db.session.scalars(select(Token).where(Token.join_request_id == join.id, Token.used_at.is_(None))):
        token.used_at = now


def decide_join(join: JoinRequest, actor: User | None, decision: str, note: str | None = None, *, via: str):
    """Approve or refuse ``join``: by a company administrator (``via="company"``), the back office
    (``"back_office"``, a reason required for the audit log) or the holder of the address on file
    (``"address"``, ``actor`` None). Returns the new user when approved."""
    if decision not in DECISIONS:
        raise JoinError(gettext("Scegli se approvare o rifiutare la richiesta."), field="decision")
    _check_decider(join, actor, via)
    _check_pending(join)
    note = _clean_note(note, via)
    if decision == "approve":
        return _approve(join, actor, via, note)
    _refuse(join, actor, via, note)
    return None


def _approve(join: JoinRequest, actor: User | None, via: str, note: str | None) -> User:
    if username_taken(join.username):
        raise JoinError(
            gettext(
                "Il nome utente %(username)s è stato nel frattempo assegnato a un altro account: rifiuta la "
                "richiesta, il richiedente potrà registrarsi di nuovo con un altro nome.",
                username=join.username,
            )
        )
    application = join.registration_request
    if application is not None:
        fields = application.user_fields()
    else:
        fields = {"full_name": join.full_name, "fiscal_code": join.fiscal_code}
    if join.decider == "company":
        fields["role"] = "operator"  # the company's administrators give more rights themselves
    user = add_operator_user(
        join.operator, actor=actor, username=join.username, email=join.email, status="pending", **fields
    )
    if application is not None:
        application.user = user
    _record_decision(join, actor, via, "approved", note)
    join.user = user
    db.session.flush()
    audit("join.approved", join, user=actor, via=via, new_user_id=user.id, username=user.username, note=note)
    send_activation(
        user,
        actor=actor,
        template="join_approved",
        subject=gettext("MyPortal: richiesta di adesione per %(name)s approvata", name=join.operator.name),
        join=join,
        note=note if via != "back_office" else None,
    )
    if via == "back_office" and join.decider == "company":
        _tell_the_company(join)
    return user


def _refuse(join: JoinRequest, actor: User | None, via: str, note: str | None) -> None:
    _record_decision(join, actor, via, "refused", note)
    db.session.flush()
    audit("join.refused", join, user=actor, via=via, username=join.username, note=note)
    send_email(
        join.email,
        gettext("MyPortal: richiesta di adesione per %(name)s non approvata", name=join.operator.name),
        "join_refused",
        join=join,
        note=note if via != "back_office" else None,
        by_back_office=via == "back_office",
    )
    if via == "back_office" and join.decider == "company":
        _tell_the_company(join)


def _tell_the_company(join: JoinRequest) -> None:
    """The company's administrators hear of a decision the back office took in their place."""
    _email_company_admins(
        join,
        gettext("MyPortal: richiesta di adesione per %(name)s decisa da Terna", name=join.operator.name),
        "join_decided_by_terna",
    )


# --- the link sent to the address on file -------------------------------------------------------------


def join_by_address_token(raw: str) -> JoinRequest:
    """The request a link e-mailed to the address on file confirms, or JoinError when the link is not valid."""
    token = find_valid_token("join_address", raw)
    join = db.session.get(JoinRequest, token.join_request_id) if token and token.join_request_id else None
    if join is None or join.status != "pending":
        raise JoinError(gettext("Il link non è valido, è già stato usato oppure è scaduto."))
    return join


def decide_by_address(raw: str, decision: str) -> User | None:
    """The holder of the address on file approves or refuses; the link is used up either way."""
    return decide_join(join_by_address_token(raw), None, decision, via="address")


# --- lists --------------------------------------------------------------------------------------------


def pending_joins(operator_id: int) -> list[JoinRequest]:
    """The requests to join the operator that wait for its administrators, oldest first."""
    return list(
        db.session.scalars(
            select(JoinRequest)
            .where(
                JoinRequest.operator_id == operator_id,
                JoinRequest.status == "pending",
                JoinRequest.decider == "company",
            )
            .order_by(JoinRequest.created_at, JoinRequest.id)
        )
    )


def join_queue(state: str = "pending") -> Select:
    """Every request to join (the back office's queue), in ``state`` or "all", newest first, with its operator."""
    statement = (
        select(JoinRequest)
        .join(JoinRequest.operator)
        .options(contains_eager(JoinRequest.operator))
        .order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc())
    )
    if state != "all":
        statement = statement.where(JoinRequest.status == state)
    return statement


def company_join_events(operator: Operator, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events about who joined ``operator`` and how (requests, decisions, registrations,
    invitations), newest first: what the company's security page lists."""
    limit = max(1, min(int(limit), 500))
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.operator_id == operator.id, AuditEvent.event.in_(JOIN_EVENTS))
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )

"""Rules of the four registration paths and of the administrators' decisions on new-user requests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select

from ..auth.services import send_activation
from ..errors import DomainError
from ..extensions import db
from ..identifiers import CUSTOMER_CODE_RE, USERNAME_RE, parse_identifier
from ..models import utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import Operator, User, username_key
from ..operators.services import add_operator_user, get_or_create_operator, username_taken
from ..security.audit import audit
from ..security.models import Token
from ..security.passwords import hash_password, normalise_secret_answer, verify_password
from ..security.tokens import consume_token, find_valid_token, issue_token
from .joins import has_active_users, join_or_register, open_join_with_username, remind_open_join, request_to_join
from .models import CustomerRecord, GecoPractice, JoinRequest, LegacyCredential, RegistrationRequest

GENERIC_MISMATCH = (
    "I dati inseriti non corrispondono ai nostri archivi. Controllali e riprova; se il problema persiste "
    "chiama l'assistenza al numero verde 800.999.333."
)
USERNAME_UNAVAILABLE = "Nome utente non disponibile: scegline un altro."
INFO_LINK_DAYS = 7
SUGGESTIONS = 3
OPEN_STATES = ("pending", "info_requested")
PATHS = ("legacy", "geco", "customer")
PATH_MODELS = {"legacy": LegacyCredential, "geco": GecoPractice, "customer": CustomerRecord}


class RegistrationError(DomainError):
    """A refused registration step or decision on a new-user request."""


# --- paths 1-3: matching the imported records ----------------------------------------------------------


def _mismatch(path: str, **details) -> RegistrationError:
    audit("registration.mismatch", user=None, path=path, **details)
    return RegistrationError(GENERIC_MISMATCH)


def match_legacy_credentials(vat_number: str, login: str, password: str) -> LegacyCredential:
    """The legacy account with that login, Partita IVA and password; RegistrationError otherwise."""
    login = login.strip()
    credential = db.session.scalar(select(LegacyCredential).where(func.lower(LegacyCredential.login) == login.lower()))
    # One argon2 verification whether or not the login exists, so that timing tells nothing.
    password_ok = verify_password(credential.password_hash if credential else None, password)
    if credential is None or not password_ok or credential.vat_number != vat_number:
        raise _mismatch("legacy", vat_number=vat_number, attempted_login=login[:64])
    return credential


def match_geco_practice(vat_number: str, practice_id: str, requester_fiscal_code: str) -> GecoPractice:
    """The Ge.Co. practice with that id, Partita IVA and requester; RegistrationError otherwise."""
    practice = db.session.scalar(select(GecoPractice).where(GecoPractice.practice_id == practice_id))
    if (
        practice is None
        or practice.vat_number != vat_number
        or practice.requester_fiscal_code.upper() != requester_fiscal_code.upper()
    ):
        raise _mismatch("geco", vat_number=vat_number, practice_id=practice_id)
    return practice


def match_customer_record(customer_code: str, tax_code: str) -> CustomerRecord:
    """The customer with that code and codice fiscale or Partita IVA; RegistrationError otherwise."""
    record = db.session.scalar(select(CustomerRecord).where(CustomerRecord.customer_code == customer_code))
    if record is None or record.tax_code.upper() != tax_code.upper():
        raise _mismatch("customer", customer_code=customer_code)
    return record


@dataclass(frozen=True)
class Summary:
    """What the confirmation page shows ("Conferma registrazione") and what confirming creates."""

    path: str
    record_id: int
    name: str
    address: str
    email: str | None
    username: str | None  # None: the user chooses it (Ge.Co.)
    vat_number: str | None
    fiscal_code: str | None
    customer_code: str | None = None
    user_fiscal_code: str | None = None
    reference: str = ""  # what the company's administrators see of the proof: login, practice id, customer code

    @property
    def kind(self) -> str:
        return "fisica" if self.vat_number is None else "giuridica"


def matched_summary(path: str, record_id: int) -> Summary | None:
    """The summary of a record matched earlier in the session, or None if it no longer exists."""
    model = PATH_MODELS.get(path)
    record = db.session.get(model, record_id) if model is not None else None
    if record is None:
        return None
    common = {"path": path, "record_id": record.id, "name": record.company_name, "address": record.registered_address}
    if path == "legacy":
        return Summary(
            **common,
            email=record.email,
            username=record.login,
            vat_number=record.vat_number,
            fiscal_code=None,
            reference=record.login,
        )
    if path == "geco":
        return Summary(
            **common,
            email=record.requester_email,
            username=None,
            vat_number=record.vat_number,
            fiscal_code=None,
            user_fiscal_code=record.requester_fiscal_code,
            reference=record.practice_id,
        )
    natural = parse_identifier(record.tax_code).natural_person
    return Summary(
        **common,
        email=record.email,
        username=record.customer_code,
        vat_number=None if natural else record.tax_code,
        fiscal_code=record.tax_code if natural else None,
        customer_code=record.customer_code,
        user_fiscal_code=record.tax_code if natural else None,
        reference=record.customer_code,
    )


def _open_request_with_username(username: str, excluding: RegistrationRequest | None = None) -> bool:
    statement = select(RegistrationRequest.id).where(
        func.lower(RegistrationRequest.username) == username_key(username),
        RegistrationRequest.status.in_(OPEN_STATES),
    )
    if excluding is not None:
        statement = statement.where(RegistrationRequest.id != excluding.id)
    return db.session.scalar(statement.limit(1)) is not None


def _reserved(username: str) -> bool:
    """Names kept for other paths: six digits (customer codes) and the legacy logins."""
    key = username_key(username)
    if CUSTOMER_CODE_RE.match(key):
        return True
    return (
        db.session.scalar(select(LegacyCredential.id).where(func.lower(LegacyCredential.login) == key).limit(1))
        is not None
    )


def username_available(username: str, excluding: RegistrationRequest | None = None) -> bool:
    """Free among users, open new-user requests (but ``excluding``) and pending requests to join, and not
    reserved for another registration path. Never said to an anonymous visitor: the applicant hears it by
    e-mail."""
    return not (
        username_taken(username)
        or _open_request_with_username(username, excluding)
        or open_join_with_username(username) is not None
        or _reserved(username)
    )


def suggest_usernames(wanted: str, count: int = SUGGESTIONS) -> list[str]:
    """A few free names close to ``wanted`` (random suffixes, so that what is left out tells nothing)."""
    base = (wanted or "utente").strip()[:58].rstrip("._-@") or "utente"
    found: list[str] = []
    for _attempt in range(count * 5):
        candidate = f"{base}.{secrets.randbelow(900) + 100}"
        if USERNAME_RE.match(candidate) and candidate not in found and username_available(candidate):
            found.append(candidate)
            if len(found) == count:
                break
    return found


def _operator_for(summary: Summary) -> Operator:
    if summary.customer_code:
        holder = db.session.scalar(select(Operator).where(Operator.customer_code == summary.customer_code))
        if holder is not None:
            return holder
    return get_or_create_operator(
        actor=None,
        name=summary.name,
        vat_number=summary.vat_number,
        fiscal_code=summary.fiscal_code,
        registered_address=summary.address,
        kind=summary.kind,
        customer_code=summary.customer_code,
    )


def notify_existing_account(user: User, path: str) -> None:
    """Tell the owner of an existing account (on its own address) that someone tried to register it again."""
    audit("registration.existing_account", user, user=None, path=path)
    if user.status == "pending":
        send_activation(user, actor=None)
        return
    send_email(
        user.email,
        "Esiste già un account MyPortal",
        "registration_existing_account",
        user=user,
        reset_link=portal_url("auth.forgot_password"),
    )


def confirm_registration(summary: Summary, email: str, username: str | None = None) -> User | None:
    """Confirm a matched record: the pending user with its activation link, or a request that waits (see
    :func:`myportal.registration.joins.join_or_register`). Returns the user, or None.

    Whatever happened, the visitor is told the same thing ("check your mail"): an account that already exists
    is not disclosed (its owner gets a notice), and a chosen user name that is not free is said by e-mail to
    the address typed, with free alternatives."""
    if summary.username is not None:
        username = summary.username
        existing = db.session.scalar(select(User).where(User.username_key == username_key(username)))
        if existing is not None:
            notify_existing_account(existing, summary.path)
            return None
        waiting = open_join_with_username(username)
        if waiting is not None:
            remind_open_join(waiting)
            return None
    elif not username or not username_available(username):
        offer_other_usernames(summary, email, username or "")
        return None
    operator = _operator_for(summary)
    on_file = summary.email or operator.email
    return join_or_register(
        operator,
        path=summary.path,
        reference=summary.reference,
        username=username,
        email=email,
        on_file_email=on_file,
        fiscal_code=summary.user_fiscal_code,
    )


def offer_other_usernames(summary: Summary, email: str, wanted: str) -> None:
    """The chosen name is not free: the address typed gets free alternatives and the way back to the form."""
    audit("registration.username_unavailable", user=None, path=summary.path, attempted_username=wanted[:64])
    send_email(
        email,
        gettext("Registrazione a MyPortal: scegli un altro nome utente"),
        "registration_username_unavailable",
        wanted=wanted,
        name=summary.name,
        suggestions=suggest_usernames(wanted),
        link=portal_url(f"registration.{summary.path}"),
    )


# --- path 4: new-user requests -------------------------------------------------------------------------

REQUEST_FIELDS = (
    "full_name",
    "fiscal_code",
    "country",
    "company_role",
    "email",
    "phone",
    "mobile",
    "person_kind",
    "vat_number",
    "company_name",
)


def _request_details(details: dict) -> dict:
    values = {name: details.get(name) for name in REQUEST_FIELDS}
    for name in ("phone", "fiscal_code", "vat_number", "company_name"):
        values[name] = (values[name] or "").strip() or None
    if values["person_kind"] != "giuridica":
        values["vat_number"] = None
        values["company_name"] = None
    return values


def submit_registration_request(
    *, username: str, secret_question: str, secret_answer: str, **details
) -> RegistrationRequest:
    """A new-user request awaiting approval; the applicant gets an acknowledgement e-mail.

    A user name that is not free is accepted all the same (the page must not tell a visitor which names
    exist): the e-mail says so and carries a link to choose another one, with free suggestions."""
    username = username.strip()
    available = username_available(username)
    request = RegistrationRequest(
        status="pending",
        username=username,
        secret_question=secret_question,
        secret_answer_hash=hash_password(normalise_secret_answer(secret_answer)),
        privacy_accepted_at=utcnow(),
        **_request_details(details),
    )
    db.session.add(request)
    db.session.flush()
    audit(
        "registration.requested",
        request,
        user=None,
        username=username,
        person_kind=request.person_kind,
        username_available=available,
    )
    context = {}
    if not available:
        raw = issue_token("username", timedelta(days=INFO_LINK_DAYS), request=request)
        context = {
            "username_link": portal_url("registration.choose_username", token=raw),
            "suggestions": suggest_usernames(username),
            "days": INFO_LINK_DAYS,
        }
    send_email(
        request.email,
        "Richiesta di registrazione ricevuta",
        "registration_request_received",
        application=request,
        **context,
    )
    return request


def request_by_username_token(raw: str) -> RegistrationRequest:
    """The open request a link to choose another user name belongs to, or RegistrationError."""
    token = find_valid_token("username", raw)
    request = db.session.get(RegistrationRequest, token.request_id) if token and token.request_id else None
    if request is None or request.status not in OPEN_STATES:
        raise RegistrationError(gettext("Il link non è valido, è già stato usato oppure è scaduto."))
    return request


def choose_username(raw: str, username: str) -> RegistrationRequest:
    """The applicant, through the link e-mailed to them, replaces a user name that was not free."""
    request = request_by_username_token(raw)
    username = (username or "").strip()
    if username_key(username) == username_key(request.username) or not username_available(username, request):
        raise RegistrationError(USERNAME_UNAVAILABLE, field="username")
    previous = request.username
    request.username = username
    consume_token(find_valid_token("username", raw))
    audit("registration.username_changed", request, user=None, previous=previous, username=username)
    return request


def username_conflict(request: RegistrationRequest) -> bool:
    """Whether an open request's user name is no longer (or was never) free: shown to the administrators."""
    return request.status in OPEN_STATES and not username_available(request.username, request)


def _check_open(request: RegistrationRequest) -> None:
    if request.status not in OPEN_STATES:
        raise RegistrationError(f"La richiesta è già stata trattata (stato: {request.status_label}).")


def _decide(request: RegistrationRequest, admin: User, status: str) -> None:
    request.status = status
    request.decided_at = utcnow()
    request.decided_by = admin


def approve_registration(request: RegistrationRequest, admin: User) -> User | JoinRequest:
    """Create (or link) the operator and the pending user of ``request``, and send the activation link; for an
    operator that already has active users, a request to join it instead, which its administrators decide."""
    _check_open(request)
    if not username_available(request.username, request):
        raise RegistrationError(
            "Il nome utente della richiesta non è disponibile (è assegnato a un altro account o a un'altra "
            "richiesta): il richiedente ha ricevuto un link per sceglierne un altro, oppure chiedigli altre "
            "informazioni.",
            field="username",
        )
    if request.person_kind == "giuridica":
        if not request.vat_number:
            raise RegistrationError(
                "La richiesta di una persona giuridica non indica la Partita IVA.", field="vat_number"
            )
        operator = get_or_create_operator(
            actor=admin,
            name=request.company_name or request.full_name,
            vat_number=request.vat_number,
            kind="giuridica",
        )
    else:
        if not request.fiscal_code:
            raise RegistrationError(
                "La richiesta di una persona fisica non indica il codice fiscale.", field="fiscal_code"
            )
        operator = get_or_create_operator(
            actor=admin,
            name=request.full_name,
            fiscal_code=request.fiscal_code,
            kind="fisica",
        )
    if has_active_users(operator):
        return _join_instead(request, admin, operator)
    user = add_operator_user(
        operator,
        actor=admin,
        username=request.username,
        email=request.email,
        status="pending",
        **request.user_fields(),
    )
    _decide(request, admin, "approved")
    request.user = user
    request.operator = operator
    _close_info_tokens(request)
    db.session.flush()
    audit("registration.approved", request, user=admin, operator_id=operator.id, new_user_id=user.id)
    send_activation(user, actor=admin)
    return user


def _join_instead(request: RegistrationRequest, admin: User, operator: Operator) -> JoinRequest:
    """Terna vouched for the applicant; the company, which already uses the portal, decides on the join."""
    _decide(request, admin, "approved")
    request.operator = operator
    _close_info_tokens(request)
    join = request_to_join(
        operator,
        decider="company",
        path="new_user",
        reference=str(request.id),
        username=request.username,
        email=request.email,
        full_name=request.full_name,
        fiscal_code=request.fiscal_code,
        registration_request=request,
        actor=admin,
    )
    audit("registration.approved", request, user=admin, operator_id=operator.id, join_request_id=join.id)
    return join


def reject_registration(request: RegistrationRequest, admin: User, reason: str) -> None:
    """Refuse ``request``; the applicant gets the reason by e-mail."""
    reason = (reason or "").strip()
    if not reason:
        raise RegistrationError("Indica il motivo del rifiuto: sarà inviato al richiedente.", field="reason")
    _check_open(request)
    _decide(request, admin, "rejected")
    request.admin_message = reason
    _close_info_tokens(request)
    db.session.flush()
    audit("registration.rejected", request, user=admin)
    send_email(
        request.email,
        "Richiesta di registrazione respinta",
        "registration_rejected",
        application=request,
        reason=reason,
    )


def request_more_information(request: RegistrationRequest, admin: User, message: str) -> None:
    """Ask the applicant for more information; the e-mail carries a link to complete the request."""
    message = (message or "").strip()
    if not message:
        raise RegistrationError(
            "Scrivi quali informazioni servono: il testo sarà inviato al richiedente.", field="message"
        )
    _check_open(request)
    request.status = "info_requested"
    request.admin_message = message
    raw = issue_token("info", timedelta(days=INFO_LINK_DAYS), request=request)
    audit("registration.info_requested", request, user=admin)
    send_email(
        request.email,
        "Richiesta di registrazione: servono altre informazioni",
        "registration_info_requested",
        application=request,
        message=message,
        link=portal_url("registration.complete", token=raw),
        days=INFO_LINK_DAYS,
    )


def _close_info_tokens(request: RegistrationRequest) -> None:
    now: datetime = utcnow()
    for token in db.session.scalars(
        select(Token).where(
            Token.request_id == request.id, Token.purpose.in_(("info", "username")), Token.used_at.is_(None)
        )
    ):
        token.used_at = now


def request_by_info_token(raw: str) -> tuple[Token, RegistrationRequest]:
    """(token, request) of a valid link to complete a request, or RegistrationError."""
    token = find_valid_token("info", raw)
    request = db.session.get(RegistrationRequest, token.request_id) if token and token.request_id else None
    if request is None or request.status != "info_requested":
        raise RegistrationError("Il link non è valido, è già stato usato oppure è scaduto.")
    return token, request


def complete_registration_request(raw: str, reply: str, **details) -> RegistrationRequest:
    """The applicant's corrections and reply: the request goes back to the administrators' queue."""
    token, request = request_by_info_token(raw)
    reply = (reply or "").strip()
    if not reply:
        raise RegistrationError("Scrivi una risposta per gli amministratori.", field="reply")
    for name, value in _request_details(details).items():
        setattr(request, name, value)
    request.applicant_reply = reply
    request.status = "pending"
    consume_token(token)
    audit("registration.completed", request, user=None)
    return request

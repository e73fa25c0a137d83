"""Rules about operators and their users: company data, contact details, company users."""

from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import delete, func, select

from ..errors import DomainError
from ..extensions import db
from ..identifiers import IdentifierError, clean_email, clean_vat
from ..notifications.services import absolute_url, send_email
from ..security.access import OPERATOR
from ..security.accounts import disable_account, enable_account
from ..security.audit import audit
from ..security.models import Token
from ..security.passwords import hash_password, password_problem
from ..security.tokens import consume_token, digest, find_valid_token, issue_token
from .contact_models import PendingEmailChange
from .models import ROLE_LABELS, Operator, User, username_key


class AccountError(DomainError):
    """A refusal about a user's own data or the company's users."""


def find_operator(*, vat_number: str | None = None, fiscal_code: str | None = None) -> Operator | None:
    """The operator with that Partita IVA or, failing that, that codice fiscale."""
    if vat_number:
        return db.session.scalar(select(Operator).where(Operator.vat_number == vat_number))
    if fiscal_code:
        return db.session.scalar(
            select(Operator).where(Operator.fiscal_code == fiscal_code).order_by(Operator.id).limit(1)
        )
    return None


def get_or_create_operator(
    *,
    actor: User | None,
    name: str,
    vat_number: str | None = None,
    fiscal_code: str | None = None,
    registered_address: str = "",
    kind: str = "giuridica",
    customer_code: str | None = None,
    email: str | None = None,
) -> Operator:
    """The operator identified by ``vat_number`` (or ``fiscal_code``), created by ``actor`` when missing."""
    operator = find_operator(vat_number=vat_number, fiscal_code=None if vat_number else fiscal_code)
    if operator is None:
        operator = Operator(
            name=name,
            vat_number=vat_number,
            fiscal_code=fiscal_code,
            registered_address=registered_address,
            kind=kind,
            email=email,
        )
        db.session.add(operator)
        audit("operator.created", operator, user=actor)
    if customer_code and operator.customer_code is None:
        operator.customer_code = customer_code
    db.session.flush()
    return operator


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username_key == username_key(username))) is not None


def add_operator_user(
    operator: Operator, *, actor: User | None, username: str, email: str, status: str = "pending", **fields
) -> User:
    """A new user of ``operator``, created by ``actor`` (None: a visitor registering, or a command); the
    operator's first user becomes its ``operator_admin``."""
    if username_taken(username):
        raise AccountError("Nome utente non disponibile: scegline un altro.", field="username")
    has_users = db.session.scalar(select(User.id).where(User.operator_id == operator.id).limit(1)) is not None
    user = User(
        operator=operator,
        username=username.strip(),
        username_key=username_key(username),
        email=email,
        role=fields.pop("role", None) or ("operator" if has_users else "operator_admin"),
        status=status,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    audit("user.created", user, user=actor, operator_id=operator.id, role=user.role)
    return user


def create_user(
    *,
    role: str,
    username: str,
    email: str,
    password: str,
    operator_vat: str | None = None,
    full_name: str = "",
) -> User:
    """An active user with a password (``myportal users create``, demo data)."""
    problem = password_problem(password, username=username)
    if problem:
        raise AccountError(problem, field="password")
    try:
        email = clean_email(email)
    except IdentifierError as error:
        raise AccountError(str(error), field="email") from error
    if username_taken(username):
        raise AccountError(f"User name {username!r} is already taken.", field="username")
    fields = {"full_name": full_name, "password_hash": hash_password(password), "status": "active"}
    if role in OPERATOR:
        if not operator_vat:
            raise AccountError("--operator VAT is required for operator users.", field="operator")
        try:
            vat = clean_vat(operator_vat)
        except IdentifierError as error:
            raise AccountError(str(error), field="operator") from error
        operator = find_operator(vat_number=vat)
        if operator is None:
            raise AccountError(f"No operator with Partita IVA {vat}.", field="operator")
        return add_operator_user(operator, actor=None, username=username, email=email, role=role, **fields)
    if operator_vat:
        raise AccountError("Support and admin users do not belong to an operator.", field="operator")
    user = User(username=username.strip(), username_key=username_key(username), email=email, role=role, **fields)
    db.session.add(user)
    db.session.flush()
    audit("user.created", user, user=None, role=role)
    return user


# --- Dati anagrafici: contact details and e-mail change -------------------------------------------

EMAIL_CHANGE_HOURS = 24
INVALID_LINK = "Il link non è valido, è già stato usato oppure è scaduto."


def update_contact_details(user: User, *, phone: str | None, mobile: str | None, fax: str | None) -> list[str]:
    """Set the user's telephone numbers and fax; return the names of the fields that changed."""
    changed = []
    for name, value in (("phone", phone or None), ("mobile", mobile or None), ("fax", fax or None)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if changed:
        audit("profile.contacts_updated", user, user=user, fields=changed)
    return changed


def mask_email(address: str) -> str:
    """``m***@example.com``: enough to recognise an address without disclosing it whole."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def request_email_change(user: User, new_email: str) -> None:
    """Send a confirmation link to ``new_email`` and a notice to the current address; change nothing yet."""
    if new_email.casefold() == (user.email or "").casefold():
        raise AccountError("È già l'indirizzo e-mail del tuo account.", field="email")
    raw = issue_token("email_change", timedelta(hours=EMAIL_CHANGE_HOURS), user=user)
    token_id = db.session.scalar(select(Token.id).where(Token.token_hash == digest(raw)))
    db.session.execute(delete(PendingEmailChange).where(PendingEmailChange.user_id == user.id))
    db.session.add(PendingEmailChange(user_id=user.id, token_id=token_id, new_email=new_email))
    send_email(
        new_email,
        "Conferma il nuovo indirizzo e-mail di MyPortal",
        "profile_email_confirm",
        user=user,
        new_email=new_email,
        link=absolute_url(url_for("operators.confirm_email", token=raw)),
        hours=EMAIL_CHANGE_HOURS,
    )
    send_email(
        user.email,
        "Richiesta di modifica dell'indirizzo e-mail di MyPortal",
        "profile_email_notice",
        user=user,
        masked_email=mask_email(new_email),
    )
    audit("profile.email_change_requested", user, user=user, new_email=new_email)


def pending_email_change(raw: str) -> tuple[PendingEmailChange, User]:
    """The change a link confirms and its user, or AccountError when the link is not valid."""
    token = find_valid_token("email_change", raw)
    pending = None
    if token is not None:
        pending = db.session.scalar(select(PendingEmailChange).where(PendingEmailChange.token_id == token.id))
    if pending is None:
        raise AccountError(INVALID_LINK)
    user = db.session.get(User, pending.user_id)
    if user is None or user.status == "disabled":
        raise AccountError("L'account è disabilitato: contatta l'assistenza.")
    return pending, user


def confirm_email_change(raw: str) -> User:
    """Apply the e-mail change the link confirms; the link cannot be used again."""
    pending, user = pending_email_change(raw)
    consume_token(db.session.get(Token, pending.token_id))
    previous = user.email
    user.email = pending.new_email
    db.session.delete(pending)
    audit("profile.email_changed", user, user=user, previous=previous, email=user.email)
    send_email(user.email, "Indirizzo e-mail di MyPortal aggiornato", "profile_email_changed", user=user)
    return user


def change_request_prefill(user: User) -> dict:
    """Category, subject and message of a ticket asking to correct the other data."""
    operator = user.operator
    rows = []
    if operator is not None:
        rows += [
            ("Denominazione", operator.name),
            ("Tipo", "Persona giuridica" if operator.kind == "giuridica" else "Persona fisica"),
            ("Partita IVA", operator.vat_number),
            ("Codice fiscale", operator.fiscal_code),
            ("Codice cliente", operator.customer_code),
            ("Residenza/Sede", operator.registered_address),
        ]
    rows += [
        ("Nome utente", user.username),
        ("Cognome e Nome", user.full_name),
        ("Codice fiscale dell'utente", user.fiscal_code),
        ("Nazione", user.country),
        ("Ruolo aziendale", user.company_role),
        ("E-mail", user.email),
        ("Telefono fisso", user.phone),
        ("Cellulare", user.mobile),
        ("Fax", user.fax),
    ]
    current = "\n".join(f"- {label}: {value or '—'}" for label, value in rows)
    message = (
        "Chiedo la modifica dei seguenti dati anagrafici.\n\n"
        f"Dati attuali:\n{current}\n\n"
        "Dati corretti (indicare solo quelli da modificare):\n- \n"
    )
    return {
        "category": "dati_anagrafici",
        "subject": "Richiesta di modifica dei dati anagrafici",
        "message": message,
    }


# --- Company users --------------------------------------------------------------------------------


def company_users(operator_id: int):
    """The statement listing an operator's users, by user name."""
    return select(User).where(User.operator_id == operator_id).order_by(User.username, User.id)


def send_invitation(user: User, inviter: User) -> None:
    """E-mail ``user`` a single-use link, valid ACTIVATION_HOURS, to choose a password."""
    hours = current_app.config["ACTIVATION_HOURS"]
    raw = issue_token("activation", timedelta(hours=hours), user=user)
    send_email(
        user.email,
        f"Invito a MyPortal per {user.operator.name}",
        "invite_colleague",
        user=user,
        inviter=inviter,
        operator=user.operator,
        link=absolute_url(url_for("auth.activate", token=raw)),
        hours=hours,
    )


def invite_colleague(admin: User, *, full_name: str, email: str, role: str, username: str) -> User:
    """A pending user of the admin's operator, invited by e-mail to choose a password."""
    if role not in OPERATOR:
        raise AccountError("Ruolo non valido.", field="role")
    user = add_operator_user(
        admin.operator, actor=admin, username=username, email=email, role=role, full_name=full_name, status="pending"
    )
    send_invitation(user, admin)
    audit("user.invited", user, user=admin, operator_id=admin.operator_id, role=role)
    return user


def resend_invitation(admin: User, user: User) -> None:
    if user.status != "pending":
        raise AccountError(f"L'utente {user.username} ha già attivato l'account o è disabilitato.")
    send_invitation(user, admin)
    audit("user.invitation_resent", user, user=admin, operator_id=user.operator_id)


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.operator_id == user.operator_id,
            User.role == "operator_admin",
            User.status == "active",
            User.id != user.id,
        )
    )


def _keeps_an_admin(user: User) -> None:
    if user.role == "operator_admin" and user.status == "active" and _other_active_admins(user) == 0:
        raise AccountError("L'azienda deve avere almeno un amministratore aziendale attivo.")


def disable_colleague(admin: User, user: User) -> int:
    """Disable a colleague and end every session of theirs; return how many sessions ended."""
    return disable_account(user, admin, rule=_keeps_an_admin)


def enable_colleague(admin: User, user: User) -> None:
    """Enable a disabled colleague: active with a password, otherwise pending activation."""
    enable_account(user, admin)


def change_colleague_role(admin: User, user: User, role: str) -> None:
    """Make a colleague an operator or an operator_admin."""
    if role not in OPERATOR:
        raise AccountError("Ruolo non valido.", field="role")
    if role == user.role:
        raise AccountError(f"L'utente {user.username} ha già il ruolo «{ROLE_LABELS[role]}».")
    if user.id == admin.id:
        raise AccountError("Non puoi togliere a te stesso il ruolo di amministratore aziendale.")
    _keeps_an_admin(user)
    previous = user.role
    user.role = role
    audit("user.role_changed", user, user=admin, operator_id=user.operator_id, previous=previous, role=role)

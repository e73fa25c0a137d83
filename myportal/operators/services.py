"""Rules about operators and their users."""

from sqlalchemy import func, select

from ..extensions import db
from ..registration.models import RegistrationRequest
from ..security.audit import audit
from .models import Operator, User, username_key


def home_figures(user: User) -> dict:
    """The live figures of the home page's tiles for ``user``'s role."""
    if user.role == "admin":
        pending = db.session.scalar(
            select(func.count()).select_from(RegistrationRequest).where(RegistrationRequest.status == "pending")
        )
        return {"pending_requests": pending}
    if user.operator_id is not None:
        users = db.session.scalar(
            select(func.count()).select_from(User).where(User.operator_id == user.operator_id)
        )
        return {"company_users": users}
    return {}


class UserCreationError(Exception):
    """A user that cannot be created; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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
    name: str,
    vat_number: str | None = None,
    fiscal_code: str | None = None,
    registered_address: str = "",
    kind: str = "giuridica",
    customer_code: str | None = None,
    email: str | None = None,
) -> Operator:
    """The operator identified by ``vat_number`` (or ``fiscal_code``), created when missing."""
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
        audit("operator.created", operator)
    if customer_code and operator.customer_code is None:
        operator.customer_code = customer_code
    db.session.flush()
    return operator


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username_key == username_key(username))) is not None


def add_operator_user(operator: Operator, *, username: str, email: str, status: str = "pending", **fields) -> User:
    """A new user of ``operator``; the operator's first user becomes its ``operator_admin``."""
    if username_taken(username):
        raise UserCreationError("Nome utente non disponibile: scegline un altro.", field="username")
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
    audit("user.created", user, operator_id=operator.id, role=user.role)
    return user


def create_user(
    *, role: str, username: str, email: str, password: str, operator_vat: str | None = None, full_name: str = ""
) -> User:
    """An active user with a password (``myportal users create``, demo data)."""
    from ..identifiers import IdentifierError, clean_email, clean_vat
    from ..security.passwords import hash_password, password_problem

    problem = password_problem(password, username=username)
    if problem:
        raise UserCreationError(problem, field="password")
    try:
        email = clean_email(email)
    except IdentifierError as error:
        raise UserCreationError(str(error), field="email") from error
    if username_taken(username):
        raise UserCreationError(f"User name {username!r} is already taken.", field="username")
    fields = {"full_name": full_name, "password_hash": hash_password(password), "status": "active"}
    if role in ("operator", "operator_admin"):
        if not operator_vat:
            raise UserCreationError("--operator VAT is required for operator users.", field="operator")
        try:
            vat = clean_vat(operator_vat)
        except IdentifierError as error:
            raise UserCreationError(str(error), field="operator") from error
        operator = find_operator(vat_number=vat)
        if operator is None:
            raise UserCreationError(f"No operator with Partita IVA {vat}.", field="operator")
        return add_operator_user(operator, username=username, email=email, role=role, **fields)
    if operator_vat:
        raise UserCreationError("Support and admin users do not belong to an operator.", field="operator")
    user = User(username=username.strip(), username_key=username_key(username), email=email, role=role, **fields)
    db.session.add(user)
    db.session.flush()
    audit("user.created", user, role=role)
    return user

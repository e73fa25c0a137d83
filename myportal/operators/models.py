"""Operators (companies or natural persons) and their users."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin, as_utc, utcnow

ROLES = ("operator", "operator_admin", "support", "admin")
ROLE_LABELS = {
    "operator": "Operatore",
    "operator_admin": "Amministratore aziendale",
    "support": "Assistenza",
    "admin": "Amministratore Terna",
}
USER_STATES = ("pending", "active", "disabled")
USER_STATE_LABELS = {"pending": "In attesa di attivazione", "active": "Attivo", "disabled": "Disabilitato"}


class Operator(TimestampMixin, Base):
    """A company (persona giuridica) or natural person (persona fisica) of the electricity sector."""

    __tablename__ = "operators"
    __table_args__ = (
        CheckConstraint("kind IN ('giuridica', 'fisica')", name="kind"),
        CheckConstraint("vat_number IS NOT NULL OR fiscal_code IS NOT NULL", name="identified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="giuridica")
    name: Mapped[str] = mapped_column(String(200))
    vat_number: Mapped[str | None] = mapped_column(String(11), unique=True, index=True)
    fiscal_code: Mapped[str | None] = mapped_column(String(16), index=True)
    customer_code: Mapped[str | None] = mapped_column(String(6), unique=True, index=True)
    registered_address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    # Every user of the company must log in with a second factor (set by its operator_admin).
    mfa_required: Mapped[bool] = mapped_column(default=False, server_default=false())

    users: Mapped[list[User]] = relationship(back_populates="operator", order_by="User.username")

    @property
    def identifier(self) -> str:
        return self.vat_number or self.fiscal_code or ""


class User(UserMixin, TimestampMixin, Base):
    """A person who logs in: a user of an operator, or Terna-side staff (support, admin)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint(f"status IN {USER_STATES}", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    username_key: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    fiscal_code: Mapped[str | None] = mapped_column(String(16), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    company_role: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    mobile: Mapped[str | None] = mapped_column(String(30))
    fax: Mapped[str | None] = mapped_column(String(30))
    secret_question: Mapped[str | None] = mapped_column(String(20))
    secret_answer_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="operator")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    previous_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # TOTP second factor: the secret, encrypted (security/mfa.py); enabled once confirmed by a code.
    mfa_secret: Mapped[str | None] = mapped_column(String(200))
    mfa_enabled_at: Mapped[datetime | None]
    mfa_last_counter: Mapped[int | None]  # time step of the last accepted code: no replay

    operator: Mapped[Operator | None] = relationship(back_populates="users")

    # The server-side session key Flask-Login keeps in the cookie; set when a session starts or loads.
    session_key = None

    def get_id(self) -> str | None:
        return self.session_key

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def status_label(self) -> str:
        return USER_STATE_LABELS.get(self.status, self.status)

    def is_locked(self, now: datetime | None = None) -> bool:
        locked_until = as_utc(self.locked_until)
        return locked_until is not None and locked_until > (now or utcnow())

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None


def username_key(username: str) -> str:
    """The case-insensitive form under which user names are unique."""
    return username.strip().casefold()

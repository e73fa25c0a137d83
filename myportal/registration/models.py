"""Records the registration paths check, and the new-user requests administrators approve."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin
from ..operators.models import Operator, User


class LegacyCredential(TimestampMixin, Base):
    """An account of the legacy "Portale Procedure Informatiche Terna" (password kept only as a hash)."""

    __tablename__ = "legacy_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    vat_number: Mapped[str] = mapped_column(String(11), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    registered_address: Mapped[str] = mapped_column(String(300))
    password_hash: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))


class GecoPractice(TimestampMixin, Base):
    """A Ge.Co. request for connection to the national transmission grid (RTN)."""

    __tablename__ = "geco_practices"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(20), unique=True)
    vat_number: Mapped[str] = mapped_column(String(11), index=True)
    requester_fiscal_code: Mapped[str] = mapped_column(String(16))
    requester_email: Mapped[str | None] = mapped_column(String(254))
    company_name: Mapped[str] = mapped_column(String(200))
    registered_address: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(50))


class CustomerRecord(TimestampMixin, Base):
    """A customer of the billing system: the six-digit code printed on every invoice."""

    __tablename__ = "customer_records"
    __table_args__ = (CheckConstraint("length(customer_code) = 6", name="customer_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(6), unique=True)
    tax_code: Mapped[str] = mapped_column(String(16), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    registered_address: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(254))


REQUEST_STATES = ("pending", "info_requested", "approved", "rejected")
REQUEST_STATE_LABELS = {
    "pending": "In attesa di approvazione",
    "info_requested": "Informazioni richieste",
    "approved": "Approvata",
    "rejected": "Respinta",
}
SECRET_QUESTIONS = {
    "school": "Qual è il nome della tua scuola elementare?",
    "pet": "Qual è il nome del tuo primo animale domestico?",
    "city": "In quale città sono nati i tuoi genitori?",
}


class RegistrationRequest(TimestampMixin, Base):
    """The new-user form ("Non dispongo/ricordo le credenziali"), awaiting an administrator."""

    __tablename__ = "registration_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATES}", name="status"),
        CheckConstraint("person_kind IN ('fisica', 'giuridica')", name="person_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    username: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    fiscal_code: Mapped[str | None] = mapped_column(String(16), index=True)
    country: Mapped[str] = mapped_column(String(2))
    company_role: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    mobile: Mapped[str] = mapped_column(String(30))
    secret_question: Mapped[str] = mapped_column(String(20))
    secret_answer_hash: Mapped[str] = mapped_column(String(200))
    person_kind: Mapped[str] = mapped_column(String(10))
    vat_number: Mapped[str | None] = mapped_column(String(11), index=True)
    company_name: Mapped[str | None] = mapped_column(String(200))
    privacy_accepted_at: Mapped[datetime]
    admin_message: Mapped[str | None] = mapped_column(Text)
    applicant_reply: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="SET NULL"), index=True)

    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    operator: Mapped[Operator | None] = relationship()

    @property
    def status_label(self) -> str:
        return REQUEST_STATE_LABELS.get(self.status, self.status)

    @property
    def display_name(self) -> str:
        return self.company_name if self.person_kind == "giuridica" and self.company_name else self.full_name

    def user_fields(self) -> dict:
        """What the applicant's user account takes from the request once it is approved."""
        return {
            name: getattr(self, name)
            for name in (
                "full_name",
                "fiscal_code",
                "country",
                "company_role",
                "phone",
                "mobile",
                "secret_question",
                "secret_answer_hash",
            )
        }


JOIN_STATES = ("pending", "approved", "refused")
JOIN_STATE_LABELS = {"pending": "In attesa di decisione", "approved": "Approvata", "refused": "Rifiutata"}
JOIN_PATHS = ("legacy", "geco", "customer", "new_user")
JOIN_PATH_LABELS = {
    "legacy": "Credenziali del Portale Procedure Informatiche",
    "geco": "Pratica Ge.Co.",
    "customer": "Codice cliente",
    "new_user": "Modulo per i nuovi utenti, approvato da Terna",
}
# Who is asked: the company's administrators, or the address on file when the company has no active user
# (the back office may decide either).
JOIN_DECIDERS = ("company", "address")
JOIN_DECIDED_VIA = ("company", "back_office", "address")


class JoinRequest(TimestampMixin, Base):
    """A request to join an operator: nobody becomes its user until it is approved.

    Made by a registration (any path) for an operator that already has active users, decided by the company's
    administrators; or for an operator without users when the address typed differs from the one on file,
    decided by that address. The back office can decide any of them. The user is created on approval."""

    __tablename__ = "join_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {JOIN_STATES}", name="status"),
        CheckConstraint(f"path IN {JOIN_PATHS}", name="path"),
        CheckConstraint(f"decider IN {JOIN_DECIDERS}", name="decider"),
        CheckConstraint(f"decided_via IS NULL OR decided_via IN {JOIN_DECIDED_VIA}", name="decided_via"),
        Index("ix_join_requests_operator_status", "operator_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decider: Mapped[str] = mapped_column(String(10), default="company")
    path: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64))  # legacy login, practice id, customer code, request id
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(254))
    on_file_email: Mapped[str | None] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    fiscal_code: Mapped[str | None] = mapped_column(String(16))
    registration_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration_requests.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_via: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    operator: Mapped[Operator] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    registration_request: Mapped[RegistrationRequest | None] = relationship()

    @property
    def status_label(self) -> str:
        return JOIN_STATE_LABELS.get(self.status, self.status)

    @property
    def path_label(self) -> str:
        return JOIN_PATH_LABELS.get(self.path, self.path)

"""Acknowledgements of the privacy notice and requests to close an account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, one_of, utcnow
from ..operators.models import User

# The texts a visitor acknowledges (the notice's version comes from PRIVACY_NOTICE_VERSION).
DOCUMENTS = {"informativa": "Informativa privacy"}
# Where an acknowledgement was given: the form that recorded it.
CONTEXTS = {
    "registrazione": "Registrazione (percorsi 1-3)",
    "nuovo_utente": "Modulo nuovo utente",
    "area_personale": "I miei dati",
}


class PrivacyAcknowledgement(Base):
    """One "I have read the notice" of a user (or of a new-user request, before the user exists): which text,
    which version, when and in which form. Kept after an account is closed, as the proof the notice was given."""

    __tablename__ = "privacy_acknowledgements"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR registration_request_id IS NOT NULL", name="subject"),
        CheckConstraint(f"document IN {one_of(DOCUMENTS)}", name="document"),
        CheckConstraint(f"context IN {one_of(CONTEXTS)}", name="context"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    registration_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration_requests.id", ondelete="CASCADE"), index=True
    )
    document: Mapped[str] = mapped_column(String(20), default="informativa")
    version: Mapped[str] = mapped_column(String(40))
    context: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def context_label(self) -> str:
        return CONTEXTS.get(self.context, self.context)


CLOSURE_STATES = {
    "in_attesa": "In attesa",
    "eseguita": "Account chiuso",
    "respinta": "Respinta",
    "ritirata": "Ritirata",
}


class ClosureRequest(Base):
    """A user's request to close their account, decided by the back office."""

    __tablename__ = "account_closure_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {one_of(CLOSURE_STATES)}", name="state"),
        # One open request per user, enforced by the database.
        Index(
            "uq_account_closure_requests_open",
            "user_id",
            unique=True,
            sqlite_where=text("state = 'in_attesa'"),
            postgresql_where=text("state = 'in_attesa'"),
        ),
        Index("ix_account_closure_requests_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="in_attesa")
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def state_label(self) -> str:
        return CLOSURE_STATES.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state == "in_attesa"

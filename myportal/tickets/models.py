"""Tickets: a conversation between an operator's users and the support staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, sql_list, utcnow
from ..operators.models import Operator, User

CATEGORIES = {
    "fatturazione": "Fatturazione",
    "contratti": "Contratti",
    "misure": "Misure",
    "dati_anagrafici": "Dati anagrafici",
    "accesso": "Accesso al portale",
    "altro": "Altro",
}
STATES = {"aperto": "Aperto", "in_lavorazione": "In lavorazione", "chiuso": "Chiuso"}
OPEN_STATES = ("aperto", "in_lavorazione")


class Ticket(Base):
    """A request of an operator, answered by the support staff."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"state IN {sql_list(STATES)}", name="state"),
        CheckConstraint(f"category IN {sql_list(CATEGORIES)}", name="category"),
        Index("ix_tickets_operator_updated", "operator_id", "updated_at"),
        Index("ix_tickets_state_updated", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="aperto")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator: Mapped[Operator] = relationship()
    created_by: Mapped[User | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TicketMessage(Base):
    """One message of a ticket's conversation, from the operator or from the staff."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_staff: Mapped[bool] = mapped_column(default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="message", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )


class TicketAttachment(Base):
    """A file attached to a message, kept in the database (at most a few megabytes)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    message: Mapped[TicketMessage] = relationship(back_populates="attachments")

    @property
    def operator_id(self) -> int:
        """The owner, for the scoped loader: the operator of the attachment's ticket."""
        return self.message.ticket.operator_id

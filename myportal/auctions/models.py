"""Auctions and competitive procedures, operators' enrolments and their documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin, as_utc, sql_list, utcnow
from ..operators.models import Operator, User

PROCEDURE_TYPES = {
    "capacity_madre": "Mercato della capacità – asta madre",
    "capacity_aggiustamento": "Mercato della capacità – asta di aggiustamento",
    "ccc_annuale": "Diritti CCC – asta annuale",
    "ccc_mensile": "Diritti CCC – asta mensile",
    "macse": "MACSE – capacità di stoccaggio",
    "altro": "Altra procedura competitiva",
}
ENROLMENT_STATES = {
    "inviata": "Inviata",
    "approvata": "Approvata",
    "respinta": "Respinta",
    "ritirata": "Ritirata",
}
WINDOW_LABELS = {
    "aperta": "Iscrizioni aperte",
    "prossima": "Di prossima apertura",
    "chiusa": "Iscrizioni chiuse",
}


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class Auction(TimestampMixin, Base):
    """A procedure published by the administrators, with its enrolment window (UTC)."""

    __tablename__ = "auctions"
    __table_args__ = (
        CheckConstraint(f"procedure_type IN {sql_list(PROCEDURE_TYPES)}", name="procedure_type"),
        CheckConstraint("closes_at > opens_at", name="window"),
        CheckConstraint("delivery_end >= delivery_start", name="delivery"),
        CheckConstraint("minimum_guarantee >= 0", name="minimum_guarantee"),
        Index("ix_auctions_published_closes_at", "published", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    procedure_type: Mapped[str] = mapped_column(String(30))
    product: Mapped[str] = mapped_column(String(200), default="")
    delivery_start: Mapped[date]
    delivery_end: Mapped[date]
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    declarations: Mapped[str] = mapped_column(Text, default="")
    required_documents: Mapped[str] = mapped_column(Text, default="")
    minimum_guarantee: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship()

    @property
    def type_label(self) -> str:
        return PROCEDURE_TYPES.get(self.procedure_type, self.procedure_type)

    @property
    def declaration_list(self) -> list[str]:
        return _lines(self.declarations)

    @property
    def document_list(self) -> list[str]:
        return _lines(self.required_documents)

    def window(self, now: datetime | None = None) -> str:
        """aperta, prossima or chiusa."""
        now = now or utcnow()
        if now < as_utc(self.opens_at):
            return "prossima"
        if now >= as_utc(self.closes_at):
            return "chiusa"
        return "aperta"

    @property
    def window_label(self) -> str:
        return WINDOW_LABELS[self.window()]

    @property
    def is_open(self) -> bool:
        return self.window() == "aperta"


class Enrolment(Base):
    """An operator's enrolment in a procedure: one per operator and procedure, enforced by the database."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("auction_id", "operator_id", name="uq_enrolments_auction_operator"),
        CheckConstraint(f"state IN {sql_list(ENROLMENT_STATES)}", name="state"),
        Index("ix_enrolments_operator_id", "operator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id", ondelete="CASCADE"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default="inviata")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]

    auction: Mapped[Auction] = relationship()
    operator: Mapped[Operator] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    documents: Mapped[list[EnrolmentDocument]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan", order_by="EnrolmentDocument.id"
    )

    @property
    def state_label(self) -> str:
        return ENROLMENT_STATES.get(self.state, self.state)


class EnrolmentDocument(Base):
    """A PDF uploaded for one of the procedure's required documents."""

    __tablename__ = "enrolment_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    requirement: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="documents")

    @property
    def operator_id(self) -> int:
        return self.enrolment.operator_id

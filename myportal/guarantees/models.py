"""Financial guarantees of an operator, its exposure and the expiry notices already sent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import dates
from ..contracts.models import Contract
from ..models import Base, TimestampMixin, sql_list, utcnow
from ..operators.models import Operator, User

GUARANTEE_TYPES = {
    "fideiussione_bancaria": "Fideiussione bancaria",
    "fideiussione_assicurativa": "Fideiussione assicurativa",
    "deposito_cauzionale": "Deposito cauzionale",
    "parent_company": "Parent company guarantee",
    "rating": "Rating",
}
DEPOSIT = "deposito_cauzionale"
GUARANTEE_STATES = {
    "attiva": "Attiva",
    "in_scadenza": "In scadenza",
    "scaduta": "Scaduta",
    "escussa": "Escussa",
    "svincolata": "Svincolata",
}
# Stored states in which a guarantee covers the exposure (between valid_from and valid_to).
COVERING_STATES = ("attiva", "in_scadenza")
# Stored states the administrator sets by hand and that dates never change.
FINAL_STATES = ("scaduta", "escussa", "svincolata")
EXPIRY_WARNING_DAYS = 30


class Guarantee(TimestampMixin, Base):
    """A guarantee lodged by an operator: surety, deposit, parent company guarantee or rating."""

    __tablename__ = "guarantees"
    __table_args__ = (
        CheckConstraint(f"guarantee_type IN {sql_list(GUARANTEE_TYPES)}", name="guarantee_type"),
        CheckConstraint(f"state IN {sql_list(GUARANTEE_STATES)}", name="state"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("valid_to >= valid_from", name="validity"),
        CheckConstraint("length(currency) = 3", name="currency"),
        Index("ix_guarantees_operator_valid_to", "operator_id", "valid_to"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    reference: Mapped[str] = mapped_column(String(50))
    guarantee_type: Mapped[str] = mapped_column(String(30))
    issuer: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), default="attiva")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    operator: Mapped[Operator] = relationship()
    contract: Mapped[Contract | None] = relationship()

    @property
    def type_label(self) -> str:
        return GUARANTEE_TYPES.get(self.guarantee_type, self.guarantee_type)

    def effective_state(self, today: date | None = None) -> str:
        """The state as shown: past ``valid_to`` it is scaduta, within 30 days in scadenza."""
        if self.state in FINAL_STATES:
            return self.state
        today = today or dates.today()
        if today > self.valid_to:
            return "scaduta"
        if self.valid_to <= today + timedelta(days=EXPIRY_WARNING_DAYS):
            return "in_scadenza"
        return self.state

    @property
    def shown_state(self) -> str:
        return self.effective_state()

    @property
    def shown_state_label(self) -> str:
        return GUARANTEE_STATES[self.shown_state]

    @property
    def state_label(self) -> str:
        return GUARANTEE_STATES.get(self.state, self.state)


class Exposure(Base):
    """The operator's exposure as of a date; the current one is the latest row."""

    __tablename__ = "exposures"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        Index("ix_exposures_operator_as_of", "operator_id", "as_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    as_of: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator: Mapped[Operator] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class GuaranteeNotice(Base):
    """An expiry notice sent for a guarantee at a threshold (days before expiry): at most one each."""

    __tablename__ = "guarantee_notices"
    __table_args__ = (
        UniqueConstraint("guarantee_id", "threshold_days", name="uq_guarantee_notices_guarantee_threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guarantee_id: Mapped[int] = mapped_column(ForeignKey("guarantees.id", ondelete="CASCADE"))
    threshold_days: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

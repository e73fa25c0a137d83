"""Invoices (fatture) and their lines."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..contracts.models import SupplyPoint
from ..models import Base, TimestampMixin

UNITS = ("kWh", "kW", "mese", "€")


class Invoice(TimestampMixin, Base):
    """An invoice of an operator, optionally for one supply point; amounts are computed from its lines.

    ``max_power_kw`` is the highest quantity among the lines in kW (the billed power), kept on the invoice
    so that "Prelievi fatturati" is one aggregate query.
    """

    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("period_end >= period_start", name="period"),
        CheckConstraint("due_date >= issue_date", name="due_date"),
        CheckConstraint("length(customer_code) = 6", name="customer_code"),
        CheckConstraint("consumption_kwh >= 0", name="consumption"),
        CheckConstraint("max_power_kw IS NULL OR max_power_kw >= 0", name="max_power"),
        # The list's look-up paths; the first also serves every look-up by operator_id alone.
        Index("ix_invoices_operator_date", "operator_id", "issue_date", "id"),
        Index("ix_invoices_operator_point_date", "operator_id", "supply_point_id", "issue_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    supply_point_id: Mapped[int | None] = mapped_column(ForeignKey("supply_points.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issue_date: Mapped[date]
    customer_code: Mapped[str] = mapped_column(String(6))
    period_start: Mapped[date]
    period_end: Mapped[date]
    consumption_kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=Decimal("0"))
    max_power_kw: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    taxable_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_date: Mapped[date]
    paid: Mapped[bool] = mapped_column(default=False)
    paid_at: Mapped[datetime | None]

    supply_point: Mapped[SupplyPoint | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        order_by="InvoiceLine.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def pdf_filename(self) -> str:
        """``fattura-2024-000123.pdf``: the number, characters other than ``A-Za-z0-9.-`` replaced."""
        return "fattura-" + re.sub(r"[^A-Za-z0-9.-]", "-", self.number) + ".pdf"


class InvoiceLine(Base):
    """One line of an invoice: energy by band, power, system charges, excise..."""

    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_position"),
        CheckConstraint("unit IN ('kWh', 'kW', 'mese', '€')", name="unit"),
        CheckConstraint("vat_rate >= 0 AND vat_rate <= 100", name="vat_rate"),
        CheckConstraint("position >= 1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(4))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")

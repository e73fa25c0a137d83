"""GSTAT: the operators' plants and their monthly production and consumption reports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin, sql_list
from ..operators.models import Operator, User

SOURCES = {
    "hydro": "Idroelettrico",
    "thermal": "Termoelettrico",
    "wind": "Eolico",
    "solar": "Fotovoltaico",
    "geothermal": "Geotermoelettrico",
    "storage": "Accumulo",
}
FUEL_UNITS = {"Sm3": "Sm³ (gas naturale)", "t": "t (tonnellate)", "kg": "kg", "l": "litri"}
STATES = ("bozza", "inviato")
STATE_LABELS = {"bozza": "Bozza", "inviato": "Inviato"}
ENERGY = Numeric(14, 3)


class Plant(TimestampMixin, Base):
    """A production plant (or storage) of an operator, identified by its GAUDÌ code."""

    __tablename__ = "gstat_plants"
    __table_args__ = (
        CheckConstraint(f"source IN {sql_list(SOURCES)}", name="source"),
        CheckConstraint("capacity_mw > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    gaudi_code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    capacity_mw: Mapped[Decimal] = mapped_column(Numeric(10, 3))

    operator: Mapped[Operator] = relationship()

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def is_thermal(self) -> bool:
        return self.source == "thermal"


_CURRENT = text("is_current")


class MonthlyReport(TimestampMixin, Base):
    """One revision of a plant's monthly figures, in MWh; a correction after submission is a new revision."""

    __tablename__ = "gstat_reports"
    __table_args__ = (
        UniqueConstraint("plant_id", "year", "month", "revision", name="uq_gstat_reports_revision"),
        Index("ix_gstat_reports_operator_period", "operator_id", "year", "month"),
        Index("ix_gstat_reports_period", "year", "month"),
        # At most one current revision per plant and month.
        Index(
            "uq_gstat_reports_current",
            "plant_id",
            "year",
            "month",
            unique=True,
            sqlite_where=_CURRENT,
            postgresql_where=_CURRENT,
        ),
        CheckConstraint(f"state IN {STATES}", name="state"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        CheckConstraint("revision >= 1", name="revision"),
        CheckConstraint(
            "gross_production_mwh >= 0 AND net_production_mwh >= 0 AND auxiliary_consumption_mwh >= 0 "
            "AND pumping_consumption_mwh >= 0",
            name="not_negative",
        ),
        CheckConstraint("net_production_mwh <= gross_production_mwh", name="net_not_above_gross"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plant_id: Mapped[int] = mapped_column(ForeignKey("gstat_plants.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    year: Mapped[int]
    month: Mapped[int]
    revision: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(10), default="bozza")
    gross_production_mwh: Mapped[Decimal] = mapped_column(ENERGY)
    net_production_mwh: Mapped[Decimal] = mapped_column(ENERGY)
    auxiliary_consumption_mwh: Mapped[Decimal] = mapped_column(ENERGY)
    pumping_consumption_mwh: Mapped[Decimal] = mapped_column(ENERGY)
    fuel_type: Mapped[str | None] = mapped_column(String(10))
    fuel_quantity: Mapped[Decimal | None] = mapped_column(ENERGY)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    is_current: Mapped[bool] = mapped_column(default=True)

    plant: Mapped[Plant] = relationship()
    submitted_by: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def is_submitted(self) -> bool:
        return self.state == "inviato"

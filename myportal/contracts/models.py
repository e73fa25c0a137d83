"""Supply points (punti di fornitura) and contracts of an operator."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin, utcnow
from ..operators.models import Operator

VOLTAGE_LEVELS = {
    "BT": "Bassa tensione",
    "MT": "Media tensione",
    "AT": "Alta tensione",
    "AAT": "Altissima tensione",
}
CONTRACT_TYPES = {
    "dispacciamento": "Dispacciamento",
    "trasmissione": "Trasmissione",
    "connessione": "Connessione",
    "fornitura": "Fornitura",
    "interrompibilita": "Interrompibilità",
}
CONTRACT_STATES = {"in_attivazione": "In attivazione", "attivo": "Attivo", "cessato": "Cessato"}
READING_SOURCES = {"autolettura": "Autolettura", "distributore": "Distributore"}
# Above this contracted power the meter reading includes the maximum power (kW).
POWER_READING_THRESHOLD_KW = Decimal("16.5")


class SupplyPoint(TimestampMixin, Base):
    """A point of delivery (POD) with its technical data ("Dati tecnici")."""

    __tablename__ = "supply_points"
    __table_args__ = (
        CheckConstraint("voltage_level IN ('BT', 'MT', 'AT', 'AAT')", name="voltage_level"),
        CheckConstraint("contracted_power_kw >= 0 AND available_power_kw >= 0", name="power"),
        Index("ix_supply_points_operator_pod", "operator_id", "pod"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    pod: Mapped[str] = mapped_column(String(15), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(5))
    city: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(2))
    voltage_level: Mapped[str] = mapped_column(String(3), default="BT")
    voltage_v: Mapped[int] = mapped_column(default=400)
    phases: Mapped[int] = mapped_column(default=3)
    contracted_power_kw: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    available_power_kw: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    meter_serial: Mapped[str] = mapped_column(String(30))
    meter_type: Mapped[str] = mapped_column(String(50), default="Elettronico orario")
    remotely_read: Mapped[bool] = mapped_column(default=True)
    distributor: Mapped[str] = mapped_column(String(100), default="")
    use_type: Mapped[str] = mapped_column(String(50), default="Altri usi")
    active_since: Mapped[date | None]

    operator: Mapped[Operator] = relationship()

    @property
    def label(self) -> str:
        return f"{self.pod} — {self.address}, {self.postal_code} {self.city} ({self.province})"

    @property
    def voltage_label(self) -> str:
        return VOLTAGE_LEVELS.get(self.voltage_level, self.voltage_level)

    @property
    def needs_power_reading(self) -> bool:
        """Self-readings of this point include the maximum power (contracted power above 16.5 kW)."""
        return self.contracted_power_kw > POWER_READING_THRESHOLD_KW


class Contract(TimestampMixin, Base):
    """A contract with its contract data ("Dati contrattuali")."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(
            "contract_type IN ('dispacciamento', 'trasmissione', 'connessione', 'fornitura', 'interrompibilita')",
            name="contract_type",
        ),
        CheckConstraint("status IN ('in_attivazione', 'attivo', 'cessato')", name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    supply_point_id: Mapped[int | None] = mapped_column(ForeignKey("supply_points.id"), index=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    contract_type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="attivo")
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    offer_name: Mapped[str] = mapped_column(String(100), default="")
    market: Mapped[str] = mapped_column(String(20), default="Mercato libero")
    billing_frequency: Mapped[str] = mapped_column(String(20), default="Mensile")
    payment_method: Mapped[str] = mapped_column(String(50), default="Addebito SEPA Direct Debit")
    iban_masked: Mapped[str | None] = mapped_column(String(34))
    price_f1_eur_kwh: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    price_f2_eur_kwh: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    price_f3_eur_kwh: Mapped[Decimal | None] = mapped_column(Numeric(10, 6))
    annual_consumption_kwh: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))

    operator: Mapped[Operator] = relationship()
    supply_point: Mapped[SupplyPoint | None] = relationship()

    @property
    def type_label(self) -> str:
        return CONTRACT_TYPES.get(self.contract_type, self.contract_type)

    @property
    def status_label(self) -> str:
        return CONTRACT_STATES.get(self.status, self.status)


class Measurement(Base):
    """The energy of one 15-minute interval of a supply point, from its start (UTC).

    The unique constraint on (supply_point_id, start) is also the index every range scan uses.
    ``operator_id`` repeats the supply point's owner so that scoped queries need no join.
    """

    __tablename__ = "measurements"
    __table_args__ = (
        UniqueConstraint("supply_point_id", "start", name="uq_measurements_supply_point_start"),
        CheckConstraint("active_energy_kwh >= 0 AND reactive_energy_kvarh >= 0 AND power_kw >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id", ondelete="CASCADE"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    start: Mapped[datetime]
    active_energy_kwh: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    reactive_energy_kvarh: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    power_kw: Mapped[Decimal] = mapped_column(Numeric(12, 3))


class MeterReading(Base):
    """A reading of the meter by time band (F1, F2, F3): the customer's own or the distributor's."""

    __tablename__ = "meter_readings"
    __table_args__ = (
        UniqueConstraint("supply_point_id", "reading_date", "source", name="uq_meter_readings_point_date_source"),
        CheckConstraint("source IN ('autolettura', 'distributore')", name="source"),
        CheckConstraint(
            "f1_kwh >= 0 AND f2_kwh >= 0 AND f3_kwh >= 0 AND (power_kw IS NULL OR power_kw >= 0)",
            name="non_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supply_point_id: Mapped[int] = mapped_column(ForeignKey("supply_points.id", ondelete="CASCADE"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    reading_date: Mapped[date]
    f1_kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    f2_kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    f3_kwh: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    power_kw: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    source: Mapped[str] = mapped_column(String(20), default="autolettura")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supply_point: Mapped[SupplyPoint] = relationship()

    @property
    def total_kwh(self) -> Decimal:
        return self.f1_kwh + self.f2_kwh + self.f3_kwh

    @property
    def source_label(self) -> str:
        return READING_SOURCES.get(self.source, self.source)

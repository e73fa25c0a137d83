"""Supply points (punti di fornitura) and contracts of an operator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin
from ..operators.models import Operator

VOLTAGE_LEVELS = {"BT": "Bassa tensione", "MT": "Media tensione", "AT": "Alta tensione", "AAT": "Altissima tensione"}
CONTRACT_TYPES = {
    "dispacciamento": "Dispacciamento",
    "trasmissione": "Trasmissione",
    "connessione": "Connessione",
    "fornitura": "Fornitura",
    "interrompibilita": "Interrompibilità",
}
CONTRACT_STATES = {"in_attivazione": "In attivazione", "attivo": "Attivo", "cessato": "Cessato"}


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

"""EIC requests of the operators and the register of the codes issued by the Local Issuing Office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..models import Base, TimestampMixin, sql_list
from ..operators.models import Operator, User

OBJECT_TYPES = {
    "X": "Parte (operatore di mercato)",
    "Y": "Area",
    "Z": "Punto di misura",
    "W": "Oggetto risorsa (unità)",
    "T": "Linea di interconnessione",
    "V": "Località",
    "A": "Sottostazione",
}

# EicTypeFunctionList values (ENTSO-E codes), by object type.
FUNCTIONS = {
    "X": (
        "Balance Responsible Party",
        "Trade Responsible Party",
        "Producer",
        "Consumer",
        "System Operator",
        "Market Operator",
        "Party Connected to the Grid",
    ),
    "Y": ("Bidding Zone", "Control Area", "Market Balance Area", "Scheduling Area"),
    "Z": ("Metering Point", "Accounting Point"),
    "W": ("Production Unit", "Generation Unit", "Consumption Unit", "Resource Object"),
    "T": ("Tie Line",),
    "V": ("Location",),
    "A": ("Substation",),
}

STATES = ("richiesta", "approvata", "respinta")
STATE_LABELS = {"richiesta": "In attesa di approvazione", "approvata": "Approvata", "respinta": "Respinta"}
STATE_BADGES = {"richiesta": "pending", "approvata": "approved", "respinta": "rejected"}
_TYPES_SQL = sql_list(OBJECT_TYPES)
_OPEN = text("state = 'richiesta'")


class EicCode(TimestampMixin, Base):
    """An issued Energy Identification Code: one record of the register."""

    __tablename__ = "eic_codes"
    __table_args__ = (
        CheckConstraint("length(code) = 16", name="code_length"),
        CheckConstraint(f"object_type IN {_TYPES_SQL}", name="object_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(16), unique=True)
    long_name: Mapped[str] = mapped_column(String(70))
    parent: Mapped[str | None] = mapped_column(String(16))
    responsible_party: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="Active")
    postal_code: Mapped[str] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2))
    vat_code: Mapped[str | None] = mapped_column(String(20))
    function_list: Mapped[str] = mapped_column(String(100))
    object_type: Mapped[str] = mapped_column(String(1))
    issued_at: Mapped[datetime]
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)

    operator: Mapped[Operator] = relationship()

    @property
    def object_type_label(self) -> str:
        return OBJECT_TYPES.get(self.object_type, self.object_type)


class EicRequest(TimestampMixin, Base):
    """An operator's request for a new EIC, awaiting an administrator's decision."""

    __tablename__ = "eic_requests"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES}", name="state"),
        CheckConstraint(f"object_type IN {_TYPES_SQL}", name="object_type"),
        # Two open requests cannot share a display name (issued codes are unique in eic_codes).
        Index(
            "uq_eic_requests_open_display_name",
            "display_name",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index("ix_eic_requests_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    object_type: Mapped[str] = mapped_column(String(1))
    display_name: Mapped[str] = mapped_column(String(16))
    long_name: Mapped[str] = mapped_column(String(70))
    function: Mapped[str] = mapped_column(String(100))
    parent_eic: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str] = mapped_column(String(10))
    country: Mapped[str] = mapped_column(String(2))
    vat_code: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="richiesta")
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    eic_code_id: Mapped[int | None] = mapped_column(ForeignKey("eic_codes.id"), unique=True)

    operator: Mapped[Operator] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    eic_code: Mapped[EicCode | None] = relationship()

    @property
    def object_type_label(self) -> str:
        return OBJECT_TYPES.get(self.object_type, self.object_type)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def state_badge(self) -> str:
        return STATE_BADGES.get(self.state, self.state)

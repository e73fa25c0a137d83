"""Demo EIC data: codes issued over the years, a rejected and a pending request of the first demo operators."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..operators.models import User
from .models import EicRequest
from .services import issue_code

_DAY = timedelta(days=1)
# Per demo operator, in order: (request data, state, filed on, rejection reason).
REQUESTS = (
    (
        (
            {
                "object_type": "X",
                "display_name": "SOLADRIATICO-PV",
                "long_name": "Solare Adriatico S.p.A.",
                "function": "Producer",
            },
            "approvata",
            datetime(2021, 4, 12, 9, 0, tzinfo=UTC),
            None,
        ),
        (
            {
                "object_type": "W",
                "display_name": "UP-FOGGIA-PV1",
                "long_name": "Impianto fotovoltaico Foggia 1",
                "function": "Production Unit",
            },
            "approvata",
            datetime(2023, 2, 6, 10, 30, tzinfo=UTC),
            None,
        ),
        (
            {
                "object_type": "W",
                "display_name": "UP-BARI-BESS",
                "long_name": "Sistema di accumulo Bari",
                "function": "Resource Object",
            },
            "respinta",
            datetime(2024, 5, 20, 15, 10, tzinfo=UTC),
            "Il sistema di accumulo non risulta ancora censito in Gaudì: ripresenta la richiesta dopo il censimento.",
        ),
        (
            {
                "object_type": "W",
                "display_name": "UP-LECCE-EOL1",
                "long_name": "Parco eolico Lecce 1",
                "function": "Generation Unit",
            },
            "richiesta",
            datetime(2025, 10, 2, 11, 45, tzinfo=UTC),
            None,
        ),
    ),
    (
        (
            {
                "object_type": "Z",
                "display_name": "MP-TARANTO-01",
                "long_name": "Punto di misura Taranto 1",
                "function": "Metering Point",
            },
            "approvata",
            datetime(2022, 7, 18, 8, 20, tzinfo=UTC),
            None,
        ),
    ),
)
_ADDRESS = {"address": "Via Giovanni Amendola 172, Bari", "postal_code": "70126", "country": "IT"}


def _first_user(*where):
    return db.session.scalar(select(User).where(*where).order_by(User.id).limit(1))


def load_demo(operators) -> None:
    """Add the demo requests (and the codes of the approved ones) unless their display names exist."""
    admin = _first_user(User.role == "admin")
    wanted = [row[0]["display_name"] for rows in REQUESTS for row in rows]
    existing = set(db.session.scalars(select(EicRequest.display_name).where(EicRequest.display_name.in_(wanted))))
    for operator, rows in zip(operators, REQUESTS, strict=False):
        requester = _first_user(User.operator_id == operator.id)
        for data, state, filed_on, reason in rows:
            if data["display_name"] in existing:
                continue
            eic_request = EicRequest(
                **_ADDRESS,
                **data,
                operator_id=operator.id,
                vat_code=operator.vat_number,
                state="richiesta",
                requested_by_id=requester.id if requester else None,
                created_at=filed_on,
                updated_at=filed_on,
            )
            db.session.add(eic_request)
            db.session.flush()
            if state == "richiesta":
                continue
            decided_on = filed_on + 3 * _DAY
            if state == "approvata":
                record = issue_code(eic_request)
                record.issued_at = record.created_at = record.updated_at = decided_on
                eic_request.eic_code = record
            eic_request.state = state
            eic_request.rejection_reason = reason
            eic_request.decided_at = eic_request.updated_at = decided_on
            eic_request.decided_by_id = admin.id if admin else None
    db.session.flush()

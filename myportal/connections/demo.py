"""Demo Ge.Co. practices of the first demo operators, a few years of connection requests (idempotent)."""

from datetime import UTC, datetime

from sqlalchemy import select
from stdnum.it import codicefiscale

from ..extensions import db
from ..registration.models import GecoPractice

# (practice id, status, filed on) per demo operator, in the order of the operators.
PRACTICES = (
    (
        ("GECO-2021-00218", "Connessione realizzata", datetime(2021, 3, 15, 9, 30, tzinfo=UTC)),
        ("GECO-2023-00977", "Preventivo accettato", datetime(2023, 6, 5, 11, 0, tzinfo=UTC)),
        ("GECO-2025-00342", "In lavorazione", datetime(2025, 2, 20, 14, 45, tzinfo=UTC)),
    ),
    (
        ("GECO-2022-00605", "Archiviata", datetime(2022, 9, 12, 10, 15, tzinfo=UTC)),
        ("GECO-2024-01422", "Preventivo emesso", datetime(2024, 11, 4, 8, 50, tzinfo=UTC)),
    ),
)
_REQUESTER = "VRDLCU70A01H501"
REQUESTER_FISCAL_CODE = _REQUESTER + codicefiscale.calc_check_digit(_REQUESTER)


def load_demo(operators) -> None:
    """Add the practices of the first operators with a VAT number unless they exist."""
    with_vat = [operator for operator in operators if operator.vat_number]
    wanted = {row[0] for rows in PRACTICES for row in rows}
    existing = set(db.session.scalars(select(GecoPractice.practice_id).where(GecoPractice.practice_id.in_(wanted))))
    for operator, rows in zip(with_vat, PRACTICES, strict=False):
        for practice_id, status, filed_on in rows:
            if practice_id in existing:
                continue
            db.session.add(
                GecoPractice(
                    practice_id=practice_id,
                    vat_number=operator.vat_number,
                    requester_fiscal_code=REQUESTER_FISCAL_CODE,
                    company_name=operator.name,
                    registered_address=operator.registered_address or "—",
                    status=status,
                    created_at=filed_on,
                    updated_at=filed_on,
                )
            )
    db.session.flush()

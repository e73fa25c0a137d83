"""Demo guarantees (current and released) and two years of exposure of the first two demo operators."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from .. import dates
from ..extensions import db
from .models import Exposure, Guarantee

# (reference, type, issuer, amount, days from today to valid_from, days to valid_to)
DEMO_GUARANTEES = (
    (
        ("FB-2025-0147", "fideiussione_bancaria", "Banca Popolare del Tavoliere", "500000.00", -300, 430),
        ("DC-2025-0032", "deposito_cauzionale", "Deposito presso Terna", "50000.00", -200, 900),
        ("FA-2024-0981", "fideiussione_assicurativa", "Assicurazioni Levante S.p.A.", "120000.00", -340, 20),
    ),
    (
        ("PCG-2025-0008", "parent_company", "Tirrenica Holding S.p.A.", "750000.00", -120, 610),
        ("FB-2023-0455", "fideiussione_bancaria", "Banca di Credito Lombardo", "200000.00", -800, -30),
    ),
)
# Guarantees of earlier years, replaced and released by Terna: (reference, type, issuer, amount, from, to).
RELEASED = (
    (("FB-2022-0311", "fideiussione_bancaria", "Banca Popolare del Tavoliere", "400000.00", -1100, -330),),
    (("FA-2022-0077", "fideiussione_assicurativa", "Assicurazioni Levante S.p.A.", "300000.00", -1000, -240),),
)
HISTORY_MONTHS = 24
DEMO_EXPOSURES = (
    (Decimal("380000.00"), "Esposizione da fatturazione dispacciamento"),
    (Decimal("150000.00"), "Esposizione mercato della capacità"),
)


def load_demo(operators) -> None:
    """Add the demo guarantees and one exposure to the first two of ``operators`` unless present."""
    today = dates.today()
    for operator, rows, released, (exposure, note) in zip(
        operators[:2], DEMO_GUARANTEES, RELEASED, DEMO_EXPOSURES, strict=False
    ):
        rows = [(*row, "attiva") for row in rows] + [(*row, "svincolata") for row in released]
        for reference, kind, issuer, amount, start, end, state in rows:
            exists = db.session.scalar(
                select(Guarantee.id).where(Guarantee.operator_id == operator.id, Guarantee.reference == reference)
            )
            if exists is None:
                db.session.add(
                    Guarantee(
                        operator_id=operator.id,
                        reference=reference,
                        guarantee_type=kind,
                        issuer=issuer,
                        amount=Decimal(amount),
                        currency="EUR",
                        valid_from=today + timedelta(days=start),
                        valid_to=today + timedelta(days=end),
                        state=state,
                    )
                )
        has_exposure = db.session.scalar(select(Exposure.id).where(Exposure.operator_id == operator.id).limit(1))
        if has_exposure is None:
            # A monthly figure for two years, drifting towards today's exposure.
            for months_ago in range(HISTORY_MONTHS, 0, -1):
                factor = Decimal(100 - months_ago + (months_ago * 7) % 11) / 100
                db.session.add(
                    Exposure(
                        operator_id=operator.id,
                        amount=(exposure * factor).quantize(Decimal("0.01")),
                        as_of=dates.add_months(dates.first_of_month(today), -months_ago),
                        note="Aggiornamento mensile",
                    )
                )
            db.session.add(Exposure(operator_id=operator.id, amount=exposure, as_of=today, note=note))
    db.session.flush()

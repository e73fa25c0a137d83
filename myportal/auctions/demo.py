"""Demo procedures (closed, open, upcoming) and enrolments of the demo operators (idempotent)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..dates import from_local, local_date
from ..extensions import db
from ..models import utcnow
from ..operators.models import User
from .models import Auction, Enrolment, EnrolmentDocument

# A minimal valid PDF: the demo enrolments' attachments.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DECLARATIONS = (
    "Dichiaro di aver preso visione del regolamento della procedura e di accettarlo integralmente.\n"
    "Dichiaro che le informazioni fornite sono veritiere ai sensi del D.P.R. 445/2000."
)
DOCUMENTS = "Visura camerale aggiornata\nProcura del firmatario"


def _rome(day: date, hour: int = 12) -> datetime:
    return from_local(datetime.combine(day, time(hour)))


def _procedures(today: date) -> list[dict]:
    """(code, fields, enrolments as (operator index, state, reason)) relative to today."""
    year = today.year
    return [
        {
            "code": f"CM-{year + 1}-MADRE",
            "title": f"Mercato della capacità – asta madre {year + 1}",
            "procedure_type": "capacity_madre",
            "product": "Capacità disponibile in probabilità, tutte le aree",
            "delivery_start": date(year + 1, 1, 1),
            "delivery_end": date(year + 1, 12, 31),
            "opens_at": _rome(today - timedelta(days=760), 9),
            "closes_at": _rome(today - timedelta(days=730), 12),
            "minimum_guarantee": Decimal("100000.00"),
            "enrolments": ((0, "approvata", None), (1, "approvata", None)),
        },
        {
            "code": f"CCC-{year}-ANNUALE",
            "title": f"Diritti CCC – asta annuale {year}",
            "procedure_type": "ccc_annuale",
            "product": "CCC tutte le zone, profilo baseload",
            "delivery_start": date(year, 1, 1),
            "delivery_end": date(year, 12, 31),
            "opens_at": _rome(today - timedelta(days=400), 9),
            "closes_at": _rome(today - timedelta(days=380), 12),
            "minimum_guarantee": Decimal("50000.00"),
            "enrolments": ((1, "approvata", None),),
        },
        {
            "code": f"CM-{year + 3}-MADRE",
            "title": f"Mercato della capacità – asta madre {year + 3}",
            "procedure_type": "capacity_madre",
            "product": "Capacità disponibile in probabilità, aree Nord e Centro-Nord",
            "delivery_start": date(year + 3, 1, 1),
            "delivery_end": date(year + 3, 12, 31),
            "opens_at": _rome(today - timedelta(days=120), 9),
            "closes_at": _rome(today - timedelta(days=90), 12),
            "minimum_guarantee": Decimal("100000.00"),
            "enrolments": ((0, "approvata", None), (1, "respinta", "Procura del firmatario scaduta.")),
        },
        {
            "code": f"CCC-{year}-M{today.month:02d}",
            "title": f"Diritti CCC – asta mensile {today.month:02d}/{year}",
            "procedure_type": "ccc_mensile",
            "product": "CCC zona Sud – Centro-Sud, profilo baseload",
            "delivery_start": today.replace(day=1),
            "delivery_end": (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1),
            "opens_at": _rome(today - timedelta(days=60), 9),
            "closes_at": _rome(today - timedelta(days=40), 12),
            "minimum_guarantee": Decimal("0.00"),
            "enrolments": ((0, "approvata", None), (1, "approvata", None)),
        },
        {
            "code": f"CM-{year + 1}-AGG",
            "title": f"Mercato della capacità – asta di aggiustamento {year + 1}",
            "procedure_type": "capacity_aggiustamento",
            "product": "Capacità disponibile in probabilità, tutte le aree",
            "delivery_start": date(year + 1, 1, 1),
            "delivery_end": date(year + 1, 12, 31),
            "opens_at": _rome(today - timedelta(days=5), 9),
            "closes_at": _rome(today + timedelta(days=20), 12),
            "minimum_guarantee": Decimal("150000.00"),
            "enrolments": ((0, "inviata", None),),
        },
        {
            "code": f"MACSE-{year + 1}",
            "title": f"MACSE – asta di capacità di stoccaggio {year + 1}",
            "procedure_type": "macse",
            "product": "Capacità di stoccaggio elettrico, consegna 15 anni",
            "delivery_start": date(year + 4, 1, 1),
            "delivery_end": date(year + 18, 12, 31),
            "opens_at": _rome(today + timedelta(days=15), 9),
            "closes_at": _rome(today + timedelta(days=45), 12),
            "minimum_guarantee": Decimal("250000.00"),
            "enrolments": (),
        },
        {
            "code": f"CCC-{year + 1}-ANNUALE",
            "title": f"Diritti CCC – asta annuale {year + 1}",
            "procedure_type": "ccc_annuale",
            "product": "CCC tutte le zone, profilo baseload",
            "delivery_start": date(year + 1, 1, 1),
            "delivery_end": date(year + 1, 12, 31),
            "opens_at": _rome(today + timedelta(days=30), 9),
            "closes_at": _rome(today + timedelta(days=50), 12),
            "minimum_guarantee": Decimal("50000.00"),
            "enrolments": (),
        },
    ]


def load_demo(operators) -> None:
    """Publish the demo procedures and enrol the first two of ``operators`` unless already present."""
    now = utcnow()
    for spec in _procedures(local_date(now)):
        enrolments = spec.pop("enrolments")
        if db.session.scalar(select(Auction.id).where(Auction.code == spec["code"])) is not None:
            continue
        auction = Auction(
            **spec,
            declarations=DECLARATIONS,
            required_documents=DOCUMENTS,
            published=True,
            published_at=spec["opens_at"] - timedelta(days=10),
        )
        db.session.add(auction)
        db.session.flush()
        for index, state, reason in enrolments:
            if index >= len(operators):
                continue
            operator = operators[index]
            user = db.session.scalar(select(User).where(User.operator_id == operator.id).order_by(User.id).limit(1))
            submitted = spec["opens_at"] + timedelta(days=2, hours=index)
            decided = submitted + timedelta(days=3) if state != "inviata" else None
            db.session.add(
                Enrolment(
                    auction_id=auction.id,
                    operator_id=operator.id,
                    user_id=user.id if user else None,
                    state=state,
                    rejection_reason=reason,
                    submitted_at=submitted,
                    decided_at=decided,
                    documents=[
                        EnrolmentDocument(
                            requirement=requirement,
                            filename=f"{requirement.lower().replace(' ', '-')}.pdf",
                            size=len(DEMO_PDF),
                            data=DEMO_PDF,
                            uploaded_at=submitted,
                        )
                        for requirement in auction.document_list
                    ],
                )
            )
    db.session.flush()

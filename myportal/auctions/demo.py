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


# The demo procedures' names by type: code and title for the year ``y`` (and month ``m``) they are named after.
NAMES = {
    "capacity_madre": ("CM-{y}-MADRE", "Mercato della capacità – asta madre {y}"),
    "capacity_aggiustamento": ("CM-{y}-AGG", "Mercato della capacità – asta di aggiustamento {y}"),
    "ccc_annuale": ("CCC-{y}-ANNUALE", "Diritti CCC – asta annuale {y}"),
    "ccc_mensile": ("CCC-{y}-M{m:02d}", "Diritti CCC – asta mensile {m:02d}/{y}"),
    "macse": ("MACSE-{y}", "MACSE – asta di capacità di stoccaggio {y}"),
}
ALL_AREAS = "Capacità disponibile in probabilità, tutte le aree"
BASELOAD = "CCC tutte le zone, profilo baseload"
BOTH_APPROVED = ((0, "approvata", None), (1, "approvata", None))


def _procedure(kind, named, product, delivery, window, minimum, enrolments=()) -> dict:
    """One procedure: ``named`` the day its name takes the year (and month) from; ``delivery`` its first and
    last day; ``window`` the registration period (opens at 9:00, closes at 12:00); ``enrolments`` as
    (operator index, state, reason)."""
    code, title = NAMES[kind]
    return {
        "code": code.format(y=named.year, m=named.month),
        "title": title.format(y=named.year, m=named.month),
        "procedure_type": kind,
        "product": product,
        "delivery_start": delivery[0],
        "delivery_end": delivery[1],
        "opens_at": _rome(window[0], 9),
        "closes_at": _rome(window[1], 12),
        "minimum_guarantee": Decimal(minimum).quantize(Decimal("0.01")),
        "enrolments": enrolments,
    }


def _procedures(today: date) -> list[dict]:
    """Closed, open and upcoming procedures relative to today."""
    year = today.year

    def of_year(offset: int) -> date:
        return date(year + offset, 1, 1)

    def calendar_year(offset: int) -> tuple[date, date]:
        return date(year + offset, 1, 1), date(year + offset, 12, 31)

    def days(opens: int, closes: int) -> tuple[date, date]:
        return today + timedelta(days=opens), today + timedelta(days=closes)

    month_end = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    rejected = (1, "respinta", "Procura del firmatario scaduta.")
    return [
        _procedure(
            "capacity_madre", of_year(1), ALL_AREAS, calendar_year(1), days(-760, -730), "100000", BOTH_APPROVED
        ),
        _procedure(
            "ccc_annuale", today, BASELOAD, calendar_year(0), days(-400, -380), "50000", ((1, "approvata", None),)
        ),
        _procedure(
            "capacity_madre",
            of_year(3),
            "Capacità disponibile in probabilità, aree Nord e Centro-Nord",
            calendar_year(3),
            days(-120, -90),
            "100000",
            ((0, "approvata", None), rejected),
        ),
        _procedure(
            "ccc_mensile",
            today,
            "CCC zona Sud – Centro-Sud, profilo baseload",
            (today.replace(day=1), month_end),
            days(-60, -40),
            "0",
            BOTH_APPROVED,
        ),
        _procedure(
            "capacity_aggiustamento",
            of_year(1),
            ALL_AREAS,
            calendar_year(1),
            days(-5, 20),
            "150000",
            ((0, "inviata", None),),
        ),
        _procedure(
            "macse",
            of_year(1),
            "Capacità di stoccaggio elettrico, consegna 15 anni",
            (date(year + 4, 1, 1), date(year + 18, 12, 31)),
            days(15, 45),
            "250000",
        ),
        _procedure("ccc_annuale", of_year(1), BASELOAD, calendar_year(1), days(30, 50), "50000"),
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

"""Helpers of the auctions tests: procedures and enrolments written straight to the database, a PDF."""

import io
import itertools
from datetime import date, timedelta
from decimal import Decimal

from myportal.auctions.models import Auction, Enrolment, EnrolmentDocument
from myportal.models import utcnow

_numbers = itertools.count(1)

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
DECLARATIONS = "Accetto il regolamento della procedura.\nDichiaro che i dati forniti sono veritieri."
DOCUMENTS = "Visura camerale"


def add_auction(dbs, *, window: str = "open", **fields) -> Auction:
    """A published procedure whose window is ``open``, ``upcoming`` or ``closed``."""
    number = next(_numbers)
    now = utcnow()
    opens, closes = {
        "open": (now - timedelta(days=2), now + timedelta(days=5)),
        "upcoming": (now + timedelta(days=3), now + timedelta(days=10)),
        "closed": (now - timedelta(days=20), now - timedelta(days=1)),
    }[window]
    values = {
        "code": f"CM-T-{number:05d}",
        "title": f"Asta di prova {number}",
        "procedure_type": "capacity_madre",
        "product": "Capacità area Nord",
        "delivery_start": date(2028, 1, 1),
        "delivery_end": date(2028, 12, 31),
        "opens_at": opens,
        "closes_at": closes,
        "declarations": DECLARATIONS,
        "required_documents": DOCUMENTS,
        "minimum_guarantee": Decimal("0"),
        "published": True,
        "published_at": now - timedelta(days=30),
    }
    values.update(fields)
    with dbs.session() as session:
        auction = Auction(**values)
        session.add(auction)
    return auction


def add_enrolment(dbs, auction, operator, user=None, state: str = "inviata", **fields) -> Enrolment:
    with dbs.session() as session:
        enrolment = Enrolment(
            auction_id=auction.id,
            operator_id=operator.id,
            user_id=user.id if user else None,
            state=state,
            documents=[
                EnrolmentDocument(requirement="Visura camerale", filename="visura.pdf", size=len(PDF), data=PDF)
            ],
            **fields,
        )
        session.add(enrolment)
    return enrolment


def enrol_data(**overrides) -> dict:
    """The fields of a complete enrolment (two declarations, one PDF)."""
    data = {"declaration_0": "y", "declaration_1": "y", "document_0": (io.BytesIO(PDF), "visura.pdf")}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}

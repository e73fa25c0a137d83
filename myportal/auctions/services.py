"""Rules of auctions: publishing procedures, enrolment (one per operator), withdrawal, decisions, export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePosixPath

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.utils import secure_filename

from ..dates import local_time
from ..errors import DomainError
from ..exports import csv_text
from ..extensions import db
from ..formatting import ITALIAN, money
from ..guarantees.services import available_credit
from ..models import as_utc, utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import Operator, User
from ..security.audit import audit
from .models import ENROLMENT_STATES, PROCEDURE_TYPES, Auction, Enrolment, EnrolmentDocument

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
EXPORT_COLUMNS = ("Ragione sociale", "Partita IVA", "Data iscrizione", "Stato")


class AuctionError(DomainError):
    """A refused auction or enrolment action."""


def rome_text(value: datetime) -> str:
    """``15/03/2026 alle 12:00`` in Italian time."""
    return local_time(value).strftime("%d/%m/%Y alle %H:%M")


# --- documents ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedPdf:
    filename: str
    data: bytes
    content_type: str = "application/pdf"

    @property
    def size(self) -> int:
        return len(self.data)


def check_pdf(filename: str, data: bytes) -> CheckedPdf:
    """A PDF of at most 10 MB, checked by extension and by its first bytes; or AuctionError."""
    extension = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower()
    if extension != ".pdf":
        raise AuctionError("Sono accettati solo file PDF.")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise AuctionError("Il file supera la dimensione massima di 10 MB.")
    if not data:
        raise AuctionError("Il file è vuoto.")
    if not data.startswith(b"%PDF"):
        raise AuctionError("Il contenuto del file non è un PDF valido.")
    name = secure_filename(filename)[-200:]
    if not name.lower().endswith(".pdf"):
        name = "documento.pdf"
    return CheckedPdf(filename=name, data=data)


# --- queries ------------------------------------------------------------------------------------------------


@dataclass
class AuctionRow:
    auction: Auction
    enrolment: Enrolment | None


def current_auctions(operator_id: int, now: datetime | None = None) -> tuple[list[AuctionRow], list[AuctionRow]]:
    """(open, upcoming) published procedures with the operator's enrolment, in one query."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Auction, Enrolment)
        .outerjoin(Enrolment, and_(Enrolment.auction_id == Auction.id, Enrolment.operator_id == operator_id))
        .where(Auction.published.is_(True), Auction.closes_at > now)
        .order_by(Auction.closes_at, Auction.id)
    ).all()
    open_rows, upcoming = [], []
    for auction, enrolment in rows:
        (open_rows if as_utc(auction.opens_at) <= now else upcoming).append(AuctionRow(auction, enrolment))
    return open_rows, upcoming


def closed_auctions(now: datetime | None = None):
    """Statement of published procedures whose window has closed, latest first (paginated by the view)."""
    now = now or utcnow()
    return (
        select(Auction)
        .where(Auction.published.is_(True), Auction.closes_at <= now)
        .order_by(Auction.closes_at.desc(), Auction.id.desc())
    )


def enrolments_by_auction(operator_id: int, auctions: list[Auction]) -> dict[int, Enrolment]:
    if not auctions:
        return {}
    enrolments = db.session.scalars(
        select(Enrolment).where(
            Enrolment.operator_id == operator_id, Enrolment.auction_id.in_([a.id for a in auctions])
        )
    )
    return {enrolment.auction_id: enrolment for enrolment in enrolments}


def find_enrolment(auction_id: int, operator_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment)
        .options(selectinload(Enrolment.documents))
        .where(Enrolment.auction_id == auction_id, Enrolment.operator_id == operator_id)
    )


def all_auctions():
    """Every procedure, latest window first."""
    return select(Auction).order_by(Auction.opens_at.desc(), Auction.id.desc())


def pending_counts(auctions: list[Auction]) -> dict[int, int]:
    """Per procedure: how many enrolments await a decision."""
    if not auctions:
        return {}
    rows = db.session.execute(
        select(Enrolment.auction_id, func.count())
        .where(Enrolment.auction_id.in_([auction.id for auction in auctions]), Enrolment.state == "inviata")
        .group_by(Enrolment.auction_id)
    )
    return dict(rows.all())


def auction_enrolments(auction_id: int, state: str | None = None):
    statement = (
        select(Enrolment)
        .join(Enrolment.operator)
        .options(joinedload(Enrolment.operator), joinedload(Enrolment.user), selectinload(Enrolment.documents))
        .where(Enrolment.auction_id == auction_id)
        .order_by(Operator.name, Enrolment.id)
    )
    if state in ENROLMENT_STATES:
        statement = statement.where(Enrolment.state == state)
    return statement


# --- procedures ---------------------------------------------------------------------------------------------


def _check_procedure(data: dict, auction: Auction | None = None) -> None:
    if data["procedure_type"] not in PROCEDURE_TYPES:
        raise AuctionError("Tipo di procedura non valido.", "procedure_type")
    if data["closes_at"] <= data["opens_at"]:
        raise AuctionError("La chiusura delle iscrizioni deve seguire la loro apertura.", "closes_at")
    if data["delivery_end"] < data["delivery_start"]:
        raise AuctionError("La fine del periodo di consegna non può precedere l'inizio.", "delivery_end")
    if data["minimum_guarantee"] < 0:
        raise AuctionError("La garanzia minima non può essere negativa.", "minimum_guarantee")
    clash = select(Auction.id).where(Auction.code == data["code"])
    if auction is not None:
        clash = clash.where(Auction.id != auction.id)
    if db.session.scalar(clash) is not None:
        raise AuctionError("Esiste già una procedura con questo codice.", "code")


PROCEDURE_FIELDS = (
    "code",
    "title",
    "procedure_type",
    "product",
    "delivery_start",
    "delivery_end",
    "opens_at",
    "closes_at",
    "declarations",
    "required_documents",
    "minimum_guarantee",
)


def create_auction(admin: User, **data) -> Auction:
    """A new procedure, not published yet; datetimes are aware (UTC)."""
    _check_procedure(data)
    auction = Auction(created_by_id=admin.id, published=False, **{key: data[key] for key in PROCEDURE_FIELDS})
    db.session.add(auction)
    db.session.flush()
    audit("auction.created", auction, user=admin, code=auction.code)
    return auction


def update_auction(admin: User, auction: Auction, **data) -> None:
    _check_procedure(data, auction)
    changed = [key for key in PROCEDURE_FIELDS if getattr(auction, key) != data[key]]
    for key in PROCEDURE_FIELDS:
        setattr(auction, key, data[key])
    auction.updated_at = utcnow()
    db.session.flush()
    audit("auction.updated", auction, user=admin, code=auction.code, changed=changed)


def set_published(admin: User, auction: Auction, published: bool) -> None:
    auction.published = published
    auction.published_at = utcnow() if published else auction.published_at
    audit("auction.published" if published else "auction.unpublished", auction, user=admin, code=auction.code)


# --- enrolment ----------------------------------------------------------------------------------------------


def window_problem(auction: Auction, now: datetime) -> str | None:
    """Why enrolments are not accepted now, or None."""
    if now < as_utc(auction.opens_at):
        return f"Le iscrizioni si aprono il {rome_text(auction.opens_at)}."
    if now >= as_utc(auction.closes_at):
        return f"Le iscrizioni sono chiuse dal {rome_text(auction.closes_at)}."
    return None


def coverage_problem(auction: Auction, operator_id: int) -> str | None:
    """Why the operator's coverage is not enough for the procedure, or None."""
    minimum = auction.minimum_guarantee or Decimal("0")
    if minimum <= 0:
        return None
    available = available_credit(operator_id)
    if available < minimum:
        return (
            f"La copertura disponibile ({money(available, locale=ITALIAN)}) è inferiore "
            f"alla garanzia minima richiesta ({money(minimum, locale=ITALIAN)})."
        )
    return None


def _documents(auction: Auction, documents: list[CheckedPdf | None]) -> list[EnrolmentDocument]:
    required = auction.document_list
    result = []
    for index, requirement in enumerate(required):
        document = documents[index] if index < len(documents) else None
        if document is None:
            raise AuctionError("Allega il documento richiesto (PDF).", f"document_{index}")
        result.append(
            EnrolmentDocument(
                requirement=requirement[:300],
                filename=document.filename,
                content_type=document.content_type,
                size=document.size,
                data=document.data,
            )
        )
    return result


def enrol(
    auction: Auction,
    user: User,
    *,
    accepted: list[bool],
    documents: list[CheckedPdf | None],
    now: datetime | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol the user's operator: (enrolment, True) if submitted now, (existing enrolment, False) if already
    enrolled. Refusals (window, declarations, documents, coverage) raise AuctionError.

    The insert runs in a savepoint: if a simultaneous request got there first, the unique constraint on
    (auction, operator) makes it fail and the existing enrolment is returned instead.
    """
    now = now or utcnow()
    operator_id = user.operator_id
    if operator_id is None or not auction.published:
        raise AuctionError("Solo gli operatori possono iscriversi alle procedure pubblicate.")
    problem = window_problem(auction, now)
    if problem:
        raise AuctionError(problem)
    existing = find_enrolment(auction.id, operator_id)
    if existing is not None and existing.state != "ritirata":
        audit("auction.enrolment_duplicate", existing, user=user, auction=auction.code)
        return existing, False
    declarations = auction.declaration_list
    for index in range(len(declarations)):
        if index >= len(accepted) or not accepted[index]:
            raise AuctionError("Per iscriverti devi accettare la dichiarazione.", f"declaration_{index}")
    new_documents = _documents(auction, documents)
    problem = coverage_problem(auction, operator_id)
    if problem:
        raise AuctionError(problem)

    if existing is not None:  # re-enrolment after a withdrawal re-uses the row
        existing.state = "inviata"
        existing.user_id = user.id
        existing.submitted_at = now
        existing.withdrawn_at = existing.decided_at = existing.decided_by_id = None
        existing.rejection_reason = None
        existing.documents = new_documents
        db.session.flush()
        audit("auction.enrolled", existing, user=user, auction=auction.code, again=True)
        return existing, True

    enrolment = Enrolment(
        auction_id=auction.id,
        operator_id=operator_id,
        user_id=user.id,
        state="inviata",
        submitted_at=now,
        documents=new_documents,
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(
            select(Enrolment).where(Enrolment.auction_id == auction.id, Enrolment.operator_id == operator_id)
        )
        if existing is None:  # not a duplicate: some other constraint failed
            raise
        audit("auction.enrolment_duplicate", existing, user=user, auction=auction.code)
        return existing, False
    audit("auction.enrolled", enrolment, user=user, auction=auction.code, documents=len(new_documents))
    return enrolment, True


def withdraw(enrolment: Enrolment, user: User, now: datetime | None = None) -> None:
    """Withdraw the enrolment while the window is open."""
    now = now or utcnow()
    if enrolment.state not in ("inviata", "approvata"):
        raise AuctionError("L'iscrizione non può essere ritirata nel suo stato attuale.")
    if now >= as_utc(enrolment.auction.closes_at):
        raise AuctionError(
            f"Le iscrizioni sono chiuse dal {rome_text(enrolment.auction.closes_at)}: non è più possibile ritirarsi."
        )
    previous = enrolment.state
    enrolment.state = "ritirata"
    enrolment.withdrawn_at = now
    audit("auction.withdrawn", enrolment, user=user, auction=enrolment.auction.code, previous=previous)


def _tell_submitter(enrolment: Enrolment, subject: str, template: str) -> None:
    user = enrolment.user
    if user is None or not user.email:
        return
    send_email(
        user.email,
        subject,
        template,
        user=user,
        enrolment=enrolment,
        auction=enrolment.auction,
        link=portal_url("auctions.detail", auction_id=enrolment.auction_id),
    )


def approve_enrolment(admin: User, enrolment: Enrolment) -> None:
    if enrolment.state not in ("inviata", "respinta"):
        raise AuctionError("Si possono approvare solo iscrizioni inviate o respinte.")
    _decide(enrolment, admin, "approvata")
    audit("auction.enrolment_approved", enrolment, user=admin, auction=enrolment.auction.code)
    _tell_submitter(enrolment, f"Iscrizione approvata: {enrolment.auction.code}", "auction_enrolment_approved")


def reject_enrolment(admin: User, enrolment: Enrolment, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise AuctionError("Indica il motivo del rifiuto.", "reason")
    if enrolment.state not in ("inviata", "approvata"):
        raise AuctionError("Si possono respingere solo iscrizioni inviate o approvate.")
    _decide(enrolment, admin, "respinta", reason)
    audit("auction.enrolment_rejected", enrolment, user=admin, auction=enrolment.auction.code, reason=reason)
    _tell_submitter(enrolment, f"Iscrizione respinta: {enrolment.auction.code}", "auction_enrolment_rejected")


def _decide(enrolment: Enrolment, admin: User, state: str, reason: str | None = None) -> None:
    """The back office's decision on an enrolment: its new state, the reason of a refusal, who and when."""
    enrolment.state = state
    enrolment.rejection_reason = reason
    enrolment.decided_at = utcnow()
    enrolment.decided_by_id = admin.id


# --- export -------------------------------------------------------------------------------------------------


def admitted_csv(admin: User, auction: Auction) -> str:
    """The admitted operators (approvata): ';'-separated with a UTF-8 BOM, for spreadsheets."""
    rows = db.session.execute(
        select(Operator.name, Operator.vat_number, Operator.fiscal_code, Enrolment.submitted_at)
        .join(Enrolment.operator)
        .where(Enrolment.auction_id == auction.id, Enrolment.state == "approvata")
        .order_by(Operator.name, Enrolment.id)
    ).all()
    state = ENROLMENT_STATES["approvata"]
    lines = [
        (name, vat_number or fiscal_code, local_time(submitted_at).strftime("%d/%m/%Y %H:%M"), state)
        for name, vat_number, fiscal_code, submitted_at in rows
    ]
    audit("auction.export", auction, user=admin, code=auction.code, rows=len(rows))
    return csv_text(EXPORT_COLUMNS, lines)


def delivery_text(start: date, end: date) -> str:
    return f"{start.strftime('%d/%m/%Y')} – {end.strftime('%d/%m/%Y')}"

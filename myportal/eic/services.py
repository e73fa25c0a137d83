"""EIC requests and issuing: the rules, the register, the notifications."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from stdnum.eu import eic as stdnum_eic

from ..csvimport import csv_chunks
from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import Operator, User
from ..security.audit import audit
from .models import EicCode, EicRequest

DEFAULT_ISSUING_OFFICE = "26"
BODY_LENGTH = 12
BODY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_SUFFIX_ATTEMPTS = 200
_RANDOM_ATTEMPTS = 50
_BATCH = 50
_INSERT_ATTEMPTS = 5
QUEUE_FILTERS = ("richiesta", "approvata", "respinta", "all")
REGISTER_HEADER = (
    "EicCode",
    "EicDisplayName",
    "EicLongName",
    "EicParent",
    "EicResponsibleParty",
    "EicStatus",
    "MarketParticipantPostalCode",
    "MarketParticipantIsoCountryCode",
    "MarketParticipantVatCode",
    "EicTypeFunctionList",
)


class EicError(DomainError):
    """A refused EIC operation."""


# --- look-ups ---------------------------------------------------------------------------------------


def operator_codes(operator_id: int):
    return select(EicCode).where(EicCode.operator_id == operator_id).order_by(EicCode.code)


def operator_requests(operator_id: int):
    return (
        select(EicRequest)
        .where(EicRequest.operator_id == operator_id)
        .options(joinedload(EicRequest.eic_code), joinedload(EicRequest.requested_by))
        .order_by(EicRequest.created_at.desc(), EicRequest.id.desc())
    )


def request_queue(state: str):
    statement = select(EicRequest).options(
        joinedload(EicRequest.operator), joinedload(EicRequest.requested_by), joinedload(EicRequest.eic_code)
    )
    if state != "all":
        statement = statement.where(EicRequest.state == state)
    return statement.order_by(EicRequest.created_at.desc(), EicRequest.id.desc())


def register():
    return select(EicCode).options(joinedload(EicCode.operator)).order_by(EicCode.code)


def pending_requests_count(operator_id: int | None = None) -> int:
    """Open EIC requests (of one operator, or all of them for the administrators' tile)."""
    statement = select(func.count()).select_from(EicRequest).where(EicRequest.state == "richiesta")
    if operator_id is not None:
        statement = statement.where(EicRequest.operator_id == operator_id)
    return db.session.scalar(statement)


def display_name_taken(display_name: str) -> bool:
    """Whether an issued code or an open request already uses ``display_name``."""
    return bool(
        db.session.scalar(
            select(
                or_(
                    exists().where(EicCode.display_name == display_name),
                    exists().where(EicRequest.display_name == display_name, EicRequest.state == "richiesta"),
                )
            )
        )
    )


# --- requests ---------------------------------------------------------------------------------------


def _taken_error(display_name: str) -> EicError:
    return EicError(
        f"Il Display Name {display_name} è già assegnato a un codice EIC o a un'altra richiesta: scegline un altro.",
        "display_name",
    )


def request_eic(user: User, **data) -> EicRequest:
    """Record a new EIC request of ``user``'s operator (data already validated by the form)."""
    display_name = data["display_name"]
    if display_name_taken(display_name):
        raise _taken_error(display_name)
    eic_request = EicRequest(operator_id=user.operator_id, requested_by_id=user.id, state="richiesta", **data)
    try:
        with db.session.begin_nested():
            db.session.add(eic_request)
    except IntegrityError as error:  # a simultaneous request took the name
        raise _taken_error(display_name) from error
    audit("eic.requested", eic_request, user=user, display_name=display_name, object_type=data["object_type"])
    return eic_request


def ensure_open(eic_request: EicRequest) -> None:
    if eic_request.state != "richiesta":
        raise EicError("La richiesta è già stata decisa: non sono possibili altre azioni.")


def issuing_office() -> str:
    office = str(current_app.config.get("EIC_ISSUING_OFFICE", DEFAULT_ISSUING_OFFICE)).upper()
    if len(office) != 2 or any(ch not in BODY_ALPHABET for ch in office):
        raise RuntimeError("EIC_ISSUING_OFFICE must be two letters or digits")
    return office


def _bodies(display_name: str) -> Iterator[str]:
    """Candidate 12-character bodies: the display name padded with '-', then numbered, then random."""
    stem = display_name[:BODY_LENGTH].ljust(BODY_LENGTH, "-")
    yield stem
    for number in range(1, _SUFFIX_ATTEMPTS):
        suffix = str(number)
        yield stem[: BODY_LENGTH - len(suffix)] + suffix
    for _ in range(_RANDOM_ATTEMPTS):
        yield "".join(secrets.choice(BODY_ALPHABET) for _ in range(BODY_LENGTH))


def candidate_codes(object_type: str, display_name: str) -> Iterator[str]:
    """Valid EIC codes for a new object, in order of preference (a '-' check character is impossible)."""
    prefix = issuing_office() + object_type
    for body in _bodies(display_name):
        base = prefix + body
        check = stdnum_eic.calc_check_digit(base)
        if check == "-":
            continue
        yield stdnum_eic.validate(base + check)


def _free_code(object_type: str, display_name: str) -> str | None:
    """The first candidate code not in the register, looked up a batch of candidates at a time."""
    candidates = candidate_codes(object_type, display_name)
    while batch := list(itertools.islice(candidates, _BATCH)):
        taken = set(db.session.scalars(select(EicCode.code).where(EicCode.code.in_(batch))))
        for code in batch:
            if code not in taken:
                return code
    return None


def issue_code(eic_request: EicRequest) -> EicCode:
    """Create the register record of an approved request with a new, unique, valid code.

    The database's unique constraints on the code and the display name settle simultaneous approvals."""
    operator = eic_request.operator or db.session.get(Operator, eic_request.operator_id)
    for _ in range(_INSERT_ATTEMPTS):
        code = _free_code(eic_request.object_type, eic_request.display_name)
        if code is None:
            break
        record = EicCode(
            code=code,
            display_name=eic_request.display_name,
            long_name=eic_request.long_name,
            parent=eic_request.parent_eic,
            responsible_party=operator.name,
            status="Active",
            postal_code=eic_request.postal_code,
            country=eic_request.country,
            vat_code=eic_request.vat_code,
            function_list=eic_request.function,
            object_type=eic_request.object_type,
            issued_at=utcnow(),
            operator_id=eic_request.operator_id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError as error:
            if db.session.scalar(select(exists().where(EicCode.display_name == eic_request.display_name))):
                raise EicError(
                    f"Il Display Name {eic_request.display_name} è già assegnato a un codice EIC."
                ) from error
            continue  # the same code was issued meanwhile: try again
        return record
    raise EicError("Impossibile generare un codice EIC univoco: riprova.")


def approve_request(eic_request: EicRequest, admin: User) -> EicCode:
    """Issue the code, close the request and tell the requester."""
    ensure_open(eic_request)
    record = issue_code(eic_request)
    eic_request.state = "approvata"
    eic_request.eic_code = record
    eic_request.decided_by_id = admin.id
    eic_request.decided_at = utcnow()
    db.session.flush()
    audit("eic.approved", eic_request, user=admin, operator_id=eic_request.operator_id, code=record.code)
    _notify(eic_request, "Codice EIC assegnato", "eic_approved", code=record)
    return record


def reject_request(eic_request: EicRequest, admin: User, reason: str) -> None:
    ensure_open(eic_request)
    reason = (reason or "").strip()
    if not reason:
        raise EicError("Indica il motivo del rifiuto.", "reason")
    eic_request.state = "respinta"
    eic_request.rejection_reason = reason
    eic_request.decided_by_id = admin.id
    eic_request.decided_at = utcnow()
    db.session.flush()
    audit("eic.rejected", eic_request, user=admin, operator_id=eic_request.operator_id)
    _notify(eic_request, "Richiesta di codice EIC respinta", "eic_rejected")


def _notify(eic_request: EicRequest, subject: str, template: str, **context) -> None:
    requester = eic_request.requested_by
    if requester is None or not requester.email:
        return
    send_email(
        requester.email,
        f"{subject}: {eic_request.display_name}",
        template,
        user=requester,
        eic_request=eic_request,
        url=portal_url("eic.request_detail", request_id=eic_request.id),
        **context,
    )


# --- register export --------------------------------------------------------------------------------


def register_csv() -> Iterator[str]:
    """The register as CSV for ENTSO-E's EIC tools, streamed a row at a time.

    Unlike the portal's spreadsheet exports (';' separator and a UTF-8 BOM for Excel), this file follows the
    ENTSO-E EIC register format its tools read: plain comma separator, no BOM, UTF-8, CRLF line ends, a header
    row of the ENTSO-E field names (REGISTER_HEADER), values quoted only when needed."""
    yield from csv_chunks(REGISTER_HEADER, _register_rows(), delimiter=",")


def _register_rows() -> Iterator[tuple]:
    for record in db.session.scalars(register().execution_options(yield_per=500)):
        yield (
            record.code,
            record.display_name,
            record.long_name,
            record.parent or "",
            record.responsible_party,
            record.status,
            record.postal_code,
            record.country,
            record.vat_code or "",
            record.function_list,
        )

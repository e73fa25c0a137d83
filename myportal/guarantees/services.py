"""Rules of guarantees: coverage of the exposure, recording, state changes and expiry notices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import list_currencies
from flask import current_app
from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import joinedload

from .. import dates, formatting
from ..contracts.models import Contract
from ..errors import DomainError
from ..extensions import db
from ..formatting import ITALIAN
from ..models import utcnow
from ..notifications.services import portal_url, send_email
from ..operators.models import Operator, User
from ..operators.services import find_operator
from ..security.audit import audit
from .models import (
    COVERING_STATES,
    DEPOSIT,
    EXPIRY_WARNING_DAYS,
    FINAL_STATES,
    GUARANTEE_STATES,
    GUARANTEE_TYPES,
    Exposure,
    Guarantee,
    GuaranteeNotice,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_WARNING_THRESHOLD = Decimal("100000")
NOTICE_THRESHOLDS = (30, 7)
# The coverage counts euro amounts only: guarantees in another currency are shown but not added up.
COVERAGE_CURRENCY = "EUR"


class GuaranteeError(DomainError):
    """A refused guarantee or exposure record."""


def money(value) -> Decimal:
    """A Decimal with two places, whatever the database driver returned (SQLite sums are floats)."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def warning_threshold() -> Decimal:
    return Decimal(str(current_app.config.get("GUARANTEE_WARNING_THRESHOLD", DEFAULT_WARNING_THRESHOLD)))


# --- coverage -----------------------------------------------------------------------------------------------


def _covers(today: date):
    """SQL condition: the guarantee counts towards the coverage today."""
    return and_(
        Guarantee.state.in_(COVERING_STATES),
        Guarantee.valid_from <= today,
        Guarantee.valid_to >= today,
        Guarantee.currency == COVERAGE_CURRENCY,
    )


def effective_state_expression(today: date):
    """SQL expression of the state as shown (see ``Guarantee.effective_state``)."""
    return case(
        (Guarantee.state.in_(FINAL_STATES), Guarantee.state),
        (Guarantee.valid_to < today, literal("scaduta")),
        (Guarantee.valid_to <= today + timedelta(days=EXPIRY_WARNING_DAYS), literal("in_scadenza")),
        else_=Guarantee.state,
    )


def _current_exposure_subquery(operator_id: int):
    return (
        select(Exposure.amount)
        .where(Exposure.operator_id == operator_id)
        .order_by(Exposure.as_of.desc(), Exposure.id.desc())
        .limit(1)
        .scalar_subquery()
    )


@dataclass
class CoverageSummary:
    guarantees_total: Decimal
    deposits: Decimal
    exposure: Decimal
    available_credit: Decimal
    threshold: Decimal
    expiring_count: int
    warnings: list[str] = field(default_factory=list)

    @property
    def below_threshold(self) -> bool:
        return self.available_credit < self.threshold


def coverage_summary(operator_id: int, today: date | None = None) -> CoverageSummary:
    """Guarantees, deposits, exposure, available credit and warnings of an operator, in one query."""
    today = today or dates.today()
    covers = _covers(today)
    amount_if = lambda condition: func.coalesce(  # noqa: E731
        func.sum(case((condition, Guarantee.amount), else_=literal(0, Guarantee.amount.type))), 0
    )
    expiring = and_(covers, Guarantee.valid_to <= today + timedelta(days=EXPIRY_WARNING_DAYS))
    row = db.session.execute(
        select(
            amount_if(and_(covers, Guarantee.guarantee_type != DEPOSIT)),
            amount_if(and_(covers, Guarantee.guarantee_type == DEPOSIT)),
            func.coalesce(func.sum(case((expiring, 1), else_=0)), 0),
            _current_exposure_subquery(operator_id),
        ).where(Guarantee.operator_id == operator_id)
    ).one()
    guarantees_total, deposits, exposure = money(row[0]), money(row[1]), money(row[3])
    available = guarantees_total + deposits - exposure
    summary = CoverageSummary(
        guarantees_total=guarantees_total,
        deposits=deposits,
        exposure=exposure,
        available_credit=available,
        threshold=money(warning_threshold()),
        expiring_count=int(row[2] or 0),
    )
    if summary.below_threshold:
        summary.warnings.append(
            f"La copertura disponibile ({formatting.money(available, locale=ITALIAN)}) è inferiore "
            f"alla soglia di attenzione ({formatting.money(summary.threshold, locale=ITALIAN)}): integra le garanzie."
        )
    if summary.expiring_count == 1:
        summary.warnings.append(f"Una garanzia scade entro {EXPIRY_WARNING_DAYS} giorni: provvedi al rinnovo.")
    elif summary.expiring_count > 1:
        summary.warnings.append(
            f"{summary.expiring_count} garanzie scadono entro {EXPIRY_WARNING_DAYS} giorni: provvedi al rinnovo."
        )
    return summary


def available_credit(operator_id: int, today: date | None = None) -> Decimal:
    """Active guarantees + deposits − current exposure."""
    return coverage_summary(operator_id, today).available_credit


# --- lists --------------------------------------------------------------------------------------------------


def operator_guarantees(operator_id: int):
    """The operator's guarantees with their contracts, latest expiry first."""
    return (
        select(Guarantee)
        .options(joinedload(Guarantee.contract))
        .where(Guarantee.operator_id == operator_id)
        .order_by(Guarantee.valid_to.desc(), Guarantee.id.desc())
    )


def all_guarantees(vat_number: str | None = None, state: str | None = None, today: date | None = None):
    """Every guarantee with operator and contract, filtered by the operator's VAT and the state shown."""
    statement = (
        select(Guarantee)
        .join(Guarantee.operator)
        .options(joinedload(Guarantee.operator), joinedload(Guarantee.contract))
        .order_by(Guarantee.valid_to, Guarantee.id)
    )
    if vat_number:
        statement = statement.where(Operator.vat_number == vat_number)
    if state in GUARANTEE_STATES:
        statement = statement.where(effective_state_expression(today or dates.today()) == state)
    return statement


def exposure_history(operator_id: int, limit: int = 10) -> list[Exposure]:
    return list(
        db.session.scalars(
            select(Exposure)
            .options(joinedload(Exposure.recorded_by))
            .where(Exposure.operator_id == operator_id)
            .order_by(Exposure.as_of.desc(), Exposure.id.desc())
            .limit(limit)
        )
    )


# --- changes ------------------------------------------------------------------------------------------------


def operator_by_vat(vat_number: str, field_name: str = "operator_vat") -> Operator:
    operator = find_operator(vat_number=vat_number)
    if operator is None:
        raise GuaranteeError("Nessun operatore registrato con questa Partita IVA.", field_name)
    return operator


def _check_amount(amount: Decimal, field_name: str = "amount", allow_zero: bool = False) -> Decimal:
    if amount is None or not amount.is_finite():
        raise GuaranteeError("Inserisci un importo, ad esempio 150000,00.", field_name)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise GuaranteeError(
            "L'importo non può essere negativo." if allow_zero else "L'importo deve essere maggiore di zero.",
            field_name,
        )
    if amount >= Decimal("1e12"):
        raise GuaranteeError("L'importo è troppo grande.", field_name)
    return money(amount)


def record_guarantee(
    admin: User,
    *,
    operator_vat: str,
    guarantee_type: str,
    issuer: str,
    reference: str,
    amount: Decimal,
    currency: str,
    valid_from: date,
    valid_to: date,
    contract_number: str | None = None,
    state: str = "attiva",
) -> Guarantee:
    """Record a guarantee lodged by the operator with that Partita IVA."""
    operator = operator_by_vat(operator_vat)
    if guarantee_type not in GUARANTEE_TYPES:
        raise GuaranteeError("Tipo di garanzia non valido.", "guarantee_type")
    amount = _check_amount(amount)
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or currency not in list_currencies():
        raise GuaranteeError("Indica la valuta con il codice ISO di tre lettere, ad esempio EUR.", "currency")
    if valid_to < valid_from:
        raise GuaranteeError("La data di scadenza non può precedere la data di decorrenza.", "valid_to")
    if state not in GUARANTEE_STATES:
        raise GuaranteeError("Stato non valido.", "state")
    contract = None
    if contract_number:
        contract = db.session.scalar(select(Contract).where(Contract.number == contract_number.strip()))
        if contract is None or contract.operator_id != operator.id:
            raise GuaranteeError("Nessun contratto dell'operatore con questo numero.", "contract_number")
    guarantee = Guarantee(
        operator_id=operator.id,
        contract_id=contract.id if contract else None,
        guarantee_type=guarantee_type,
        issuer=issuer.strip(),
        reference=reference.strip(),
        amount=amount,
        currency=currency,
        valid_from=valid_from,
        valid_to=valid_to,
        state=state,
        recorded_by_id=admin.id,
    )
    db.session.add(guarantee)
    db.session.flush()
    audit(
        "guarantee.recorded",
        guarantee,
        user=admin,
        amount=str(amount),
        currency=currency,
        guarantee_type=guarantee_type,
    )
    return guarantee


def change_guarantee_state(admin: User, guarantee: Guarantee, state: str) -> None:
    """Set the stored state (e.g. escussa, svincolata), audited."""
    if state not in GUARANTEE_STATES:
        raise GuaranteeError("Stato non valido.", "state")
    if state == guarantee.state:
        raise GuaranteeError("La garanzia è già in questo stato.", "state")
    previous = guarantee.state
    guarantee.state = state
    guarantee.updated_at = utcnow()
    audit("guarantee.state_changed", guarantee, user=admin, previous=previous, state=state)


def record_exposure(admin: User, *, operator_vat: str, amount: Decimal, as_of: date, note: str = "") -> Exposure:
    """A new exposure row for the operator; the latest by date is the current exposure."""
    operator = operator_by_vat(operator_vat)
    amount = _check_amount(amount, allow_zero=True)
    exposure = Exposure(
        operator_id=operator.id,
        amount=amount,
        as_of=as_of,
        note=(note or "").strip(),
        recorded_by_id=admin.id,
    )
    db.session.add(exposure)
    db.session.flush()
    audit("guarantee.exposure_recorded", exposure, user=admin, amount=str(amount), as_of=as_of.isoformat())
    return exposure


# --- expiry notices -----------------------------------------------------------------------------------------


def _recipients(operator_ids: set[int]) -> dict[int, list[User]]:
    """Per operator: its active operator_admin users, or all its active users if it has none."""
    users = db.session.scalars(
        select(User).where(User.operator_id.in_(operator_ids), User.status == "active").order_by(User.id)
    )
    by_operator: dict[int, list[User]] = {}
    for user in users:
        by_operator.setdefault(user.operator_id, []).append(user)
    result = {}
    for operator_id, members in by_operator.items():
        admins = [user for user in members if user.role == "operator_admin"]
        result[operator_id] = admins or members
    return result


def notify_expiring(today: date) -> int:
    """E-mail the operators about guarantees expiring within 30 and 7 days, once per guarantee and threshold.

    A guarantee already within the shorter threshold gets one e-mail, and is marked for the longer one too.
    Returns the number of e-mails queued; the caller commits.
    """
    horizon = today + timedelta(days=max(NOTICE_THRESHOLDS))
    candidates = list(
        db.session.scalars(
            select(Guarantee)
            .options(joinedload(Guarantee.operator))
            .where(
                Guarantee.state.in_(COVERING_STATES),
                Guarantee.valid_to >= today,
                Guarantee.valid_to <= horizon,
            )
            .order_by(Guarantee.valid_to, Guarantee.id)
        )
    )
    if not candidates:
        return 0
    sent_pairs = set(
        db.session.execute(
            select(GuaranteeNotice.guarantee_id, GuaranteeNotice.threshold_days).where(
                GuaranteeNotice.guarantee_id.in_([guarantee.id for guarantee in candidates])
            )
        ).all()
    )
    recipients = _recipients({guarantee.operator_id for guarantee in candidates})
    now = utcnow()
    emails = 0
    for guarantee in candidates:
        days_left = (guarantee.valid_to - today).days
        due = [days for days in NOTICE_THRESHOLDS if days_left <= days and (guarantee.id, days) not in sent_pairs]
        if not due:
            continue
        threshold = min(due)
        for days in due:
            db.session.add(GuaranteeNotice(guarantee_id=guarantee.id, threshold_days=days, sent_at=now))
        link = portal_url("guarantees.detail", guarantee_id=guarantee.id)
        for user in recipients.get(guarantee.operator_id, []):
            send_email(
                user.email,
                f"Garanzia {guarantee.reference} in scadenza il {guarantee.valid_to.strftime('%d/%m/%Y')}",
                "guarantee_expiring",
                user=user,
                guarantee=guarantee,
                days_left=days_left,
                threshold=threshold,
                amount=formatting.money(guarantee.amount, guarantee.currency, locale=ITALIAN),
                link=link,
            )
            emails += 1
        audit(
            "guarantee.expiry_notice",
            guarantee,
            user=None,  # the notify command
            threshold_days=threshold,
            days_left=days_left,
            recipients=len(recipients.get(guarantee.operator_id, [])),
        )
    db.session.flush()
    return emails

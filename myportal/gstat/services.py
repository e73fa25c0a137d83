"""GSTAT rules: plants and reports of an operator, drafts, submissions and corrections, the administrators' views.

The calendar (reportable months, deadlines) is :mod:`.calendar`, the rules of a report :mod:`.validation`, the
CSV upload :mod:`.upload`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..csvimport import RowError, csv_chunks
from ..errors import DomainError
from ..extensions import db
from ..models import as_utc, utcnow
from ..operators.models import Operator, User
from ..security.audit import audit
from .calendar import deadline_end, is_late, last_ended_month
from .models import SOURCES, MonthlyReport, Plant
from .validation import FIGURES, REPORT_VALUES, validate_report

CONCURRENT_CHANGE = (
    "Gli stessi report sono stati modificati nel frattempo (un altro invio?): ricarica la pagina e riprova."
)


class GstatError(DomainError):
    """A refused GSTAT operation."""


class ReportInvalid(GstatError):
    """The figures of a report break the rules: ``errors`` holds one refusal per problem, on its field."""

    def __init__(self, problems: list[RowError]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems
        self.errors = [
            DomainError(problem.message[:1].upper() + problem.message[1:], problem.column) for problem in problems
        ]


@contextmanager
def concurrent_change(field: str | None = None) -> Iterator[None]:
    """A write that another request's write of the same reports beat (a unique index says so) is refused."""
    try:
        yield
    except IntegrityError as error:
        raise GstatError(CONCURRENT_CHANGE, field) from error


# --- plants and reports of an operator ---------------------------------------------------------------


def operator_plants(operator_id: int):
    return select(Plant).where(Plant.operator_id == operator_id).order_by(Plant.gaudi_code)


def current_report(plant: Plant, year: int, month: int) -> MonthlyReport | None:
    return db.session.scalar(
        select(MonthlyReport).where(
            MonthlyReport.plant_id == plant.id,
            MonthlyReport.year == year,
            MonthlyReport.month == month,
            MonthlyReport.is_current.is_(True),
        )
    )


def report_history(plant: Plant, year: int, month: int) -> list[MonthlyReport]:
    return list(
        db.session.scalars(
            select(MonthlyReport)
            .where(MonthlyReport.plant_id == plant.id, MonthlyReport.year == year, MonthlyReport.month == month)
            .options(joinedload(MonthlyReport.submitted_by))
            .order_by(MonthlyReport.revision.desc())
        )
    )


def first_submissions(plant_ids: Iterable[int], months: Iterable[tuple[int, int]]) -> dict:
    """{(plant_id, year, month): first submission time} of these plants and months, in one query."""
    plant_ids, months = list(plant_ids), list(months)
    if not plant_ids or not months:
        return {}
    statement = (
        select(MonthlyReport.plant_id, MonthlyReport.year, MonthlyReport.month, func.min(MonthlyReport.submitted_at))
        .where(MonthlyReport.plant_id.in_(plant_ids), _period_in(months), MonthlyReport.submitted_at.is_not(None))
        .group_by(MonthlyReport.plant_id, MonthlyReport.year, MonthlyReport.month)
    )
    return {(plant, year, month): as_utc(first) for plant, year, month, first in db.session.execute(statement)}


def _period_in(months: list[tuple[int, int]]):
    return or_(*(and_(MonthlyReport.year == year, MonthlyReport.month == month) for year, month in months))


@dataclass(frozen=True)
class Cell:
    """The state of one plant in one month, as the overview shows it."""

    state: str  # bozza, inviato, mancante
    late: bool
    revision: int | None = None

    @property
    def label(self) -> str:
        labels = {"bozza": "Bozza", "inviato": "Inviato", "mancante": "Mancante"}
        return labels[self.state] + (" – in ritardo" if self.late else "")

    @property
    def badge(self) -> str:
        if self.late:
            return "rejected"
        return {"bozza": "pending", "inviato": "approved", "mancante": "locked"}[self.state]


def overview(plants: list[Plant], months: list[tuple[int, int]]) -> dict:
    """{(plant_id, year, month): Cell} for the plants of one page, in two queries whatever their number."""
    ids = [plant.id for plant in plants]
    if not ids:
        return {}
    reports = {
        (report.plant_id, report.year, report.month): report
        for report in db.session.scalars(
            select(MonthlyReport).where(
                MonthlyReport.plant_id.in_(ids),
                _period_in(months),
                MonthlyReport.is_current.is_(True),
            )
        )
    }
    firsts = first_submissions(ids, months)
    now = utcnow()
    cells = {}
    for plant_id in ids:
        for year, month in months:
            key = (plant_id, year, month)
            report = reports.get(key)
            late = is_late(year, month, firsts.get(key), now)
            if report is None:
                cells[key] = Cell("mancante", late)
            else:
                cells[key] = Cell(report.state, late, report.revision)
    return cells


def _submitted_exists(year: int, month: int):
    """SQL condition: the plant (``Plant`` of the enclosing query) has a submitted report for ``month``."""
    return (
        select(MonthlyReport.id)
        .where(
            MonthlyReport.plant_id == Plant.id,
            MonthlyReport.year == year,
            MonthlyReport.month == month,
            MonthlyReport.submitted_at.is_not(None),
        )
        .exists()
    )


def reports_due_query(operator_id: int, year: int, month: int):
    """Count of the operator's plants without a submitted report for ``month``."""
    return (
        select(func.count()).select_from(Plant).where(Plant.operator_id == operator_id, ~_submitted_exists(year, month))
    )


def missing_reports_query(year: int, month: int):
    """Count of every operator's plants without a submitted report for ``month``."""
    return select(func.count()).select_from(Plant).where(~_submitted_exists(year, month))


def reports_due(operator_id: int, today: date | None = None) -> int:
    """Plants of the operator without a submitted report for the last ended month (home-page tile)."""
    return db.session.scalar(reports_due_query(operator_id, *last_ended_month(today)))


def missing_reports_count(year: int, month: int) -> int:
    """Plants of every operator without a submitted report for ``month`` (administrators' home tile)."""
    return db.session.scalar(missing_reports_query(year, month))


# --- the form: drafts, submission, corrections ------------------------------------------------------


def save_report(
    plant: Plant,
    year: int,
    month: int,
    raw: dict,
    user: User,
    *,
    submit: bool = False,
    today: date | None = None,
) -> MonthlyReport:
    """Store the figures as the current draft of the month, and submit them if asked (then locked)."""
    report = current_report(plant, year, month)
    if report is not None and report.is_submitted:
        raise GstatError(
            "Il report di questo mese è già stato inviato e non si può modificare: usa «Rettifica» per "
            "creare una nuova revisione."
        )
    values, problems = validate_report(plant, year, month, raw, today=today)
    if problems:
        raise ReportInvalid(problems)
    with concurrent_change():
        report = _store_report(plant, year, month, report, values, user, submit)
    audit(
        "gstat.submitted" if submit else "gstat.draft_saved",
        report,
        user=user,
        plant=plant.gaudi_code,
        period=f"{year}-{month:02d}",
        revision=report.revision,
    )
    return report


def _store_report(
    plant: Plant, year: int, month: int, report: MonthlyReport | None, values: dict, user: User, submit: bool
) -> MonthlyReport:
    if report is None:
        report = MonthlyReport(
            plant_id=plant.id,
            operator_id=plant.operator_id,
            year=year,
            month=month,
            revision=1,
            is_current=True,
        )
        db.session.add(report)
    for name, value in values.items():
        setattr(report, name, value)
    report.state = "bozza"
    if submit:
        report.state = "inviato"
        report.submitted_at = utcnow()
        report.submitted_by_id = user.id
    db.session.flush()
    return report


def correct_report(report: MonthlyReport, user: User) -> MonthlyReport:
    """A correction ("Rettifica") of a submitted report: a new draft revision; the previous one is kept."""
    if not report.is_current or not report.is_submitted:
        raise GstatError("Si può rettificare solo l'ultima revisione inviata.")
    with concurrent_change():
        report.is_current = False
        db.session.flush()
        copy = _revision_of(report)
    audit(
        "gstat.correction_started", copy, user=user, revision=copy.revision, period=f"{report.year}-{report.month:02d}"
    )
    return copy


def _revision_of(report: MonthlyReport) -> MonthlyReport:
    copy = MonthlyReport(
        plant_id=report.plant_id,
        operator_id=report.operator_id,
        year=report.year,
        month=report.month,
        revision=report.revision + 1,
        state="bozza",
        is_current=True,
        **{name: getattr(report, name) for name in REPORT_VALUES},
    )
    db.session.add(copy)
    db.session.flush()
    return copy


def annual_summary(operator_id: int, year: int) -> list:
    """Per plant of the operator: sums of the current reports of ``year``, in one aggregate query."""
    joined = and_(MonthlyReport.plant_id == Plant.id, MonthlyReport.year == year, MonthlyReport.is_current.is_(True))
    statement = (
        select(
            Plant.id,
            Plant.gaudi_code,
            Plant.name,
            Plant.source,
            func.count(MonthlyReport.id).label("months"),
            func.count(case((MonthlyReport.state == "inviato", MonthlyReport.id))).label("submitted"),
            *(func.coalesce(func.sum(getattr(MonthlyReport, name)), 0).label(name) for name in FIGURES),
        )
        .outerjoin(MonthlyReport, joined)
        .where(Plant.operator_id == operator_id)
        .group_by(Plant.id, Plant.gaudi_code, Plant.name, Plant.source)
        .order_by(Plant.gaudi_code)
    )
    return list(db.session.execute(statement))


# --- administrators ---------------------------------------------------------------------------------


def _first_submission(year: int, month: int):
    return (
        select(func.min(MonthlyReport.submitted_at))
        .where(MonthlyReport.plant_id == Plant.id, MonthlyReport.year == year, MonthlyReport.month == month)
        .scalar_subquery()
    )


def missing_or_late(year: int, month: int):
    """Plants without a report submitted by the deadline of ``month`` (missing, or submitted late)."""
    first = _first_submission(year, month)
    return (
        select(Plant)
        .options(joinedload(Plant.operator))
        .where(or_(first.is_(None), first >= deadline_end(year, month)))
        .order_by(Plant.gaudi_code)
    )


MONTH_EXPORT_HEADER = (
    "operator_vat_number",
    "operator_name",
    "gaudi_code",
    "plant_name",
    "source",
    "capacity_mw",
    "year",
    "month",
    "revision",
    "state",
    *FIGURES,
    "fuel_type",
    "fuel_quantity",
    "submitted_at",
    "late",
)


def month_export(year: int, month: int) -> Iterator[str]:
    """Every current report of ``month`` as CSV (';' separated, decimal commas), streamed."""
    return csv_chunks(MONTH_EXPORT_HEADER, _month_rows(year, month))


def _month_rows(year: int, month: int) -> Iterator[tuple]:
    statement = (
        select(MonthlyReport, Plant, Operator)
        .join(Plant, MonthlyReport.plant_id == Plant.id)
        .join(Operator, MonthlyReport.operator_id == Operator.id)
        .where(MonthlyReport.year == year, MonthlyReport.month == month, MonthlyReport.is_current.is_(True))
        .order_by(Plant.gaudi_code)
        .execution_options(yield_per=500)
    )
    firsts = {}
    for plant_id, first in db.session.execute(
        select(MonthlyReport.plant_id, func.min(MonthlyReport.submitted_at))
        .where(MonthlyReport.year == year, MonthlyReport.month == month)
        .group_by(MonthlyReport.plant_id)
    ):
        firsts[plant_id] = first
    limit = deadline_end(year, month)
    for report, plant, operator in db.session.execute(statement):
        first = as_utc(firsts.get(plant.id))
        yield (
            operator.vat_number or operator.fiscal_code or "",
            operator.name,
            plant.gaudi_code,
            plant.name,
            plant.source,
            _decimal_comma(plant.capacity_mw),
            year,
            month,
            report.revision,
            report.state,
            *(_decimal_comma(getattr(report, name)) for name in FIGURES),
            report.fuel_type or "",
            _decimal_comma(report.fuel_quantity),
            as_utc(report.submitted_at).isoformat() if report.submitted_at else "",
            "sì" if first is None or first >= limit else "no",
        )


def _decimal_comma(value) -> str:
    return "" if value is None else str(value).replace(".", ",")


def all_plants():
    return select(Plant).options(joinedload(Plant.operator)).order_by(Plant.gaudi_code)


def record_plant(
    admin: User, *, vat_number: str, gaudi_code: str, name: str, source: str, capacity_mw: Decimal
) -> Plant:
    """Create a plant of the operator with ``vat_number``, or update the one with that GAUDÌ code."""
    operator = db.session.scalar(select(Operator).where(Operator.vat_number == vat_number))
    if operator is None:
        raise GstatError("Nessun operatore registrato con questa Partita IVA.", "vat_number")
    if source not in SOURCES:
        raise GstatError("Fonte non valida.", "source")
    plant = db.session.scalar(select(Plant).where(Plant.gaudi_code == gaudi_code))
    created = plant is None
    if created:
        plant = Plant(gaudi_code=gaudi_code)
        db.session.add(plant)
    elif plant.operator_id != operator.id and _has_reports(plant):
        raise GstatError(
            f"L'impianto {gaudi_code} ha già report di un altro operatore: non può cambiare operatore.",
            "gaudi_code",
        )
    plant.operator_id, plant.name, plant.source, plant.capacity_mw = operator.id, name, source, capacity_mw
    db.session.flush()
    audit(
        "gstat.plant_created" if created else "gstat.plant_updated",
        plant,
        user=admin,
        operator_id=operator.id,
        gaudi_code=gaudi_code,
    )
    return plant


def _has_reports(plant: Plant) -> bool:
    return db.session.scalar(select(MonthlyReport.id).where(MonthlyReport.plant_id == plant.id).limit(1)) is not None

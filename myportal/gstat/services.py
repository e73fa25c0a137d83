"""GSTAT rules: validation of the monthly figures, drafts and submissions, revisions, uploads, deadlines."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import repeat
from operator import is_not, itemgetter

from flask import current_app
from sqlalchemy import Numeric, and_, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from .. import dates, formatting
from ..dates import days_in_month, local_midnight, next_month, previous_month
from ..extensions import db
from ..formatting import ITALIAN
from ..models import as_utc, utcnow
from ..operators.models import Operator, User
from ..security.audit import audit
from .models import FUEL_UNITS, SOURCES, MonthlyReport, Plant

FIGURES = (
    "gross_production_mwh",
    "net_production_mwh",
    "auxiliary_consumption_mwh",
    "pumping_consumption_mwh",
)
OPTIONAL_FIGURES = ("auxiliary_consumption_mwh", "pumping_consumption_mwh")  # blank means 0
CSV_HEADER = ("gaudi_code", "year", "month", *FIGURES, "fuel_type", "fuel_quantity")
COLUMN_LABELS = {
    "gaudi_code": "codice GAUDÌ",
    "year": "anno",
    "month": "mese",
    "gross_production_mwh": "produzione lorda",
    "net_production_mwh": "produzione netta",
    "auxiliary_consumption_mwh": "consumi dei servizi ausiliari",
    "pumping_consumption_mwh": "consumi per pompaggio",
    "fuel_type": "unità del combustibile",
    "fuel_quantity": "quantità di combustibile",
}
DEFAULT_DEADLINE_DAY = 15
DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
MAX_FIGURE = Decimal("99999999999")
THOUSANDTH = Decimal("0.001")
RECENT_MONTHS = 6
ZERO = Decimal("0.000")
THOUSANDS_RE = re.compile(r"^-?\d{1,3}(\.\d{3}){2,}$")
# At most ten digits and three decimals after one point or comma: read as is, always within MAX_FIGURE.
PLAIN_FIGURE_RE = re.compile(r"\d{1,10}(?:[.,]\d{1,3})?", re.ASCII)
_plain_figure = PLAIN_FIGURE_RE.fullmatch
REPORT_VALUES = (*FIGURES, "fuel_type", "fuel_quantity")
NO_FUEL = (None, None)  # fuel_type, fuel_quantity of a plant that is not thermal


class GstatError(Exception):
    """A refused GSTAT operation; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Problem:
    """One validation problem: ``line`` of the file (None in a form), ``column`` (None for the whole row)."""

    column: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"riga {self.line}")
        if self.column:
            parts.append(f"colonna {self.column}")
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message


class ReportInvalid(GstatError):
    """The figures of a report break the rules; ``problems`` lists each one by column."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


# --- calendar and deadlines -------------------------------------------------------------------------


@lru_cache(maxsize=512)
def month_hours(year: int, month: int) -> int:
    return days_in_month(year, month) * 24


def month_ended(year: int, month: int, today: date) -> bool:
    """A month is reportable only once it has ended."""
    return (year, month) < (today.year, today.month)


def last_ended_month(today: date | None = None) -> tuple[int, int]:
    today = today or dates.today()
    return previous_month(today.year, today.month)


def recent_months(today: date | None = None, count: int = RECENT_MONTHS) -> list[tuple[int, int]]:
    """The ``count`` most recent ended months, the latest first."""
    months = [last_ended_month(today)]
    while len(months) < count:
        months.append(previous_month(*months[-1]))
    return months


def deadline_day() -> int:
    return min(max(int(current_app.config.get("GSTAT_DEADLINE_DAY", DEFAULT_DEADLINE_DAY)), 1), 28)


def deadline(year: int, month: int) -> date:
    """The last day to submit the report of ``month``: GSTAT_DEADLINE_DAY of the following month."""
    return date(*next_month(year, month), deadline_day())


def deadline_end(year: int, month: int) -> datetime:
    """The instant the deadline passes (midnight after the deadline day, Italian time), in UTC terms."""
    return local_midnight(deadline(year, month) + timedelta(days=1))


def is_late(year: int, month: int, submitted_at: datetime | None, now: datetime | None = None) -> bool:
    """Submitted after the deadline, or not submitted and the deadline has passed."""
    limit = deadline_end(year, month)
    if submitted_at is None:
        return (now or utcnow()) >= limit
    return as_utc(submitted_at) >= limit


# --- validation ------------------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """A number written with a decimal point or comma; dots as thousands separators are accepted with a
    decimal comma (1.234,5) or when there are several of them (32.000.000). A single dot is a decimal point."""
    compact = text.replace(" ", "").replace("\u00a0", "") if " " in text or "\u00a0" in text else text
    if "," in compact:
        compact = compact.replace(".", "").replace(",", ".")
    elif compact.count(".") > 1 and THOUSANDS_RE.match(compact):
        compact = compact.replace(".", "")
    try:
        value = Decimal(compact)
    except InvalidOperation as error:
        raise ValueError(f"{text!r} non è un numero.") from error
    if not value.is_finite():
        raise ValueError(f"{text!r} non è un numero.")
    return value


def _figure(text: str, column: str, line: int | None, problems: list[Problem]) -> Decimal | None:
    """A figure (``text`` stripped and not empty) from 0 to MAX_FIGURE to the thousandth, or None and a problem."""
    if _plain_figure(text):  # the common case: parse_decimal would read the same, in range, to the thousandth
        return Decimal(text.replace(",", ".")) + ZERO
    try:
        number = parse_decimal(text)
    except ValueError as error:
        problems.append(Problem(column, str(error), line))
        return None
    if number < 0:
        problems.append(Problem(column, f"il valore non può essere negativo ({text}).", line))
        return None
    if number > MAX_FIGURE:
        problems.append(Problem(column, f"valore troppo grande ({text}).", line))
        return None
    return number.quantize(THOUSANDTH)


@dataclass(frozen=True)
class _PlantFacts:
    """What validating and storing a report needs of its plant, read once per plant."""

    id: int
    operator_id: int
    gaudi_code: str
    capacity_mw: Decimal
    is_thermal: bool
    source_label: str
    limits: dict  # {hours of a month: largest gross production in MWh}

    @classmethod
    def of(cls, plant: Plant) -> _PlantFacts:
        capacity = plant.capacity_mw
        limits = {days * 24: _production_limit(capacity, days * 24) for days in (28, 29, 30, 31)}
        return cls(
            plant.id, plant.operator_id, plant.gaudi_code, capacity, plant.is_thermal, plant.source_label, limits
        )


def _month_not_ended(year: int, month: int, today: date) -> str | None:
    if (year, month) >= (today.year, today.month):
        return f"il mese {month:02d}/{year} non è ancora concluso: si possono dichiarare solo i mesi terminati."
    return None


def validate_report(
    plant: Plant,
    year: int,
    month: int,
    raw: dict,
    *,
    today: date | None = None,
) -> tuple[dict, list[Problem]]:
    """Parse and check the figures of one plant and month; the same rules for the form and the upload.

    ``raw`` holds the texts of FIGURES, ``fuel_type`` and ``fuel_quantity``. Returns the values to store
    and the problems found, each by column.
    """
    today = today or dates.today()
    hours = month_hours(year, month) if 1 <= month <= 12 else None
    texts = tuple(raw.get(name) or "" for name in REPORT_VALUES)
    problems: list[Problem] = []
    values = _check_report(
        _PlantFacts.of(plant), texts, _month_not_ended(year, month, today), hours, None, {}, problems
    )
    stored = {name: value for name, value in zip(FIGURES, values, strict=False) if value is not None}
    stored["fuel_type"], stored["fuel_quantity"] = values[4], values[5]
    return stored, problems


def _check_report(
    plant: _PlantFacts,
    texts: tuple,
    not_ended: str | None,
    hours: int | None,
    line: int | None,
    known: dict,
    problems: list[Problem],
) -> list:
    """The rules of :func:`validate_report` on the texts of REPORT_VALUES, in that order: the values (None where
    wrong), adding the problems found to ``problems``. ``not_ended`` and ``hours`` (None if not a month) describe
    the month; ``known`` keeps the figures already read, by text, for the next rows of a file (a Decimal is
    immutable)."""
    if not_ended:
        problems.append(Problem("month", not_ended, line))
    figures = []
    for name, text in zip(FIGURES, texts, strict=False):
        number = known.get(text)
        if number is not None:
            figures.append(number)
            continue
        stripped = text.strip()
        if _plain_figure(stripped):
            # The common case, as _figure reads it; at most three decimals, so adding ZERO is the quantize.
            number = known[text] = Decimal(stripped.replace(",", ".")) + ZERO
            figures.append(number)
        elif stripped:
            figures.append(_figure(stripped, name, line, problems))
        elif name in OPTIONAL_FIGURES:
            figures.append(ZERO)
        else:
            problems.append(Problem(name, f"indica la {COLUMN_LABELS[name]} in MWh.", line))
            figures.append(None)
    gross, net = figures[0], figures[1]
    if gross is not None and net is not None and net > gross:
        problems.append(
            Problem(
                "net_production_mwh",
                f"la produzione netta ({formatting.number(net, 3, ITALIAN)} MWh) non può superare la produzione lorda "
                f"({formatting.number(gross, 3, ITALIAN)} MWh).",
                line,
            )
        )
    if gross is not None and hours is not None:
        limit = plant.limits[hours]
        if gross > limit:
            problems.append(
                Problem(
                    "gross_production_mwh",
                    f"la produzione lorda ({formatting.number(gross, 3, ITALIAN)} MWh) supera il massimo possibile "
                    f"per l'impianto {plant.gaudi_code}: {formatting.number(plant.capacity_mw, 3, ITALIAN)} MW "
                    f"× {hours} ore = {formatting.number(limit, 3, ITALIAN)} MWh.",
                    line,
                )
            )
    fuel_type, quantity = texts[4].strip(), texts[5].strip()
    if plant.is_thermal or fuel_type or quantity:
        figures.extend(_check_fuel(plant, fuel_type, quantity, line, problems))
    else:
        figures += NO_FUEL
    return figures


@lru_cache(maxsize=4096)
def _production_limit(capacity_mw: Decimal, hours: int) -> Decimal:
    return (Decimal(capacity_mw) * hours).quantize(THOUSANDTH)


_UNITS = {unit.lower(): unit for unit in FUEL_UNITS}


def _check_fuel(
    plant: _PlantFacts,
    fuel_type: str,
    quantity_text: str,
    line: int | None,
    problems: list[Problem],
) -> tuple[str | None, Decimal | None]:
    """The fuel unit and quantity (stripped texts): required of thermal plants, refused of the others."""
    if not plant.is_thermal:
        if fuel_type or quantity_text:
            column = "fuel_type" if fuel_type else "fuel_quantity"
            problems.append(
                Problem(
                    column,
                    f"il combustibile si indica solo per gli impianti termoelettrici "
                    f"({plant.gaudi_code} è {plant.source_label.lower()}): lascia vuoto.",
                    line,
                )
            )
        return None, None
    unit = quantity = None
    if not fuel_type:
        problems.append(
            Problem(
                "fuel_type",
                f"per un impianto termoelettrico indica l'unità del combustibile ({', '.join(FUEL_UNITS)}).",
                line,
            )
        )
    elif fuel_type.lower() not in _UNITS:
        problems.append(
            Problem("fuel_type", f"unità {fuel_type!r} non prevista: usa una tra {', '.join(FUEL_UNITS)}.", line)
        )
    else:
        unit = _UNITS[fuel_type.lower()]
    if not quantity_text:
        problems.append(
            Problem(
                "fuel_quantity", "per un impianto termoelettrico indica la quantità di combustibile utilizzato.", line
            )
        )
    else:
        quantity = _figure(quantity_text, "fuel_quantity", line, problems)
    return unit, quantity


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
    audit(
        "gstat.submitted" if submit else "gstat.draft_saved",
        report,
        user=user,
        plant=plant.gaudi_code,
        period=f"{year}-{month:02d}",
        revision=report.revision,
    )
    return report


def correct_report(report: MonthlyReport, user: User) -> MonthlyReport:
    """A correction ("Rettifica") of a submitted report: a new draft revision; the previous one is kept."""
    if not report.is_current or not report.is_submitted:
        raise GstatError("Si può rettificare solo l'ultima revisione inviata.")
    report.is_current = False
    db.session.flush()
    copy = MonthlyReport(
        plant_id=report.plant_id,
        operator_id=report.operator_id,
        year=report.year,
        month=report.month,
        revision=report.revision + 1,
        state="bozza",
        is_current=True,
        **{name: getattr(report, name) for name in (*FIGURES, "fuel_type", "fuel_quantity")},
    )
    db.session.add(copy)
    db.session.flush()
    audit(
        "gstat.correction_started", copy, user=user, revision=copy.revision, period=f"{report.year}-{report.month:02d}"
    )
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


# --- CSV upload -------------------------------------------------------------------------------------


@dataclass
class UploadResult:
    """What an upload stored, or every problem that stopped it (then nothing was written)."""

    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    corrected: int = 0
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def upload_max_bytes() -> int:
    return int(current_app.config.get("GSTAT_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def _decode(data: bytes) -> str:
    if len(data) > upload_max_bytes():
        limit = upload_max_bytes() // (1024 * 1024) or 1
        raise GstatError(f"Il file supera il limite di {limit} MB: dividilo in più file.", "file")
    if not data.strip():
        raise GstatError("Il file è vuoto.", "file")
    if b"\x00" in data:
        raise GstatError("Il file non è un CSV di testo.", "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise GstatError(
            f"Il file non è codificato in UTF-8 (carattere non valido alla riga {line}): salvalo come «CSV UTF-8».",
            "file",
        ) from error


def _header(names: list[str]) -> tuple[dict[str, int], list[Problem]]:
    seen = [name.strip().lower() for name in names]
    missing = [name for name in CSV_HEADER if name not in seen]
    unknown = [name or "(senza nome)" for name in seen if name not in CSV_HEADER]
    repeated = sorted({name for name in seen if seen.count(name) > 1})
    problems = []
    if missing:
        problems.append(Problem(None, "colonne mancanti: " + ", ".join(missing), 1))
    if unknown:
        problems.append(Problem(None, "colonne sconosciute: " + ", ".join(unknown), 1))
    if repeated:
        problems.append(Problem(None, "colonne ripetute: " + ", ".join(repeated), 1))
    if problems:
        problems.append(Problem(None, "l'intestazione attesa è " + ";".join(CSV_HEADER), 1))
    return {name: seen.index(name) for name in CSV_HEADER if name in seen}, problems


def _int(text: str, column: str, line: int, low: int, high: int, problems: list[Problem]) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        problems.append(
            Problem(column, f"{COLUMN_LABELS[column]} non valido ({text!r}): atteso un numero da {low} a {high}.", line)
        )
        return None
    return int(text)


_YEARS = {str(year): year for year in range(2000, 2101)}
_MONTHS = {**{str(month): month for month in range(1, 13)}, **{f"{month:02d}": month for month in range(1, 10)}}


def check_upload(
    operator_id: int,
    data: bytes,
    *,
    today: date | None = None,
) -> tuple[list[tuple], list[Problem]]:
    """Validate a whole upload; every problem found, and the rows ready to store as tuples of the columns
    _STORED."""
    today = today or dates.today()
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        names = next(reader)
    except (StopIteration, csv.Error) as error:
        raise GstatError("Il file non ha una riga di intestazione leggibile.", "file") from error
    index, problems = _header(names)
    if problems:
        return [], problems
    plants = {
        plant.gaudi_code.upper(): _PlantFacts.of(plant) for plant in db.session.scalars(operator_plants(operator_id))
    }
    months: dict[int, tuple[str | None, int]] = {}  # year * 100 + month: (not ended, hours)
    seen: dict[tuple[int, int, int], int] = {}
    known: dict[str, Decimal] = {}  # figures read, by text
    rows: list[tuple] = []
    width = len(names)
    code_at, year_at, month_at = index["gaudi_code"], index["year"], index["month"]
    value_texts = itemgetter(*(index[name] for name in REPORT_VALUES))
    try:
        for cells in reader:
            line = reader.line_num
            if len(cells) != width:
                if "".join(cells).strip():
                    problems.append(Problem(None, f"trovati {len(cells)} campi, attesi {width}.", line))
                continue
            code = cells[code_at].strip().upper()
            year = _YEARS.get(cells[year_at])
            month = _MONTHS.get(cells[month_at])
            plant = plants.get(code)
            if plant is None or year is None or month is None:
                if not "".join(cells).strip():
                    continue
                row_problems: list[Problem] = []
                if not code:
                    row_problems.append(Problem("gaudi_code", "indica il codice GAUDÌ dell'impianto.", line))
                elif plant is None:
                    row_problems.append(
                        Problem("gaudi_code", f"l'impianto {code} non è tra gli impianti della tua azienda.", line)
                    )
                if year is None:
                    year = _int(cells[year_at], "year", line, 2000, 2100, row_problems)
                if month is None:
                    month = _int(cells[month_at], "month", line, 1, 12, row_problems)
                problems.extend(row_problems)
                if plant is None or year is None or month is None:
                    continue
            key = (plant.id, year, month)
            if key in seen:
                problems.append(
                    Problem(
                        "gaudi_code",
                        f"impianto {code} e mese {month:02d}/{year} già presenti alla riga {seen[key]}.",
                        line,
                    )
                )
                continue
            seen[key] = line
            period = months.get(year * 100 + month)
            if period is None:
                period = months[year * 100 + month] = (_month_not_ended(year, month, today), month_hours(year, month))
            found = len(problems)
            values = _check_report(plant, value_texts(cells), *period, line, known, problems)
            if len(problems) == found:
                rows.append((plant.id, plant.operator_id, year, month, *values))
    except csv.Error as error:
        problems.append(Problem(None, f"formato CSV non valido: {error}.", reader.line_num))
    if not problems and not rows:
        problems.append(Problem(None, "il file non contiene righe di dati."))
    return rows, problems


_STORED = ("plant_id", "operator_id", "year", "month", *REPORT_VALUES)


def upload_reports(
    user: User,
    data: bytes,
    *,
    submit: bool = False,
    filename: str | None = None,
    today: date | None = None,
) -> UploadResult:
    """Validate the whole file; if it is clean, store every row (drafts, or submitted), all at once.

    A row for a month that has a draft replaces the draft; for a submitted month it becomes a new revision.
    """
    rows, problems = check_upload(user.operator_id, data, today=today)
    result = UploadResult(problems=problems, rows=len(rows), submitted=submit)
    if problems:
        return result
    current = _current_reports(user.operator_id, set(map(itemgetter(2, 3), rows)))
    now = utcnow()
    state = {
        "state": "inviato" if submit else "bozza",
        "submitted_at": now if submit else None,
        "submitted_by_id": user.id if submit else None,
    }
    constants = {"is_current": True, "created_at": now, "updated_at": now, **state}
    inserts, revisions, updates, retired = rows, None, [], []
    if current:  # some months already have a report: a draft is replaced, a submitted one gets a new revision
        inserts, revisions = [], []
        for row in rows:
            existing = current.get((row[0], row[2], row[3]))
            if existing is None:
                inserts.append(row)
                revisions.append(1)
            elif existing.state == "bozza":
                updates.append(
                    {"id": existing.id, **dict(zip(REPORT_VALUES, row[4:], strict=True)), **state, "updated_at": now}
                )
            else:
                retired.append({"id": existing.id, "is_current": False, "updated_at": now})
                inserts.append(row)
                revisions.append(existing.revision + 1)
    if retired:
        db.session.execute(update(MonthlyReport), retired)
    if inserts:
        columns = dict(zip(_STORED, zip(*inserts, strict=True), strict=True))
        if revisions is None:
            constants["revision"] = 1
        else:
            columns["revision"] = revisions
        _insert_reports(columns, constants, len(inserts))
    if updates:
        db.session.execute(update(MonthlyReport), updates)
    result.inserted = len(inserts) - len(retired)
    result.corrected = len(retired)
    result.updated = len(updates)
    audit(
        "gstat.uploaded",
        user=user,
        operator_id=user.operator_id,
        file=filename,
        rows=result.rows,
        inserted=result.inserted,
        updated=result.updated,
        corrected=result.corrected,
        submitted=submit,
    )
    return result


def _insert_reports(columns: dict, constants: dict, count: int) -> None:
    """One executemany INSERT of ``count`` reports: ``columns`` maps names to their values, ``constants`` names
    to the value of every row. A nullable column without a default that is None in every row is left out.

    The values go through the columns' own bind processors, column by column and each constant once, then to
    the driver as tuples: the values Core would send, without Core's work for every row and parameter.
    """
    table = MonthlyReport.__table__
    columns = {
        name: values
        for name, values in columns.items()
        if not (
            table.c[name].nullable
            and table.c[name].default is None
            and table.c[name].server_default is None
            and not any(map(is_not, values, repeat(None)))
        )
    }
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=[*columns, *constants])
    if not compiled.positional:
        names = list(columns)
        connection.execute(
            table.insert(),
            [{**dict(zip(names, row, strict=True)), **constants} for row in zip(*columns.values(), strict=True)],
        )
        return
    sequences: dict = {}
    for name, values in columns.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            sequences[name] = values
            continue
        distinct = set(values) if isinstance(table.c[name].type, Numeric) else None
        if distinct is not None and len(distinct) * 2 <= count:  # each number once: files repeat many figures
            processed = {value: process(value) for value in distinct}
            sequences[name] = list(map(processed.__getitem__, values))
        else:
            sequences[name] = list(map(process, values))
    for name, value in constants.items():
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        sequences[name] = repeat(value if process is None else process(value), count)
    parameters = list(zip(*(sequences[name] for name in compiled.positiontup), strict=False))
    connection.exec_driver_sql(compiled.string, parameters)


def _current_reports(operator_id: int, periods: set[tuple[int, int]]) -> dict:
    years = sorted({year for year, _ in periods})
    statement = select(
        MonthlyReport.id,
        MonthlyReport.plant_id,
        MonthlyReport.year,
        MonthlyReport.month,
        MonthlyReport.revision,
        MonthlyReport.state,
    ).where(MonthlyReport.operator_id == operator_id, MonthlyReport.is_current.is_(True), MonthlyReport.year.in_(years))
    return {
        (row.plant_id, row.year, row.month): row
        for row in db.session.execute(statement)
        if (row.year, row.month) in periods
    }


def template_csv(operator_id: int, today: date | None = None) -> str:
    """The upload template: the header and one row per plant of the operator for the last ended month."""
    year, month = last_ended_month(today)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for plant in db.session.scalars(operator_plants(operator_id)):
        writer.writerow((plant.gaudi_code, year, month, "", "", "", "", "", ""))
    return buffer.getvalue()


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


def month_export(year: int, month: int) -> Iterator[str]:
    """Every current report of ``month`` as CSV (';' separated, decimal commas), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(
        (
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
    )
    yield flush()
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
        writer.writerow(
            (
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
        )
        yield flush()


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

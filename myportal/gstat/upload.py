"""GSTAT's CSV upload: a whole file of monthly reports, validated row by row, stored all at once or not at all.

The file is read by :mod:`myportal.csvimport` (UTF-8, the one delimiter rule, the one header check, row errors
by line and column); every row follows :mod:`.validation`, the rules of the form.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from itertools import repeat
from operator import is_not, itemgetter

from flask import current_app
from sqlalchemy import Numeric, select, update

from .. import dates
from ..csvimport import NotUtf8, RowError, decode, read_table
from ..exports import csv_text
from ..extensions import db
from ..models import utcnow
from ..operators.models import User
from ..security.audit import audit
from .calendar import last_ended_month
from .models import MonthlyReport
from .services import GstatError, concurrent_change, operator_plants
from .validation import COLUMN_LABELS, FIGURES, REPORT_VALUES, Period, PlantFacts, ReportChecker

PROBLEMS_SHOWN = 200  # a file of 100,000 wrong rows would otherwise make a page of megabytes
CSV_HEADER = ("gaudi_code", "year", "month", *FIGURES, "fuel_type", "fuel_quantity")
DEFAULT_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
_STORED = ("plant_id", "operator_id", "year", "month", *REPORT_VALUES)
_YEARS = {str(year): year for year in range(dates.FIRST_YEAR, dates.LAST_YEAR + 1)}
_MONTHS = {**{str(month): month for month in range(1, 13)}, **{f"{month:02d}": month for month in range(1, 10)}}
_values = itemgetter(slice(3, None))  # the texts of REPORT_VALUES in a row of CSV_HEADER


@dataclass
class UploadResult:
    """What an upload stored, or every problem that stopped it (then nothing was written)."""

    problems: list[RowError] = field(default_factory=list)
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    corrected: int = 0
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def shown_problems(self) -> list[RowError]:
        """The problems the page lists: the first PROBLEMS_SHOWN (the page says how many there are in all)."""
        return self.problems[:PROBLEMS_SHOWN]


class UploadRefused(GstatError):
    """A file with problems: nothing was stored; ``result.problems`` lists every one of them, row by row."""

    def __init__(self, result: UploadResult):
        super().__init__("Correggi gli errori elencati e carica di nuovo il file.", "file")
        self.result = result


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
        return decode(data)
    except NotUtf8 as error:
        raise GstatError(error.message, "file") from error


def _int(text: str, column: str, line: int, low: int, high: int, problems: list[RowError]) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        problems.append(
            RowError(
                line, f"{COLUMN_LABELS[column]} non valido ({text!r}): atteso un numero da {low} a {high}.", column
            )
        )
        return None
    return int(text)


def check_upload(
    operator_id: int,
    data: bytes,
    *,
    today: date | None = None,
) -> tuple[list[tuple], list[RowError]]:
    """Validate a whole upload; the rows ready to store as tuples of the columns _STORED, and every problem."""
    today = today or dates.today()
    lines = io.StringIO(_decode(data), newline="")
    plants = {
        plant.gaudi_code.upper(): PlantFacts.of(plant) for plant in db.session.scalars(operator_plants(operator_id))
    }
    periods: dict[int, Period] = {}  # year * 100 + month: Period
    seen: dict[tuple[int, int, int], int] = {}
    checker = ReportChecker()
    problems = checker.problems
    rows: list[tuple] = []
    for line, cells in read_table(lines, CSV_HEADER, problems.append):
        code = cells[0].strip().upper()
        year = _YEARS.get(cells[1])
        month = _MONTHS.get(cells[2])
        plant = plants.get(code)
        if plant is None or year is None or month is None:
            row_problems: list[RowError] = []
            if not code:
                row_problems.append(RowError(line, "indica il codice GAUDÌ dell'impianto.", "gaudi_code"))
            elif plant is None:
                row_problems.append(
                    RowError(line, f"l'impianto {code} non è tra gli impianti della tua azienda.", "gaudi_code")
                )
            if year is None:
                year = _int(cells[1], "year", line, dates.FIRST_YEAR, dates.LAST_YEAR, row_problems)
            if month is None:
                month = _int(cells[2], "month", line, 1, 12, row_problems)
            problems.extend(row_problems)
            if plant is None or year is None or month is None:
                continue
        key = (plant.id, year, month)
        if key in seen:
            problems.append(
                RowError(
                    line, f"impianto {code} e mese {month:02d}/{year} già presenti alla riga {seen[key]}.", "gaudi_code"
                )
            )
            continue
        seen[key] = line
        period = periods.get(year * 100 + month)
        if period is None:
            period = periods[year * 100 + month] = Period.of(year, month, today)
        found = len(problems)
        values = checker.check(plant, period, _values(cells), line)
        if len(problems) == found:
            rows.append((plant.id, plant.operator_id, year, month, *values))
    if not problems and not rows:
        problems.append(RowError(None, "il file non contiene righe di dati."))
    return rows, problems


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
    A file with problems stores nothing and raises :class:`UploadRefused`.
    """
    rows, problems = check_upload(user.operator_id, data, today=today)
    result = UploadResult(problems=problems, rows=len(rows), submitted=submit)
    if problems:
        raise UploadRefused(result)
    with concurrent_change("file"):
        _store(user, rows, submit, result)
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


def _store(user: User, rows: list[tuple], submit: bool, result: UploadResult) -> None:
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
    plants = db.session.scalars(operator_plants(operator_id))
    return csv_text(CSV_HEADER, ((plant.gaudi_code, year, month, "", "", "", "", "", "") for plant in plants))

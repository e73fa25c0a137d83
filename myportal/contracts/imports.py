"""``myportal import measurements FILE``: 15-minute measurements from a CSV file.

The header names the columns ``pod,start,active_energy_kwh,reactive_energy_kvarh,power_kw`` (any order; the
file is read by :mod:`myportal.csvimport`: UTF-8, ``,`` or ``;`` by its one rule, figures the Italian way —
quote a decimal comma when the separator is a comma; a dot decimal such as ``1.25`` is read too, an
ambiguous ``8.125`` is refused). ``start`` is the beginning of the quarter hour: ISO 8601 with its offset
(``2025-03-01T14:15:00+01:00``) or Italian local time without it (``2025-03-01 14:15``).

Rows are checked one by one and written in chunks (bulk inserts and updates) inside a savepoint; any error and
the savepoint is rolled back, so that nothing is written and every error comes back with its line number. A
row whose (POD, start) exists already updates it, so that importing the same file twice changes nothing. The
whole file is never held in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from sqlalchemy import insert, select, update

from ..csvimport import (
    ImportResult,
    NotANumber,
    RowError,
    Source,
    audit_import,
    import_command,
    open_lines,
    parse_decimal,
    read_table,
    upsert,
)
from ..dates import ROME
from ..extensions import db
from ..models import as_utc, utcnow
from .models import Measurement, SupplyPoint

COLUMNS = ("pod", "start", "active_energy_kwh", "reactive_energy_kvarh", "power_kw")
QUANTITIES = COLUMNS[2:]
CHUNK = 1000
LOOKUP_CHUNK = 500
MAX_ERRORS = 200
QUARTER = 900  # seconds
MAX_QUANTITY = Decimal("999999999.999")
THOUSANDTH = Decimal("0.001")


class RowProblem(Exception):
    """One value of a row that cannot be imported."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


# --- values ---------------------------------------------------------------------------------------------


def parse_quantity(column: str, text: str) -> Decimal:
    """A non-negative figure (:func:`myportal.csvimport.parse_decimal`), rounded to three decimals."""
    text = text.strip()
    if not text:
        raise RowProblem(column, "campo obbligatorio mancante.")
    try:
        value = parse_decimal(text)
    except NotANumber as error:
        raise RowProblem(column, str(error)) from None
    if value < 0:
        raise RowProblem(column, f"il valore non può essere negativo ({text}).")
    value = value.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
    if value > MAX_QUANTITY:
        raise RowProblem(column, f"valore troppo grande ({text}).")
    return value


def parse_start(text: str, now: datetime | None = None) -> datetime:
    """The UTC start of a quarter hour, from ISO 8601 with an offset or from Italian local time."""
    text = text.strip()
    if not text:
        raise RowProblem("start", "campo obbligatorio mancante.")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise RowProblem(
            "start",
            f"data e ora non valide {text!r}: usa ISO 8601, ad esempio 2025-03-01T14:15:00+01:00 "
            "oppure 2025-03-01 14:15 (ora italiana).",
        ) from None
    if value.tzinfo is None:
        first, second = value.replace(tzinfo=ROME, fold=0), value.replace(tzinfo=ROME, fold=1)
        if first.utcoffset() != second.utcoffset():
            if first.astimezone(UTC).astimezone(ROME).replace(tzinfo=None) != value:
                raise RowProblem("start", f"{text} non esiste in ora italiana (passaggio all'ora legale).")
            raise RowProblem(
                "start",
                f"{text} è ambiguo: l'ora si ripete al ritorno dell'ora solare; indica lo scostamento "
                "(+02:00 la prima volta, +01:00 la seconda).",
            )
        value = first
    value = value.astimezone(UTC)
    if value.minute % 15 or value.second or value.microsecond:
        raise RowProblem("start", f"{text} non è l'inizio di un quarto d'ora (:00, :15, :30, :45).")
    if value > (now or utcnow()):
        raise RowProblem("start", f"{text} è nel futuro.")
    return value


# --- writing ------------------------------------------------------------------------------------------------


class _Importer:
    """Checks rows, remembers what it has seen, and writes them a chunk at a time."""

    def __init__(self, result: ImportResult, now: datetime):
        self.result = result
        self.now = now
        self.points: dict[str, tuple[int, int] | None] = {}
        self.seen: dict[int, int] = {}
        self.pending: list[dict] = []
        self.error_count = 0

    def error(self, line: int | None, message: str, column: str | None = None) -> None:
        self.report(RowError(line, message, column))

    def report(self, error: RowError) -> None:
        self.error_count += 1
        if self.error_count <= MAX_ERRORS:
            self.result.errors.append(error)

    def point(self, pod: str) -> tuple[int, int] | None:
        if pod not in self.points:
            row = db.session.execute(
                select(SupplyPoint.id, SupplyPoint.operator_id).where(SupplyPoint.pod == pod)
            ).first()
            self.points[pod] = tuple(row) if row else None
        return self.points[pod]

    def row(self, line: int, values: dict[str, str]) -> None:
        problems = []
        pod = values["pod"].strip().upper()
        owner = None
        if not pod:
            problems.append(RowProblem("pod", "campo obbligatorio mancante."))
        else:
            owner = self.point(pod)
            if owner is None:
                problems.append(
                    RowProblem("pod", f"POD sconosciuto {pod!r}: nessun punto di fornitura ha questo codice.")
                )
        record = {}
        try:
            record["start"] = parse_start(values["start"], self.now)
        except RowProblem as problem:
            problems.append(problem)
        for column in QUANTITIES:
            try:
                record[column] = parse_quantity(column, values[column])
            except RowProblem as problem:
                problems.append(problem)
        if not problems and owner is not None:
            key = owner[0] << 34 | int(record["start"].timestamp()) // QUARTER
            if key in self.seen:
                problems.append(
                    RowProblem("start", f"{pod} {values['start'].strip()} è già presente alla riga {self.seen[key]}.")
                )
            else:
                self.seen[key] = line
        for problem in problems:
            self.error(line, str(problem), problem.column)
        if problems or self.error_count:
            self.pending.clear()  # nothing will be kept: stop writing, keep checking
            return
        record["supply_point_id"], record["operator_id"] = owner
        self.pending.append(record)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        by_point: dict[int, list[dict]] = {}
        for row in rows:
            by_point.setdefault(row["supply_point_id"], []).append(row)
        inserts, updates = [], []

        def changed(found: dict, row: dict) -> bool:
            if all(found[column] == row[column] for column in (*QUANTITIES, "operator_id")):
                return False
            updates.append(
                {"id": found["id"], "operator_id": row["operator_id"], **{column: row[column] for column in QUANTITIES}}
            )
            return True

        for point_id, point_rows in by_point.items():
            existing = self._existing(point_id, [row["start"] for row in point_rows])
            upsert(self.result, point_rows, existing, key=itemgetter("start"), insert=inserts.append, update=changed)
        if inserts:
            db.session.execute(insert(Measurement), inserts)
        if updates:
            db.session.execute(update(Measurement), updates)

    @staticmethod
    def _existing(point_id: int, starts: list[datetime]) -> dict[datetime, dict]:
        found = {}
        for offset in range(0, len(starts), LOOKUP_CHUNK):
            chunk = starts[offset : offset + LOOKUP_CHUNK]
            for row in db.session.execute(
                select(
                    Measurement.id,
                    Measurement.operator_id,
                    Measurement.start,
                    *[getattr(Measurement, column) for column in QUANTITIES],
                ).where(Measurement.supply_point_id == point_id, Measurement.start.in_(chunk))
            ).mappings():
                found[as_utc(row["start"]).astimezone(UTC)] = dict(row)
        return found


def import_measurements(
    source: Source, *, dry_run: bool = False, origin: str | None = None, now: datetime | None = None
) -> ImportResult:
    """Check every row of ``source`` and write them; on any error (or ``dry_run``) nothing is left written.

    Nothing is committed: the caller commits. One audit event records the counts of a real import.
    """
    result = ImportResult("measurements")
    importer = _Importer(result, now or utcnow())
    savepoint = db.session.begin_nested()
    try:
        _read(source, importer)
        if not importer.error_count:
            importer.flush()
    except Exception:
        savepoint.rollback()
        raise
    if importer.error_count > MAX_ERRORS:
        result.errors.append(RowError(None, f"e altri {importer.error_count - MAX_ERRORS} errori."))
    if result.errors or dry_run:
        savepoint.rollback()
        return result
    savepoint.commit()
    audit_import(result, origin)
    return result


def _read(source: Source, importer: _Importer) -> None:
    with open_lines(source) as lines:
        for line, cells in read_table(lines, COLUMNS, importer.report):
            importer.row(line, dict(zip(COLUMNS, cells, strict=True)))


import_measurements_command = import_command(
    "measurements",
    import_measurements,
    help="Import 15-minute measurements from FILE (UTF-8 CSV, ',' or ';' separated, '-' for standard input) "
    "with the header row pod,start,active_energy_kwh,reactive_energy_kvarh,power_kw. start: ISO 8601 with "
    "offset, or Italian local time without it; figures the Italian way (1.234,5). Any error and nothing is "
    "written; a (pod, start) already loaded is updated.",
)

"""``myportal import plants FILE``: the operators' plants from CSV, validated by row, all or nothing.

Built on :mod:`myportal.csvimport` (spec, cleaners per column, row errors with line numbers, the upsert
loop); plants are keyed by GAUDÌ code, so importing again updates them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from operator import itemgetter

from sqlalchemy import select

from ..csvimport import (
    Column,
    ImportResult,
    ImportSpec,
    NotANumber,
    RowError,
    Source,
    assign,
    audit_import,
    import_command,
    open_lines,
    parse_decimal,
    upsert,
    validate_rows,
)
from ..extensions import db
from ..identifiers import IdentifierError, clean_vat
from ..operators.models import Operator
from .models import SOURCES, MonthlyReport, Plant

GAUDI_RE = re.compile(r"^[A-Z0-9_-]{1,30}$")
_SOURCE_NAMES = {**{key: key for key in SOURCES}, **{label.lower(): key for key, label in SOURCES.items()}}
_CAPACITY_LIMIT = Decimal("9999999.999")


def clean_gaudi_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not GAUDI_RE.match(code):
        raise IdentifierError(
            "Il codice GAUDÌ contiene solo lettere, cifre, '_' e '-' (al massimo 30 caratteri), "
            "ad esempio UP_ABCDEFG_1."
        )
    return code


def clean_source(value: str) -> str:
    source = _SOURCE_NAMES.get((value or "").strip().lower())
    if source is None:
        raise IdentifierError("Fonte non valida: usa " + ", ".join(SOURCES) + ".")
    return source


def clean_capacity(value: str) -> str:
    """A capacity in MW (:func:`myportal.csvimport.parse_decimal`), greater than zero, at most three decimals."""
    try:
        number = parse_decimal(value or "")
    except NotANumber as error:
        raise IdentifierError(f"La potenza deve essere un numero in MW, ad esempio 12,5: {error}") from error
    if number <= 0:
        raise IdentifierError("La potenza deve essere maggiore di zero.")
    if number > _CAPACITY_LIMIT or number.as_tuple().exponent < -3:
        raise IdentifierError("La potenza ha al massimo tre decimali e sette cifre intere.")
    return str(number)


class _OperatorVat:
    """Cleaner of the operator column: a valid Partita IVA of a registered operator (looked up once each)."""

    def __init__(self):
        self.operators: dict[str, int] = {}

    def __call__(self, value: str) -> str:
        vat = clean_vat(value)
        if vat not in self.operators:
            operator_id = db.session.scalar(select(Operator.id).where(Operator.vat_number == vat))
            if operator_id is None:
                raise IdentifierError("nessun operatore registrato con questa Partita IVA.")
            self.operators[vat] = operator_id
        return vat


def plants_spec(operator_vat: _OperatorVat) -> ImportSpec:
    return ImportSpec(
        kind="plants",
        model=Plant,
        key="gaudi_code",
        key_ignores_case=True,
        columns=(
            Column("vat_number", operator_vat, max_length=11),
            Column("gaudi_code", clean_gaudi_code),
            Column("name"),
            Column("source", clean_source),
            Column("capacity_mw", clean_capacity, max_length=20),
        ),
    )


PLANT_COLUMNS = ("vat_number", "gaudi_code", "name", "source", "capacity_mw")


def import_plants(source: Source, *, dry_run: bool = False, origin: str | None = None) -> ImportResult:
    """Validate every row of ``source`` (a path, a text file or lines); unless any is wrong (or ``dry_run``),
    insert the new plants and update the others by GAUDÌ code. Nothing is committed."""
    operator_vat = _OperatorVat()
    spec = plants_spec(operator_vat)
    result = ImportResult(spec.kind)
    with open_lines(source) as lines:
        rows, result.errors = validate_rows(spec, lines)
    if result.errors:
        return result
    existing = {
        plant.gaudi_code: plant
        for plant in db.session.scalars(select(Plant).where(Plant.gaudi_code.in_([row["gaudi_code"] for row in rows])))
    }
    result.errors = _operator_changes(rows, existing, operator_vat.operators)
    if result.errors:
        return result
    result.valid = len(rows)
    if dry_run:
        return result

    def values(row: dict) -> dict:
        return {
            "operator_id": operator_vat.operators[row["vat_number"]],
            "name": row["name"],
            "source": row["source"],
            "capacity_mw": Decimal(row["capacity_mw"]),
        }

    upsert(
        result,
        rows,
        existing,
        key=itemgetter("gaudi_code"),
        insert=lambda row: db.session.add(Plant(gaudi_code=row["gaudi_code"], **values(row))),
        update=lambda plant, row: assign(plant, values(row)),
    )
    db.session.flush()
    audit_import(result, origin)
    return result


def _operator_changes(rows: list[dict], existing: dict, operators: dict[str, int]) -> list[RowError]:
    """A plant that has reports keeps its operator: the reports belong to it."""
    moving = [
        existing[row["gaudi_code"]].id
        for row in rows
        if row["gaudi_code"] in existing and existing[row["gaudi_code"]].operator_id != operators[row["vat_number"]]
    ]
    if not moving:
        return []
    with_reports = set(
        db.session.scalars(select(MonthlyReport.plant_id).where(MonthlyReport.plant_id.in_(moving)).distinct())
    )
    return [
        RowError(
            None,
            f"l'impianto {plant.gaudi_code} ha già report del suo operatore: non può cambiare operatore.",
            "vat_number",
        )
        for plant in existing.values()
        if plant.id in with_reports
    ]


import_plants_command = import_command(
    "plants",
    import_plants,
    help="Import FILE (UTF-8 CSV, ',' or ';' separated, '-' for standard input) with the header row: "
    + ",".join(PLANT_COLUMNS)
    + ". Rows are validated first: any error and nothing is written; existing plants are updated by gaudi_code.",
)

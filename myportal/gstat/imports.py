"""``myportal import plants FILE``: the operators' plants from CSV, validated by row, all or nothing.

Built on the import mechanism of :mod:`myportal.registration.imports` (spec, cleaners per column, row
errors with line numbers); plants are keyed by GAUDÌ code, so importing again updates them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..identifiers import IdentifierError, clean_vat
from ..operators.models import Operator
from ..registration.imports import (
    Column,
    ImportResult,
    ImportSpec,
    RowError,
    _open_lines,
    run_import_command,
    validate_rows,
)
from ..security.audit import audit
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
    """A capacity in MW, greater than zero, at most three decimals (a decimal comma is accepted)."""
    text = (value or "").strip().replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise IdentifierError("La potenza deve essere un numero in MW, ad esempio 12.5.") from error
    if not number.is_finite() or number <= 0:
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


def import_plants(source, *, dry_run: bool = False, origin: str | None = None) -> ImportResult:
    """Validate every row of ``source`` (a path, a text file or lines); unless any is wrong (or ``dry_run``),
    insert the new plants and update the others by GAUDÌ code. Nothing is committed."""
    operator_vat = _OperatorVat()
    spec = plants_spec(operator_vat)
    result = ImportResult(spec.kind)
    try:
        with _open_lines(source) as lines:
            rows, result.errors = validate_rows(spec, lines)
    except UnicodeDecodeError:
        result.errors = [RowError(None, "il file non è in UTF-8.")]
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
    for row in rows:
        values = {
            "operator_id": operator_vat.operators[row["vat_number"]],
            "name": row["name"],
            "source": row["source"],
            "capacity_mw": Decimal(row["capacity_mw"]),
        }
        plant = existing.get(row["gaudi_code"])
        if plant is None:
            db.session.add(Plant(gaudi_code=row["gaudi_code"], **values))
            result.inserted += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(plant, name) != value:
                setattr(plant, name, value)
                changed = True
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    audit(
        "import.plants",
        user=None,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        file=origin,
    )
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


@click.command(
    "plants",
    help="Import FILE (UTF-8 CSV, '-' for standard input) with the header row: "
    + ",".join(PLANT_COLUMNS)
    + ". Rows are validated first: any error and nothing is written; existing plants are updated by gaudi_code.",
)
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Only validate the file.")
@with_appcontext
def import_plants_command(path: str, dry_run: bool) -> None:
    run_import_command(import_plants, path, dry_run=dry_run)

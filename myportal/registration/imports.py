"""CSV imports of the records the registration paths check: one mechanism, one spec per kind of record.

A file is read as UTF-8 (a byte-order mark is accepted) with a header row naming exactly the spec's columns.
Every row is validated before anything is written: if any row is wrong, all the errors come back with
their line numbers and nothing is written. Otherwise rows are inserted, or updated by their natural key, so
that importing the same file again changes nothing. The functions never commit: the caller does.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import IO

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..extensions import db
from ..identifiers import (
    USERNAME_RE,
    IdentifierError,
    clean_customer_code,
    clean_email,
    clean_fiscal_code,
    clean_practice_id,
    clean_tax_code,
    clean_vat,
)
from ..security.audit import audit
from ..security.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from ..security.passwords import hash_password, verify_password
from .models import CustomerRecord, GecoPractice, LegacyCredential

BOM = "\ufeff"
_QUERY_CHUNK = 500


# --- specs --------------------------------------------------------------------------------------------------


def clean_login(value: str) -> str:
    """A legacy login, which becomes the user name: 3-64 letters, digits, dots, hyphens, underscores or @."""
    if not USERNAME_RE.match(value):
        raise IdentifierError(
            "Il login può contenere solo lettere, cifre, punti, trattini, trattini bassi e @ (da 3 a 64 caratteri)."
        )
    return value


@dataclass(frozen=True)
class Column:
    """A column of the file: its cleaner, whether it is required, and how it is stored.

    A ``secret`` column (a password) is stored only as ``<name>_hash`` and compared by verifying the hash.
    """

    name: str
    clean: Callable[[str], str] | None = None
    required: bool = True
    max_length: int | None = None
    secret: bool = False

    @property
    def attribute(self) -> str:
        return f"{self.name}_hash" if self.secret else self.name


@dataclass(frozen=True)
class ImportSpec:
    """What one kind of file holds and where it goes."""

    kind: str
    model: type
    key: str
    columns: tuple[Column, ...]
    key_ignores_case: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def event(self) -> str:
        return "import." + self.kind.replace("-", "_")

    def max_length(self, column: Column) -> int | None:
        if column.max_length is not None or column.secret:
            return column.max_length
        return getattr(self.model.__table__.c[column.attribute].type, "length", None)


LEGACY_CREDENTIALS = ImportSpec(
    kind="legacy-credentials",
    model=LegacyCredential,
    key="login",
    key_ignores_case=True,  # the login becomes a user name, unique whatever its case
    columns=(
        Column("vat_number", clean_vat),
        Column("company_name"),
        Column("registered_address"),
        Column("login", clean_login),
        Column("password", max_length=PASSWORD_MAX_LENGTH, secret=True),
        Column("email", clean_email, required=False),
    ),
)
GECO_PRACTICES = ImportSpec(
    kind="geco-practices",
    model=GecoPractice,
    key="practice_id",
    columns=(
        Column("practice_id", clean_practice_id),
        Column("vat_number", clean_vat),
        Column("requester_fiscal_code", clean_fiscal_code),
        Column("company_name"),
        Column("registered_address"),
        Column("status"),
    ),
)
CUSTOMERS = ImportSpec(
    kind="customers",
    model=CustomerRecord,
    key="customer_code",
    columns=(
        Column("customer_code", clean_customer_code),
        Column("tax_code", clean_tax_code),
        Column("company_name"),
        Column("registered_address"),
        Column("email", clean_email, required=False),
    ),
)
SPECS = {spec.kind: spec for spec in (LEGACY_CREDENTIALS, GECO_PRACTICES, CUSTOMERS)}


# --- results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of a file: ``line`` 1 is the header; ``column`` is None for a whole-row problem."""

    line: int | None
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = "file" if self.line is None else ("intestazione" if self.line == 1 else f"riga {self.line}")
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did, or the errors that stopped it (then nothing was written)."""

    kind: str
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> str:
        return f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged"


# --- reading and validation ---------------------------------------------------------------------------------

Source = str | os.PathLike | IO[str] | Iterable[str]


@contextmanager
def _open_lines(source: Source) -> Iterator[Iterable[str]]:
    """Text lines of ``source`` (a path, a text file or an iterable of lines), without a leading BOM."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as handle:
            yield handle
        return

    def without_bom(lines: Iterable[str]) -> Iterator[str]:
        first = True
        for line in lines:
            if first and line.startswith(BOM):
                line = line[1:]
            first = False
            yield line

    yield without_bom(source)


def header_errors(expected: Sequence[str], fieldnames: Sequence[str] | None) -> list[RowError]:
    """What is wrong with a file's header row against the ``expected`` column names (any order, any case)."""
    if not fieldnames:
        return [RowError(None, "il file è vuoto: manca la riga di intestazione " + ",".join(expected))]
    seen = [name.strip().lower() for name in fieldnames]
    errors = []
    duplicated = sorted({name for name in seen if seen.count(name) > 1})
    missing = [name for name in expected if name not in seen]
    unknown = [name or "(senza nome)" for name in seen if name not in expected]
    if duplicated:
        errors.append(RowError(1, "colonne ripetute: " + ", ".join(duplicated)))
    if missing:
        errors.append(RowError(1, "colonne mancanti: " + ", ".join(missing)))
    if unknown:
        errors.append(RowError(1, "colonne sconosciute: " + ", ".join(unknown)))
    if errors:
        errors.append(RowError(1, "le colonne attese sono " + ",".join(expected)))
    return errors


def _clean_row(spec: ImportSpec, line: int, raw: dict) -> tuple[dict, list[RowError]]:
    values, errors = {}, []
    for column in spec.columns:
        text = (raw.get(column.name) or "").strip()
        if not text:
            if column.required:
                errors.append(RowError(line, "campo obbligatorio mancante.", column.name))
            values[column.name] = None
            continue
        if column.clean is not None:
            try:
                text = column.clean(text)
            except IdentifierError as error:
                errors.append(RowError(line, f"{error} (valore: {_shown(column, text)})", column.name))
                continue
        limit = spec.max_length(column)
        if limit is not None and len(text) > limit:
            errors.append(RowError(line, f"al massimo {limit} caratteri (ne contiene {len(text)}).", column.name))
            continue
        values[column.name] = text
    return values, errors


def _shown(column: Column, text: str) -> str:
    return "***" if column.secret else repr(text)


def validate_rows(spec: ImportSpec, lines: Iterable[str]) -> tuple[list[dict], list[RowError]]:
    """The cleaned rows of the file keyed by column name, and every error found in it."""
    reader = csv.DictReader(lines, restkey=None, restval=None)
    rows, errors, first_line = [], [], {}
    try:
        errors.extend(header_errors(spec.names, reader.fieldnames))
        if errors:
            return [], errors
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
        for raw in reader:
            line = reader.line_num
            if None in raw or None in raw.values():
                found = sum(value is not None for value in raw.values())
                if None in raw:
                    found = len(spec.names) + len(raw[None])
                errors.append(RowError(line, f"trovati {found} campi, attesi {len(spec.names)}."))
                continue
            values, row_errors = _clean_row(spec, line, raw)
            errors.extend(row_errors)
            key = values.get(spec.key)
            if key is not None:
                folded = key.casefold()
                if folded in first_line:
                    errors.append(RowError(line, f"{key!r} è già presente alla riga {first_line[folded]}.", spec.key))
                    continue
                first_line[folded] = line
            if not row_errors:
                rows.append(values)
    except UnicodeDecodeError:
        errors.append(RowError(None, f"il file non è in UTF-8 (errore dopo la riga {reader.line_num})."))
    except csv.Error as error:
        errors.append(RowError(reader.line_num or None, f"formato CSV non valido: {error}."))
    return rows, errors


# --- writing ------------------------------------------------------------------------------------------------


def _existing(spec: ImportSpec, keys: list[str]) -> dict[str, object]:
    """The stored records with these natural keys, by key (case-folded if the key ignores case)."""
    key_column = getattr(spec.model, spec.key)
    if spec.key_ignores_case:
        key_column, keys = func.lower(key_column), [key.lower() for key in keys]
    found = {}
    for start in range(0, len(keys), _QUERY_CHUNK):
        chunk = keys[start : start + _QUERY_CHUNK]
        for record in db.session.scalars(select(spec.model).where(key_column.in_(chunk))):
            found[_folded(spec, getattr(record, spec.key))] = record
    return found


def _folded(spec: ImportSpec, key: str) -> str:
    return key.lower() if spec.key_ignores_case else key


def _apply(spec: ImportSpec, rows: list[dict], result: ImportResult) -> None:
    existing = _existing(spec, [row[spec.key] for row in rows])
    secrets = [column for column in spec.columns if column.secret]
    for row in rows:
        clear = {column: row.pop(column.name) for column in secrets}
        record = existing.get(_folded(spec, row[spec.key]))
        if record is None:
            for column, password in clear.items():
                row[column.attribute] = hash_password(password)
            db.session.add(spec.model(**row))
            result.inserted += 1
            continue
        changed = False
        for column, password in clear.items():
            if not verify_password(getattr(record, column.attribute), password):
                setattr(record, column.attribute, hash_password(password))
                changed = True
        for attribute, value in row.items():
            if getattr(record, attribute) != value:
                setattr(record, attribute, value)
                changed = True
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()


def import_records(
    spec: ImportSpec,
    source: Source,
    *,
    dry_run: bool = False,
    origin: str | None = None,
    audit_unchanged: bool = True,
) -> ImportResult:
    """Validate the whole of ``source``; unless it has errors (or ``dry_run``), insert and update its rows.

    Nothing is committed; one audit event records the counts (unless nothing changed and
    ``audit_unchanged`` is false).
    """
    result = ImportResult(spec.kind)
    with _open_lines(source) as lines:
        rows, result.errors = validate_rows(spec, lines)
    if result.errors:
        return result
    result.valid = len(rows)
    if dry_run:
        return result
    _apply(spec, rows, result)
    if result.inserted or result.updated or audit_unchanged:
        audit(
            spec.event,
            user=None,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            file=origin,
        )
    return result


def import_legacy_credentials(source: Source, **options) -> ImportResult:
    return import_records(LEGACY_CREDENTIALS, source, **options)


def import_geco_practices(source: Source, **options) -> ImportResult:
    return import_records(GECO_PRACTICES, source, **options)


def import_customers(source: Source, **options) -> ImportResult:
    return import_records(CUSTOMERS, source, **options)


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[str]]) -> io.StringIO:
    """A CSV file in memory, for callers that build their rows in code (demo data, tests)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


# --- the command --------------------------------------------------------------------------------------------


@click.group("import", cls=AppGroup, help="Import the records the registration paths check, from CSV files.")
def import_group():
    pass


def run_import_command(importer: Callable[..., ImportResult], path: str, *, dry_run: bool = False) -> None:
    """Run ``importer(source, dry_run=..., origin=...)`` on FILE or standard input (``-``) for a command.

    Every error is printed with its line number and the exit code is 1 (nothing written); otherwise the
    import is committed (unless ``dry_run``) and one summary line is printed.
    """
    from ..transaction import commit

    if path == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline="")
        result = importer(stream, dry_run=dry_run, origin="<stdin>")
    else:
        result = importer(path, dry_run=dry_run, origin=os.path.basename(path))
    if not result.ok:
        db.session.rollback()
        for error in result.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(result.errors)} error(s): nothing imported.", err=True)
        click.get_current_context().exit(1)
    if dry_run:
        db.session.rollback()
        valid = result.valid or result.inserted + result.updated + result.unchanged
        click.echo(f"{valid} valid rows; nothing written (--dry-run).")
        return
    commit()
    click.echo(f"{result.kind}: {result.summary}.")


def _make_command(spec: ImportSpec) -> click.Command:
    columns = ",".join(spec.names)

    @import_group.command(
        spec.kind,
        help=f"Import FILE (UTF-8 CSV, '-' for standard input) with the header row: {columns}. "
        f"Rows are validated first: any error and nothing is written; existing records are updated by "
        f"{spec.key}.",
    )
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
    @click.option("--dry-run", is_flag=True, help="Only validate the file.")
    def command(path: str, dry_run: bool) -> None:
        run_import_command(partial(import_records, spec), path, dry_run=dry_run)

    return command


for _spec in SPECS.values():
    _make_command(_spec)

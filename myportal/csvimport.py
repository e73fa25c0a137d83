"""The one CSV machinery of the portal's imports and of the GSTAT upload.

- **Reading**: a file is UTF-8, with or without a byte-order mark; any other encoding (Latin-1, Windows-1252)
  is refused with the number of the first line that is not UTF-8. A source may be a path, bytes, a binary or
  text file, or an iterable of text lines (:func:`open_lines`).
- **Delimiter**: ``;`` when the header row holds more semicolons than commas, otherwise ``,``
  (:func:`delimiter_of`).
- **Header**: the expected column names, in any order and any case, each once (:func:`header_errors`).
- **Rows**: :func:`read_table` yields each data row's cells in the expected order with its line number; blank
  rows are skipped; a row with the wrong number of fields, or a file that is not CSV, is a :class:`RowError`.
- **Decimals**: :func:`parse_decimal` reads figures the Italian way (comma for decimals, dot for thousands);
  a figure that could be read either way ("176.020") is refused, never scaled.
- **Files out**: :func:`csv_chunks` writes a CSV download a row at a time (``;``, CRLF, optional BOM).
- **Writing**: :func:`upsert` inserts new records and updates the others by natural key, counting both in an
  :class:`ImportResult`, so that importing the same file twice changes nothing; :func:`audit_import` records
  the counts of a real import in one audit event.
- **Commands**: the ``myportal import`` group (:data:`import_group`) and :func:`import_command`, which gives
  every import its FILE argument (``-`` for standard input), ``--dry-run`` and line-numbered errors.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import IO

import click
from flask.cli import AppGroup, with_appcontext

from .errors import DomainError
from .extensions import db
from .security.audit import audit

BOM = "\ufeff"

Source = str | os.PathLike | bytes | IO | Iterable[str]


# --- row errors and results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem of a file: ``line`` 1 is the header, None the whole file; ``column`` None the whole row."""

    line: int | None
    message: str
    column: str | None = None

    @property
    def where(self) -> str:
        """``riga 3, colonna amount`` (``intestazione`` for line 1), or '' for a problem of the whole file."""
        parts = []
        if self.line is not None:
            parts.append("intestazione" if self.line == 1 else f"riga {self.line}")
        if self.column:
            parts.append(f"colonna {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{where}: {self.message}" if where else self.message


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

    @property
    def event(self) -> str:
        """The audit event of this kind of import: ``import.geco_practices``."""
        return "import." + self.kind.replace("-", "_")


# --- reading ------------------------------------------------------------------------------------------------


class NotUtf8(DomainError):
    """The file is not UTF-8 text; ``line`` is the first line that is not."""

    def __init__(self, line: int):
        super().__init__(
            f"Il file non è codificato in UTF-8 (carattere non valido alla riga {line}): salvalo come «CSV UTF-8».",
            "file",
        )
        self.line = line


def decode(data: bytes) -> str:
    """The text of a whole file in UTF-8 (a byte-order mark is dropped), or :class:`NotUtf8`."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotUtf8(data[: error.start].count(b"\n") + 1) from None


def _decoded(binary_lines: Iterable[bytes]) -> Iterator[str]:
    for number, raw in enumerate(binary_lines, 1):
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise NotUtf8(number) from None


def _text_of(data: bytes) -> Iterator[str]:
    yield from io.StringIO(decode(data), newline="")


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return
    yield first.removeprefix(BOM)
    yield from lines


@contextmanager
def open_lines(source: Source) -> Iterator[Iterator[str]]:
    """The text lines of ``source``, without a leading BOM; :class:`NotUtf8` is raised while reading them.

    ``source`` is a path, bytes, a binary file (read line by line, so that an error names its line), a text
    file or an iterable of text lines.
    """
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield _decoded(handle)
    elif isinstance(source, bytes | bytearray):
        yield _text_of(bytes(source))
    elif isinstance(source, io.BufferedIOBase | io.RawIOBase) or "b" in getattr(source, "mode", ""):
        yield _decoded(source)
    else:
        yield _without_bom(source)


def delimiter_of(header_line: str) -> str:
    """The one delimiter rule: ``;`` when the header holds more semicolons than commas, otherwise ``,``."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def header_errors(expected: Sequence[str], names: Sequence[str] | None, delimiter: str = ",") -> list[RowError]:
    """What is wrong with a file's header row against the ``expected`` column names (any order, any case)."""
    if not names:
        return [RowError(None, "il file è vuoto: manca la riga di intestazione " + delimiter.join(expected))]
    seen = [name.strip().lower() for name in names]
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
        errors.append(RowError(1, "le colonne attese sono " + delimiter.join(expected)))
    return errors


def read_table(
    lines: Iterable[str], columns: Sequence[str], report: Callable[[RowError], object]
) -> Iterator[tuple[int, Sequence[str]]]:
    """``(line, cells)`` of each data row, the cells in the order of ``columns`` (not stripped).

    Every problem of the file goes to ``report``: a wrong header (then no row is read), a row with the wrong
    number of fields (skipped), a file that is not UTF-8 or not CSV (reading stops). Blank rows are skipped.
    """
    lines = iter(lines)
    reader = None
    try:
        first = next(lines, None)
        if first is None:
            report(header_errors(columns, None)[0])
            return
        delimiter = delimiter_of(first)
        reader = csv.reader(chain((first,), lines), delimiter=delimiter)
        names = [name.strip().lower() for name in next(reader, [])]
        errors = header_errors(columns, names, delimiter)
        for error in errors:
            report(error)
        if errors:
            return
        positions = [names.index(name) for name in columns]
        in_order = positions == list(range(len(positions)))  # the usual case: the cells as they are
        pick = itemgetter(*positions) if len(positions) > 1 else lambda cells: (cells[positions[0]],)
        width = len(names)
        for cells in reader:
            if len(cells) != width:
                if "".join(cells).strip():
                    report(RowError(reader.line_num, f"trovati {len(cells)} campi, attesi {width}."))
                continue
            if not cells[0].strip() and not "".join(cells).strip():
                continue
            yield reader.line_num, cells if in_order else pick(cells)
    except NotUtf8 as error:
        report(RowError(None, error.message))
    except csv.Error as error:
        line = reader.line_num if reader is not None and reader.line_num else None
        report(RowError(line, f"formato CSV non valido: {error}."))


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[str]]) -> io.StringIO:
    """A CSV file in memory, for callers that build their rows in code (demo data, tests)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


# --- Italian decimals ---------------------------------------------------------------------------------------


class NotANumber(ValueError):
    """A figure :func:`parse_decimal` cannot read; the message says why, in Italian."""


_SPACES = {ord(" "): None, 0x00A0: None, 0x202F: None}  # spaces may group the thousands: 1 000 000
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_AMBIGUOUS = re.compile(r"-?[1-9]\d{0,2}\.\d{3}", re.ASCII)
_COMMA_DECIMAL = re.compile(r"-?(?:\d+|[1-9]\d{0,2}(?:\.\d{3})+),\d+", re.ASCII)
_DOT_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(?:\.\d{3}){2,}", re.ASCII)
_ENGLISH = re.compile(r"-?[1-9]\d{0,2}(?:,\d{3})+\.\d+", re.ASCII)


def parse_decimal(text: str) -> Decimal:
    """A figure as people write it in Italy, or :class:`NotANumber` with a message saying why not.

    - The comma is the decimal separator; dots group the thousands: ``1.234,5`` is 1234.5, ``176,02`` is 176.02.
    - Without a comma, several dot groups are thousands (``32.000.000``); a dot that cannot group thousands
      is a decimal point (``12.5``, ``0.250``, ``1234.567``), as machines write it.
    - One dot before exactly three digits (``176.020``) reads 176020 in Italian and 176.02 in English: it is
      refused, so that a figure is never scaled by a thousand without the author knowing.
    - Anything else is refused: ``1,234.5`` (English grouping), ``1.23.4``, ``1e3``, ``NaN``, ``+5``.
    Spaces between the digits are ignored. The sign and the range are the caller's rules.
    """
    compact = text.strip().translate(_SPACES)
    if _PLAIN.fullmatch(compact):
        if _AMBIGUOUS.fullmatch(compact):
            whole = compact.replace(".", "")
            raise NotANumber(
                f"numero ambiguo {text.strip()!r}: scrivi {whole} se il punto separa le migliaia, "
                f"{compact.replace('.', ',')} se separa i decimali."
            )
        return Decimal(compact)
    if _COMMA_DECIMAL.fullmatch(compact):
        return Decimal(compact.replace(".", "").replace(",", "."))
    if _DOT_THOUSANDS.fullmatch(compact):
        return Decimal(compact.replace(".", ""))
    if _ENGLISH.fullmatch(compact):
        raise NotANumber(
            f"numero non valido {text.strip()!r}: usa la virgola per i decimali e il punto per le migliaia "
            f"({compact.replace(',', '_').replace('.', ',').replace('_', '.')})."
        )
    if "." in compact and re.fullmatch(r"-?[\d.,]+", compact, re.ASCII):
        raise NotANumber(
            f"numero non valido {text.strip()!r}: il punto separa le migliaia a gruppi di tre cifre "
            "(1.234.567), la virgola i decimali (1.234,5)."
        )
    raise NotANumber(f"numero non valido {text.strip()!r}.")


# --- one record per row, cleaned column by column ----------------------------------------------------------


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

    def max_length(self, column: Column) -> int | None:
        if column.max_length is not None or column.secret:
            return column.max_length
        return getattr(self.model.__table__.c[column.attribute].type, "length", None)


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
            except ValueError as error:  # IdentifierError, NotANumber: the message is for the user
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
    rows, errors, first_line = [], [], {}
    for line, cells in read_table(lines, spec.names, errors.append):
        values, row_errors = _clean_row(spec, line, dict(zip(spec.names, cells, strict=True)))
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
    return rows, errors


# --- writing ------------------------------------------------------------------------------------------------


def assign(record, values: dict) -> bool:
    """Set the attributes of ``record`` that differ from ``values``; whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def upsert(
    result: ImportResult,
    rows: Iterable,
    existing: dict,
    *,
    key: Callable,
    insert: Callable,
    update: Callable[[object, object], bool],
) -> None:
    """The one upsert loop: ``insert(row)`` when ``existing`` has no record with ``key(row)``, otherwise
    ``update(record, row)``, which says whether it changed anything; counted in ``result``."""
    for row in rows:
        found = existing.get(key(row))
        if found is None:
            insert(row)
            result.inserted += 1
        elif update(found, row):
            result.updated += 1
        else:
            result.unchanged += 1


def audit_import(result: ImportResult, origin: str | None) -> None:
    """The one audit event of a real import: its kind, the counts and the file it came from."""
    audit(
        result.event,
        user=None,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        file=origin,
    )


# --- the commands -------------------------------------------------------------------------------------------


@click.group("import", cls=AppGroup, help="Import records from CSV files (UTF-8, ',' or ';' separated).")
def import_group():
    pass


def run_import_command(importer: Callable[..., ImportResult], path: str, *, dry_run: bool = False) -> None:
    """Run ``importer(source, dry_run=..., origin=...)`` on FILE or standard input (``-``) for a command.

    Every error is printed with its line number and the exit code is 1 (nothing written); otherwise the
    import is committed (unless ``dry_run``) and one summary line is printed.
    """
    from .transaction import commit

    if path == "-":
        result = importer(sys.stdin.buffer, dry_run=dry_run, origin="<stdin>")
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


def import_command(name: str, importer: Callable[..., ImportResult], help: str) -> click.Command:  # noqa: A002
    """``myportal import NAME FILE [--dry-run]`` running ``importer`` (see :func:`run_import_command`)."""

    @click.command(name, help=help)
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
    @click.option("--dry-run", is_flag=True, help="Only check the file.")
    @with_appcontext
    def command(path: str, dry_run: bool) -> None:
        run_import_command(importer, path, dry_run=dry_run)

    return command

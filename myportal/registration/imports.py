"""CSV imports of the records the registration paths check: one mechanism, one spec per kind of record.

The file is read by :mod:`myportal.csvimport` (UTF-8, one delimiter rule, a header row naming exactly the
spec's columns). Every row is validated before anything is written: if any row is wrong, all the errors come back with
their line numbers and nothing is written. Otherwise rows are inserted, or updated by their natural key, so
that importing the same file again changes nothing. The functions never commit: the caller does.
"""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from ..csvimport import (
    Column,
    ImportResult,
    ImportSpec,
    Source,
    assign,
    audit_import,
    csv_lines,  # noqa: F401 (the demo data builds its files with it from here)
    import_command,
    open_lines,
    upsert,
    validate_rows,
)
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
from ..security.passwords import MAX_LENGTH as PASSWORD_MAX_LENGTH
from ..security.passwords import hash_password, verify_password
from .models import CustomerRecord, GecoPractice, LegacyCredential

_QUERY_CHUNK = 500


# --- specs --------------------------------------------------------------------------------------------------


def clean_login(value: str) -> str:
    """A legacy login, which becomes the user name: 3-64 letters, digits, dots, hyphens, underscores or @."""
    if not USERNAME_RE.match(value):
        raise IdentifierError(
            "Il login può contenere solo lettere, cifre, punti, trattini, trattini bassi e @ (da 3 a 64 caratteri)."
        )
    return value


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
        Column("requester_email", clean_email, required=False),  # where the first activation goes
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
    secrets = [column for column in spec.columns if column.secret]

    def insert(row: dict) -> None:
        values = dict(row)
        for column in secrets:
            values[column.attribute] = hash_password(values.pop(column.name))
        db.session.add(spec.model(**values))

    def update(record, row: dict) -> bool:
        values = dict(row)
        changed = False
        for column in secrets:
            password = values.pop(column.name)
            if not verify_password(getattr(record, column.attribute), password):
                setattr(record, column.attribute, hash_password(password))
                changed = True
        return assign(record, values) or changed

    existing = _existing(spec, [row[spec.key] for row in rows])
    upsert(result, rows, existing, key=lambda row: _folded(spec, row[spec.key]), insert=insert, update=update)
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
    with open_lines(source) as lines:
        rows, result.errors = validate_rows(spec, lines)
    if result.errors:
        return result
    result.valid = len(rows)
    if dry_run:
        return result
    _apply(spec, rows, result)
    if result.inserted or result.updated or audit_unchanged:
        audit_import(result, origin)
    return result


def import_legacy_credentials(source: Source, **options) -> ImportResult:
    return import_records(LEGACY_CREDENTIALS, source, **options)


def import_geco_practices(source: Source, **options) -> ImportResult:
    return import_records(GECO_PRACTICES, source, **options)


def import_customers(source: Source, **options) -> ImportResult:
    return import_records(CUSTOMERS, source, **options)


# --- the commands -------------------------------------------------------------------------------------------


def _command(spec: ImportSpec):
    return import_command(
        spec.kind,
        partial(import_records, spec),
        help=f"Import FILE (UTF-8 CSV, ',' or ';' separated, '-' for standard input) with the header row: "
        f"{','.join(spec.names)}. Rows are validated first: any error and nothing is written; existing "
        f"records are updated by {spec.key}.",
    )


COMMANDS = tuple(_command(spec) for spec in SPECS.values())

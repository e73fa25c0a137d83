"""*Scarica i miei dati*: a ZIP of everything the portal holds about a user (GDPR art. 15 and 20) and, for a
company administrator, about the company, each table as JSON and as CSV.

Nothing is built in memory: rows come from the database ``BATCH`` at a time (``yield_per``), each JSON file is
written straight into its ZIP entry, its CSV twin goes to a spooled temporary file and is copied in after it,
stored files are read one at a time, and the ZIP itself is a temporary file on disk.

What is left out, on purpose: secrets (password and secret-answer hashes, second-factor keys, session, token
and recovery-code hashes), and of other people only what the user's own records need. ``LEGGIMI.txt`` in the
archive says so. Every table that refers to a user is either a section here or listed in ``REFERENCES`` or
``NOT_EXPORTED`` (the test suite checks it, so that a table added later is not forgotten).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import render_template
from sqlalchemy import LargeBinary, literal, or_, select
from werkzeug.utils import secure_filename

from ..auctions.models import Auction, Enrolment, EnrolmentDocument
from ..content.models import Document, NewsItem
from ..contracts.models import Contract, MeterReading, SupplyPoint
from ..dates import local_time, today
from ..eic.models import EicCode, EicRequest
from ..exports import BOM, cell
from ..extensions import db
from ..formatting import numeric_date
from ..gstat.models import MonthlyReport, Plant
from ..guarantees.models import Exposure, Guarantee, GuaranteeNotice
from ..invoicing.models import Invoice, InvoiceLine
from ..operators.contact_models import PendingEmailChange
from ..operators.models import Operator, User
from ..registration.models import JoinRequest, RegistrationRequest
from ..security.models import AuditEvent, RecoveryCode, Token, UserSession
from ..tickets.models import Ticket, TicketAttachment, TicketMessage
from .models import ClosureRequest, PrivacyAcknowledgement

BATCH = 500  # rows fetched at a time
SPOOL_BYTES = 1024 * 1024  # a CSV twin stays in memory up to this size, then goes to disk
# Never exported, whatever the table: they would only help someone who got hold of the file.
SECRET_COLUMNS = frozenset(
    {"password_hash", "secret_answer_hash", "mfa_secret", "mfa_last_counter", "key_hash", "token_hash", "code_hash"}
)
# Columns that only repeat another one (the lower-case user name).
REDUNDANT_COLUMNS = frozenset({"username_key"})


@dataclass(frozen=True)
class Section:
    """One table of the export: ``model``'s rows where ``where(subject_id)`` holds, as ``<folder>/<name>``.

    ``columns`` limits the columns (others' data: only what is needed); ``files`` names the column holding a
    stored file and the one with its name, written beside the table under ``<folder>/file/<name>/``."""

    name: str
    model: type
    key: str | None = None  # the column compared with the subject's id (``where`` for anything else)
    where: Callable | None = None
    columns: tuple[str, ...] | None = None
    files: tuple[str, str] | None = None
    description: str = ""

    def condition(self, subject_id: int):
        if self.where is not None:
            return self.where(subject_id)
        return getattr(self.model, self.key) == subject_id

    def selected(self) -> list:
        table = self.model.__table__
        chosen = []
        for column in table.columns:
            if self.columns is not None and column.name not in self.columns:
                continue
            if column.name in SECRET_COLUMNS or column.name in REDUNDANT_COLUMNS:
                continue
            if isinstance(column.type, LargeBinary):
                continue
            chosen.append(column)
        return chosen

    def statement(self, subject_id: int):
        return select(*self.selected()).where(self.condition(subject_id)).order_by(self.model.__table__.c.id)


def _about_user(user_id: int):
    return or_(
        AuditEvent.user_id == user_id,
        (AuditEvent.object_type == "User") & (AuditEvent.object_id == str(user_id)),
    )


def _own_acknowledgements(user_id: int):
    requests = select(RegistrationRequest.id).where(RegistrationRequest.user_id == user_id)
    return (PrivacyAcknowledgement.user_id == user_id) | PrivacyAcknowledgement.registration_request_id.in_(requests)


def _own_attachments(user_id: int):
    return TicketAttachment.message_id.in_(select(TicketMessage.id).where(TicketMessage.author_id == user_id))


def _company(model, parent, key: str):
    """Rows of ``model`` whose ``key`` names a ``parent`` of the company."""
    return lambda operator_id: getattr(model, key).in_(select(parent.id).where(parent.operator_id == operator_id))


USER_SECTIONS = (
    Section("profilo", User, "id", description="il tuo account: dati anagrafici, ruolo, stato, accessi"),
    Section("sessioni", UserSession, "user_id", description="le sessioni di accesso aperte"),
    Section("link_inviati", Token, "user_id", description="link di attivazione, reimpostazione, conferma e-mail"),
    Section("codici_di_recupero", RecoveryCode, "user_id", description="quando sono stati creati e usati"),
    Section("cambi_email_in_attesa", PendingEmailChange, "user_id", description="nuovi indirizzi da confermare"),
    Section("registro_attivita", AuditEvent, where=_about_user, description="accessi, tentativi e operazioni"),
    Section("prese_visione_informativa", PrivacyAcknowledgement, where=_own_acknowledgements),
    Section("richieste_di_chiusura", ClosureRequest, "user_id"),
    Section("richieste_di_registrazione", RegistrationRequest, "user_id"),
    Section("richieste_di_adesione", JoinRequest, "user_id", description="le tue richieste di entrare in un'azienda"),
    Section("adesioni_decise", JoinRequest, "decided_by_id", description="le richieste di adesione che hai deciso"),
    Section("ticket_aperti", Ticket, "created_by_id"),
    Section("messaggi_ticket", TicketMessage, "author_id"),
    Section("allegati_ticket", TicketAttachment, where=_own_attachments, files=("data", "filename")),
    Section("iscrizioni_aste_inviate", Enrolment, "user_id"),
    Section("richieste_eic_inviate", EicRequest, "requested_by_id"),
    Section("report_gstat_inviati", MonthlyReport, "submitted_by_id"),
    Section("autoletture_inserite", MeterReading, "created_by_id"),
)
# (table, column): the key of each user section, for the completeness check.
USER_KEYS = {
    ("users", "id"),
    ("audit_events", "user_id"),
    ("privacy_acknowledgements", "user_id"),
    *((section.model.__tablename__, section.key) for section in USER_SECTIONS if section.key),
}

# Records that name the user as the staff member who made or decided them: listed by table and id only (they
# are about other people, who would otherwise be copied into this file).
REFERENCES = (
    (Auction, "created_by_id"),
    (Enrolment, "decided_by_id"),
    (Document, "published_by"),
    (NewsItem, "created_by"),
    (EicRequest, "decided_by_id"),
    (Guarantee, "recorded_by_id"),
    (Exposure, "recorded_by_id"),
    (RegistrationRequest, "decided_by_id"),
    (ClosureRequest, "decided_by_id"),
)
NOT_EXPORTED: dict[tuple[str, str], str] = {}  # (table, column) referring to users.id: why it is left out

USERS = ("id", "username", "full_name", "email", "role", "status", "company_role", "created_at", "last_login_at")
COMPANY_SECTIONS = (
    Section("azienda", Operator, "id"),
    Section("utenti", User, "operator_id", columns=(*USERS, "mfa_enabled_at")),
    Section("punti_di_fornitura", SupplyPoint, "operator_id"),
    Section("contratti", Contract, "operator_id"),
    Section("fatture", Invoice, "operator_id"),
    Section("righe_fattura", InvoiceLine, where=_company(InvoiceLine, Invoice, "invoice_id")),
    Section("garanzie", Guarantee, "operator_id"),
    Section("avvisi_scadenza_garanzie", GuaranteeNotice, where=_company(GuaranteeNotice, Guarantee, "guarantee_id")),
    Section("esposizioni", Exposure, "operator_id"),
    Section("iscrizioni_aste", Enrolment, "operator_id"),
    Section(
        "documenti_iscrizioni",
        EnrolmentDocument,
        where=_company(EnrolmentDocument, Enrolment, "enrolment_id"),
        files=("data", "filename"),
    ),
    Section("codici_eic", EicCode, "operator_id"),
    Section("richieste_eic", EicRequest, "operator_id"),
    Section("impianti_gstat", Plant, "operator_id"),
    Section("report_gstat", MonthlyReport, "operator_id"),
    Section("autoletture", MeterReading, "operator_id"),
    Section("richieste_di_adesione", JoinRequest, "operator_id"),
    Section("ticket", Ticket, "operator_id"),
    Section("messaggi_ticket", TicketMessage, where=_company(TicketMessage, Ticket, "ticket_id")),
    Section(
        "allegati_ticket",
        TicketAttachment,
        where=lambda operator_id: TicketAttachment.message_id.in_(
            select(TicketMessage.id).join(Ticket).where(Ticket.operator_id == operator_id)
        ),
    ),
    Section("documenti_personali", Document, "operator_id"),
    Section(
        "registro_attivita",
        AuditEvent,
        "operator_id",
        columns=("id", "created_at", "event", "user_id", "object_type", "object_id"),
    ),
)
# Tables of the company left out of its part, and why (the completeness check reads it too).
COMPANY_NOT_EXPORTED = {
    "measurements": "le curve a 15 minuti si scaricano per punto di fornitura e periodo da Misure elettriche",
    "tokens": "i link monouso (anche quelli di conferma delle adesioni) sono di breve durata e di chi li riceve",
    "registration_requests": "contengono i dati personali dei richiedenti: ciascuno li trova nel proprio export",
}


# --- values -------------------------------------------------------------------------------------------------


def _utc(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local(moment: datetime) -> str:
    return f"{numeric_date(moment)} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"


def _italian_decimal(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _same(value):
    return value


# Per Python type of a column: how a value goes into the JSON (ISO 8601 dates and UTC times, decimals as text
# without rounding) and into the CSV for an Italian spreadsheet, as the portal's other exports (dates
# gg/mm/aaaa, Italian time, decimal commas, sì/no, nested values as JSON).
JSON_VALUES = {datetime: _utc, date: date.isoformat, Decimal: str}
CSV_VALUES = {
    str: cell,
    bool: lambda value: "sì" if value else "no",
    datetime: lambda value: _local(local_time(value)),
    date: numeric_date,
    Decimal: _italian_decimal,
    dict: _json_text,
    list: _json_text,
}


def _python_type(column) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


def converters(columns) -> tuple[list, list]:
    """The JSON and CSV converter of each column, chosen once per table from the column's type."""
    kinds = [_python_type(column) for column in columns]
    return [JSON_VALUES.get(kind, _same) for kind in kinds], [CSV_VALUES.get(kind, str) for kind in kinds]


# --- writing ------------------------------------------------------------------------------------------------


def _rows(statement) -> Iterator:
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


def _file_entries(archive: zipfile.ZipFile, folder: str, section: Section, ids: list[int]) -> None:
    data_column, name_column = section.files
    table = section.model.__table__
    for row_id in ids:
        data, filename = db.session.execute(
            select(table.c[data_column], table.c[name_column]).where(table.c.id == row_id)
        ).one()
        safe = secure_filename(filename or "") or "file"
        archive.writestr(f"{folder}/file/{section.name}/{row_id}-{safe}", data or b"")


def write_table(archive: zipfile.ZipFile, stem: str, columns: list, rows: Iterable[tuple]) -> Iterator[dict]:
    """``<stem>.json`` and ``<stem>.csv`` of ``rows`` (tuples of the values of ``columns``, SQLAlchemy column
    expressions); yields each record as it is written, so that the caller can note what it needs (the ids of
    stored files) without keeping the rows."""
    names = [column.name for column in columns]
    to_json, to_csv = converters(columns)
    count = 0
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="") as spool:
        writer = csv.writer(spool, delimiter=";", lineterminator="\r\n")
        spool.write(BOM)
        writer.writerow(names)
        with archive.open(f"{stem}.json", "w") as raw, io.TextIOWrapper(raw, "utf-8") as out:
            out.write("[")
            for values in rows:
                record = {
                    name: None if value is None else convert(value)
                    for name, convert, value in zip(names, to_json, values, strict=True)
                }
                out.write(("," if count else "") + "\n  " + json.dumps(record, ensure_ascii=False))
                writer.writerow(
                    ["" if value is None else convert(value) for convert, value in zip(to_csv, values, strict=True)]
                )
                count += 1
                yield record
            out.write("\n]\n" if count else "]\n")
        spool.seek(0)
        with archive.open(f"{stem}.csv", "w") as raw, io.TextIOWrapper(raw, "utf-8", newline="") as out:
            shutil.copyfileobj(spool, out)


def write_section(archive: zipfile.ZipFile, folder: str, section: Section, subject_id: int) -> int:
    """``<folder>/<name>.json`` and ``.csv`` of the section's rows, and its stored files; returns the rows."""
    rows = (tuple(row) for row in _rows(section.statement(subject_id)))
    file_ids, count = [], 0
    for record in write_table(archive, f"{folder}/{section.name}", section.selected(), rows):
        count += 1
        if section.files is not None:
            file_ids.append(record["id"])
    if file_ids:
        _file_entries(archive, folder, section, file_ids)
    return count


def _references(archive: zipfile.ZipFile, folder: str, user_id: int) -> int:
    """``<folder>/registrati_a_tuo_nome``: table, id and column of the records the user made as staff."""
    statements = [
        select(
            literal(model.__tablename__).label("tabella"),
            model.__table__.c.id.label("id"),
            literal(column).label("colonna"),
        ).where(model.__table__.c[column] == user_id)
        for model, column in REFERENCES
    ]
    rows = (tuple(row) for statement in statements for row in _rows(statement))
    columns = list(statements[0].selected_columns)
    return sum(1 for _ in write_table(archive, f"{folder}/registrati_a_tuo_nome", columns, rows))


def includes_company(user: User) -> bool:
    """A company administrator's export holds the company's part too."""
    return user.role == "operator_admin" and user.operator_id is not None


def write_export(handle, user: User) -> dict[str, int]:
    """The whole export of ``user`` as a ZIP written into ``handle``; returns the rows of each file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in USER_SECTIONS:
            counts[f"utente/{section.name}"] = write_section(archive, "utente", section, user.id)
        counts["utente/registrati_a_tuo_nome"] = _references(archive, "utente", user.id)
        if includes_company(user):
            for section in COMPANY_SECTIONS:
                counts[f"azienda/{section.name}"] = write_section(archive, "azienda", section, user.operator_id)
        archive.writestr("LEGGIMI.txt", readme(user, counts))
        archive.writestr("indice.json", json.dumps(counts, indent=2, ensure_ascii=False))
    return counts


def readme(user: User, counts: dict[str, int]) -> str:
    return render_template(
        "privacy/export_readme.txt",
        user=user,
        counts=counts,
        generated=local_time(datetime.now(UTC)),
        company=includes_company(user),
        company_left_out=COMPANY_NOT_EXPORTED,
        descriptions={f"utente/{section.name}": section.description for section in USER_SECTIONS},
    )


def export_file(user: User):
    """The export in a temporary file rewound to its start (closed by the response that sends it)."""
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 (closed by the response)
    try:
        counts = write_export(handle, user)
        handle.seek(0)
    except Exception:
        handle.close()
        raise
    return handle, counts


def export_filename(user: User) -> str:
    return f"miei-dati-{secure_filename(user.username) or user.id}-{today():%Y%m%d}.zip"

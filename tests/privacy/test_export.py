"""Scarica i miei dati: the ZIP holds everything about the user (and, for a company administrator, about the
company), as JSON and CSV, never secrets nor other companies' data; it is written row by row."""

import csv
import io
import json
import tempfile
import tracemalloc
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from myportal.extensions import db
from myportal.guarantees.models import Exposure
from myportal.models import Base
from myportal.operators.models import User
from myportal.privacy import export
from myportal.privacy.export import COMPANY_NOT_EXPORTED, COMPANY_SECTIONS, NOT_EXPORTED, REFERENCES, USER_KEYS
from myportal.security.mfa import encrypt_secret
from myportal.security.models import AuditEvent, RecoveryCode, UserSession
from myportal.tickets.models import Ticket, TicketAttachment, TicketMessage
from tests.conftest import login, make_supply_point, page_text
from tests.invoicing import make_invoice

ZIP = "/i-miei-dati/scarica"


def _download(client) -> zipfile.ZipFile:
    response = client.get(ZIP)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    assert "private" in response.headers["Cache-Control"] and "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("attachment; filename=miei-dati-")
    return zipfile.ZipFile(io.BytesIO(response.data))


def _json(archive, name) -> list[dict]:
    return json.loads(archive.read(f"{name}.json"))


def _csv(archive, name) -> list[dict]:
    text = archive.read(f"{name}.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def _ticket(session, operator_id, user_id, subject="Verifica", body="Testo", attachment=None):
    ticket = Ticket(operator_id=operator_id, created_by_id=user_id, category="altro", subject=subject)
    message = TicketMessage(ticket=ticket, author_id=user_id, body=body)
    if attachment:
        name, data = attachment
        message.attachments.append(
            TicketAttachment(filename=name, content_type="application/pdf", size=len(data), data=data)
        )
    session.add(ticket)
    session.flush()
    return ticket


@pytest.fixture
def company(make_operator, make_user, dbs, app):
    """An operator with an administrator (second factor, recovery codes), a colleague, an invoice and tickets;
    and another operator with data of its own."""
    operator, other = make_operator(name="Idroelettrica Alpina S.p.A."), make_operator(name="Altra Energia S.r.l.")
    with app.app_context():
        secret = encrypt_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    admin = make_user(
        "operator_admin",
        operator,
        full_name="Bianchi Carla",
        fiscal_code="BNCCRL80A41H501X",
        phone="06 5550101",
        mfa_secret=secret,
    )
    colleague = make_user("operator", operator, full_name="Verdi Paolo", phone="06 5550999", fiscal_code="VRDPLA")
    stranger = make_user("operator_admin", other, full_name="Neri Luca")
    with dbs.session() as session:
        point = make_supply_point(session, operator.id, pod="IT001E00000001")
        make_invoice(session, operator.id, "FT-ALPINA-1", date(2026, 3, 10), point=point)
        other_point = make_supply_point(session, other.id, pod="IT001E00000002")
        make_invoice(session, other.id, "FT-ALTRA-1", date(2026, 3, 10), point=other_point)
        _ticket(
            session,
            operator.id,
            admin.id,
            '=HYPERLINK("http://x")',
            "+39 sul contatore",
            ("../../prova.pdf", b"%PDF-1.4 a"),
        )
        _ticket(session, operator.id, colleague.id, "Del collega", "Messaggio del collega")
        _ticket(session, other.id, stranger.id, "Di un'altra azienda", "Riservato")
        session.add(RecoveryCode(user_id=admin.id, code_hash="f" * 64))
    return {"operator": operator, "admin": admin, "colleague": colleague, "stranger": stranger, "other": other}


def test_the_page_explains_and_links_the_download(client, company):
    login(client, company["admin"].username)
    page = page_text(client.get("/i-miei-dati"))
    assert f'href="{ZIP}"' in page and "JSON e CSV" in page and "dati dell'operatore" in page


def test_a_company_administrator_gets_their_data_and_the_companys(client, company, dbs):
    admin = company["admin"]
    login(client, admin.username)
    archive = _download(client)
    names = set(archive.namelist())
    assert {"LEGGIMI.txt", "indice.json", "utente/profilo.json", "utente/profilo.csv", "azienda/fatture.csv"} <= names
    profile = _json(archive, "utente/profilo")
    assert [(row["id"], row["username"], row["fiscal_code"], row["phone"]) for row in profile] == [
        (admin.id, admin.username, "BNCCRL80A41H501X", "06 5550101")
    ]
    assert profile[0]["mfa_enabled_at"] is None and "mfa_secret" not in profile[0]
    # The log-in of this very download is in the audit log and the session among the sessions.
    events = {row["event"] for row in _json(archive, "utente/registro_attivita")}
    assert "login.success" in events
    assert len(_json(archive, "utente/sessioni")) == 1 and "key_hash" not in _json(archive, "utente/sessioni")[0]
    assert [row["used_at"] for row in _json(archive, "utente/codici_di_recupero")] == [None]
    # Own tickets, messages and attachments (the file too, with a safe name).
    assert [row["subject"] for row in _json(archive, "utente/ticket_aperti")] == ['=HYPERLINK("http://x")']
    attachments = _json(archive, "utente/allegati_ticket")
    assert attachments[0]["filename"] == "../../prova.pdf" and "data" not in attachments[0]
    assert archive.read(f"utente/file/allegati_ticket/{attachments[0]['id']}-prova.pdf") == b"%PDF-1.4 a"
    # The company: its invoice, not the other company's; the colleague's ticket; colleagues without phone.
    assert [row["number"] for row in _json(archive, "azienda/fatture")] == ["FT-ALPINA-1"]
    assert len(_json(archive, "azienda/righe_fattura")) == 2
    assert {row["subject"] for row in _json(archive, "azienda/ticket")} == {'=HYPERLINK("http://x")', "Del collega"}
    users = _json(archive, "azienda/utenti")
    assert {row["username"] for row in users} == {admin.username, company["colleague"].username}
    assert all("phone" not in row and "fiscal_code" not in row for row in users)
    whole = b"".join(archive.read(name) for name in names)
    for foreign in (b"FT-ALTRA-1", b"Riservato", company["stranger"].username.encode(), b"06 5550999", b"VRDPLA"):
        assert foreign not in whole, foreign
    index = json.loads(archive.read("indice.json"))
    assert index["azienda/fatture"] == 1 and index["utente/profilo"] == 1


def test_no_secret_is_ever_in_the_file(client, company, dbs):
    admin = company["admin"]
    login(client, admin.username)
    archive = _download(client)
    row = dbs.get(User, admin.id)
    session_hashes = dbs.scalars(select(UserSession.key_hash).where(UserSession.user_id == admin.id))
    whole = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (row.password_hash, row.mfa_secret, "f" * 64, *session_hashes):
        assert secret.encode() not in whole
    for column in ("password_hash", "mfa_secret", "key_hash", "code_hash", "token_hash", "secret_answer_hash"):
        assert column.encode() not in whole.replace(b"L'impronta", b"")


def test_csv_twins_match_the_json_and_neutralise_formulas(client, company):
    login(client, company["admin"].username)
    archive = _download(client)
    for name in ("utente/ticket_aperti", "utente/messaggi_ticket", "azienda/fatture", "azienda/righe_fattura"):
        rows_json, rows_csv = _json(archive, name), _csv(archive, name)
        assert len(rows_json) == len(rows_csv) and list(rows_csv[0]) == list(rows_json[0])
    assert _csv(archive, "utente/ticket_aperti")[0]["subject"] == '\'=HYPERLINK("http://x")'
    assert _csv(archive, "utente/messaggi_ticket")[0]["body"] == "'+39 sul contatore"
    invoice_json, invoice_csv = _json(archive, "azienda/fatture")[0], _csv(archive, "azienda/fatture")[0]
    assert invoice_json["total_amount"] == "305.00" and invoice_csv["total_amount"] == "305,00"
    assert invoice_json["issue_date"] == "2026-03-10" and invoice_csv["issue_date"] == "10/03/2026"
    assert invoice_json["created_at"].endswith("Z") and invoice_csv["paid"] == "no"


def test_an_operator_gets_only_their_own_part(client, company):
    login(client, company["colleague"].username)
    archive = _download(client)
    assert not [name for name in archive.namelist() if name.startswith("azienda/")]
    assert [row["subject"] for row in _json(archive, "utente/ticket_aperti")] == ["Del collega"]
    assert "azienda/" not in archive.read("LEGGIMI.txt").decode()


def test_staff_see_which_records_carry_their_name_without_other_peoples_data(client, make_user, company, dbs):
    support = make_user("support", False)
    with dbs.session() as session:
        session.add(
            Exposure(operator_id=company["operator"].id, amount=1, as_of=date(2026, 1, 1), recorded_by_id=support.id)
        )
    login(client, support.username)
    archive = _download(client)
    references = _json(archive, "utente/registrati_a_tuo_nome")
    assert [(row["tabella"], row["colonna"]) for row in references] == [("exposures", "recorded_by_id")]
    assert company["operator"].name.encode() not in b"".join(archive.read(name) for name in archive.namelist())


def test_every_download_is_audited(client, company, dbs):
    login(client, company["colleague"].username)
    _download(client)
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "privacy.data_exported"))
    assert event.user_id == company["colleague"].id and event.details["company"] is False
    assert event.details["rows"] > 0


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(ZIP)
    assert response.status_code == 302 and "/accedi" in response.headers["Location"]


# --- completeness: a table added later cannot be forgotten -------------------------------------------------


def _foreign_keys_to(table_name: str) -> set[tuple[str, str]]:
    return {
        (table.name, key.parent.name)
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == table_name and key.column.name == "id"
    }


def test_every_reference_to_a_user_is_exported_or_explained():
    references = {(model.__tablename__, column) for model, column in REFERENCES}
    declared = USER_KEYS | references | set(NOT_EXPORTED)
    missing = _foreign_keys_to("users") - declared
    assert not missing, (
        f"columns referring to users.id that the data export ignores: {sorted(missing)}; add a section to "
        "myportal/privacy/export.py USER_SECTIONS, or the column to REFERENCES or NOT_EXPORTED with a reason"
    )


def test_every_table_of_a_company_is_exported_or_explained():
    covered = {section.model.__tablename__ for section in COMPANY_SECTIONS}
    owned = {table for table, _column in _foreign_keys_to("operators")}
    children = {
        table.name
        for table in Base.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name in covered - {"operators", "users"} and table.name not in covered
    }
    missing = (owned | children) - covered - set(COMPANY_NOT_EXPORTED) - {"audit_events"}
    assert not missing, f"tables of a company the export ignores: {sorted(missing)} (COMPANY_SECTIONS)"


# --- streaming -----------------------------------------------------------------------------------------------


def _peak(app, user_id: int, tickets: int, dbs) -> tuple[int, int]:
    """Peak traced memory (bytes) and ZIP size of the export with ``tickets`` more tickets."""
    with dbs.session() as session:
        user = session.get(User, user_id)
        session.add_all(
            Ticket(
                operator_id=user.operator_id, created_by_id=user.id, category="altro", subject=f"Ticket {n:06d} " * 8
            )
            for n in range(tickets)
        )
    with app.test_request_context():
        user = db.session.get(User, user_id)
        with tempfile.TemporaryFile() as handle:
            tracemalloc.start()
            try:
                export.write_export(handle, user)
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            return peak, handle.tell()


def test_the_export_is_written_a_batch_of_rows_at_a_time(app, company, dbs):
    """Ten times the rows, not ten times the memory: the peak depends on the batch, not on the table."""
    colleague = company["colleague"].id
    small, _ = _peak(app, colleague, 2_000, dbs)
    large, size = _peak(app, colleague, 18_000, dbs)
    assert large < small * 2, (small, large)
    assert size > 0

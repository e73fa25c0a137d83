"""`myportal import ...`: validation row by row, all-or-nothing writes, updates by natural key."""

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from myportal.contracts.models import Measurement
from myportal.csvimport import csv_lines
from myportal.gstat.models import Plant
from myportal.registration.imports import CUSTOMERS, import_customers
from myportal.registration.models import CustomerRecord, GecoPractice, LegacyCredential
from myportal.security.models import AuditEvent
from myportal.security.passwords import verify_password
from tests.conftest import add_supply_point, make_fiscal_code, make_vat

SAMPLES = Path(__file__).resolve().parent.parent / "docs" / "samples"
LEGACY_HEADER = "vat_number,company_name,registered_address,login,password,email"
GECO_HEADER = "practice_id,vat_number,requester_fiscal_code,company_name,registered_address,status,requester_email"
CUSTOMERS_HEADER = "customer_code,tax_code,company_name,registered_address,email"


def bad_checksum(code: str) -> str:
    """``code`` with its last character changed, so that its check digit no longer matches."""
    last = code[-1]
    replacement = str((int(last) + 1) % 10) if last.isdigit() else ("A" if last != "A" else "B")
    return code[:-1] + replacement


@pytest.fixture
def write(tmp_path):
    def writer(text: str, name: str = "file.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return writer


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(kind: str, path, **kwargs):
        return runner.invoke(args=["import", kind, str(path)], **kwargs)

    return invoke


def lines(header: str, *rows: str) -> str:
    return "\n".join((header, *rows)) + "\n"


# --- legacy credentials -------------------------------------------------------------------------------------


def test_legacy_credentials_inserted_with_hashed_passwords(run, write, dbs):
    vat1, vat2 = make_vat(41), make_vat(42)
    path = write(
        lines(
            LEGACY_HEADER,
            f'IT{vat1},Idro Alpi S.r.l.,"Via Roma 1, 32100 Belluno (BL)",idro.alpi,vecchia-password-1,info@example.com',
            f"{vat2},Eolica Sud S.r.l.,Via Napoli 2,eolica.sud,vecchia-password-2,",
        )
    )
    result = run("legacy-credentials", path)
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated" in result.output

    records = {r.login: r for r in dbs.scalars(select(LegacyCredential))}
    assert set(records) == {"idro.alpi", "eolica.sud"}
    first = records["idro.alpi"]
    assert (first.vat_number, first.company_name) == (vat1, "Idro Alpi S.r.l.")
    assert first.email == "info@example.com"
    assert first.registered_address == "Via Roma 1, 32100 Belluno (BL)"
    assert records["eolica.sud"].email is None
    for record, password in ((first, "vecchia-password-1"), (records["eolica.sud"], "vecchia-password-2")):
        assert password not in record.password_hash
        assert verify_password(record.password_hash, password)

    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "import.legacy_credentials"))
    assert event.details["inserted"] == 2
    assert "vecchia-password" not in str(event.details)


def test_legacy_reimport_updates_by_login(run, write, dbs):
    vat = make_vat(43)
    row = f"{vat},Idro Alpi S.r.l.,Via Roma 1,idro.alpi,vecchia-password-1,"
    other = f"{vat},Idro Alpi S.r.l.,Via Roma 1,idro.alpi.due,altra-password-2,"
    assert run("legacy-credentials", write(lines(LEGACY_HEADER, row, other))).exit_code == 0
    before = dbs.scalar(select(LegacyCredential).where(LegacyCredential.login == "idro.alpi.due"))

    # Logins become user names: they match whatever their case.
    changed = f"{vat},Idro Alpi S.p.A.,Via Roma 1,Idro.Alpi,nuova-password-9,nuovo@example.com"
    result = run("legacy-credentials", write(lines(LEGACY_HEADER, changed, other), "again.csv"))
    assert result.exit_code == 0, result.output
    assert "0 inserted, 1 updated, 1 unchanged" in result.output
    assert dbs.count(LegacyCredential) == 2

    updated = dbs.scalar(select(LegacyCredential).where(LegacyCredential.login == "Idro.Alpi"))
    assert (updated.company_name, updated.email) == ("Idro Alpi S.p.A.", "nuovo@example.com")
    assert verify_password(updated.password_hash, "nuova-password-9")
    assert not verify_password(updated.password_hash, "vecchia-password-1")
    untouched = dbs.scalar(select(LegacyCredential).where(LegacyCredential.login == "idro.alpi.due"))
    assert untouched.password_hash == before.password_hash  # same password: not hashed again


def test_legacy_errors_reported_with_line_numbers_and_nothing_written(run, write, dbs):
    vat = make_vat(44)
    path = write(
        lines(
            LEGACY_HEADER,
            f"{bad_checksum(vat)},Idro Alpi S.r.l.,Via Roma 1,idro.alpi,password-uno-1,",
            f"{vat},,Via Roma 1,idro.due,password-due-2,",
            f"{vat},Idro Alpi S.r.l.,Via Roma 1,idro.tre,password-tre-3,idro@pec.example.com",
            f"{vat},Idro Alpi S.r.l.,Via Roma 1,idro.quattro,password-4,",
            f"{vat},Idro Alpi S.r.l.,Via Roma 1,IDRO.QUATTRO,password-5,",
            f"{vat},Idro Alpi S.r.l.,Via Roma 1,login con spazi,password-6,",
            f"{vat},Idro Alpi S.r.l.,{'x' * 301},idro.sette,password-7,",
            f"{vat},Idro Alpi S.r.l.,Via Roma 1,idro.otto,,",
        )
    )
    result = run("legacy-credentials", path)
    assert result.exit_code == 1
    errors = result.stderr
    assert "riga 2, colonna vat_number: Partita IVA non valida" in errors
    assert "riga 3, colonna company_name: campo obbligatorio" in errors
    assert "riga 4, colonna email: Non indicare un indirizzo PEC" in errors
    assert "riga 6, colonna login: 'IDRO.QUATTRO' è già presente alla riga 5" in errors
    assert "riga 7, colonna login:" in errors
    assert "riga 8, colonna registered_address: al massimo 300 caratteri" in errors
    assert "riga 9, colonna password: campo obbligatorio" in errors
    assert "riga 5" not in errors.replace("alla riga 5", "")
    assert "7 error(s): nothing imported." in errors
    assert dbs.count(LegacyCredential) == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "import.legacy_credentials") == 0


def test_errors_leave_existing_records_untouched(run, write, dbs):
    vat = make_vat(45)
    first = write(lines(LEGACY_HEADER, f"{vat},Prima S.r.l.,Via A,prima,password-prima,"))
    assert run("legacy-credentials", first).exit_code == 0
    path = write(
        lines(
            LEGACY_HEADER,
            f"{vat},Prima cambiata S.r.l.,Via A,prima,password-prima,",
            f"{vat},Seconda S.r.l.,Via B,seconda,password-seconda,",
            f"{bad_checksum(vat)},Terza S.r.l.,Via C,terza,password-terza,",
        ),
        "bad.csv",
    )
    result = run("legacy-credentials", path)
    assert result.exit_code == 1
    assert "riga 4, colonna vat_number" in result.stderr
    assert dbs.count(LegacyCredential) == 1
    assert dbs.scalar(select(LegacyCredential.company_name)) == "Prima S.r.l."


# --- Ge.Co. practices ---------------------------------------------------------------------------------------


def test_geco_practices_inserted_and_normalised(run, write, dbs):
    vat, company_vat, person = make_vat(46), make_vat(47), make_fiscal_code(46)
    path = write(
        lines(
            GECO_HEADER,
            f"geco-2024-001,{vat},{person.lower()},Solare S.r.l.,Via Roma 1,In lavorazione,Richiedente@Solare.example",
            f"GECO-2024-002,{vat},{company_vat},Solare S.r.l.,Via Roma 1,Preventivo accettato,",
        )
    )
    result = run("geco-practices", path)
    assert result.exit_code == 0, result.output
    practices = {p.practice_id: p for p in dbs.scalars(select(GecoPractice))}
    assert set(practices) == {"GECO-2024-001", "GECO-2024-002"}
    assert practices["GECO-2024-001"].requester_fiscal_code == person
    assert practices["GECO-2024-002"].requester_fiscal_code == company_vat
    assert practices["GECO-2024-001"].status == "In lavorazione"
    assert practices["GECO-2024-001"].requester_email == "Richiedente@solare.example"  # the domain in lower case
    assert practices["GECO-2024-002"].requester_email is None

    row = f"GECO-2024-001,{vat},{person},Solare S.r.l.,Via Roma 1,Connessa,richiedente@solare.example"
    again = write(lines(GECO_HEADER, row), "again.csv")
    result = run("geco-practices", again)
    assert "0 inserted, 1 updated" in result.output
    assert dbs.count(GecoPractice) == 2
    status = dbs.scalar(select(GecoPractice.status).where(GecoPractice.practice_id == "GECO-2024-001"))
    assert status == "Connessa"


def test_geco_errors(run, write, dbs):
    vat, person = make_vat(48), make_fiscal_code(48)
    path = write(
        lines(
            GECO_HEADER,
            f"GECO/2024/1,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,",
            f"GECO-2024-0000000000001,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,",
            f"GECO-3,{vat},{bad_checksum(person)},Solare S.r.l.,Via Roma 1,In lavorazione,",
            f"GECO-4,{vat},RSSMRA80,Solare S.r.l.,Via Roma 1,In lavorazione,",
            f"GECO-5,{vat},{person},Solare S.r.l.,Via Roma 1,,",
            f"GECO-6,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,,in più",
            f"GECO-9,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,richiedente@pec.solare.it",
            f"GECO-7,{vat},{person},Solare S.r.l.",
            f"geco-8,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,",
            f"GECO-8,{vat},{person},Solare S.r.l.,Via Roma 1,In lavorazione,",
        )
    )
    result = run("geco-practices", path)
    assert result.exit_code == 1
    errors = result.stderr
    assert "riga 2, colonna practice_id: L'ID pratica contiene solo lettere, cifre e trattini" in errors
    assert "riga 3, colonna practice_id:" in errors
    assert "riga 4, colonna requester_fiscal_code: Codice fiscale non valido" in errors
    assert "riga 5, colonna requester_fiscal_code:" in errors
    assert "riga 6, colonna status: campo obbligatorio" in errors
    assert "riga 7: trovati 8 campi, attesi 7." in errors
    assert "riga 8, colonna requester_email: " in errors and "PEC" in errors
    assert "riga 9: trovati 4 campi, attesi 7." in errors
    assert "riga 11, colonna practice_id: 'GECO-8' è già presente alla riga 10" in errors
    assert dbs.count(GecoPractice) == 0


# --- customers ----------------------------------------------------------------------------------------------


def test_customers_with_vat_or_fiscal_code(run, write, dbs):
    vat, person = make_vat(49), make_fiscal_code(49)
    path = write(
        lines(
            CUSTOMERS_HEADER,
            f"004512,IT {vat[:5]}.{vat[5:]},Cartiere S.p.A.,Via Roma 1,Amministrazione@Example.com",
            f"004513,{person},Anna Rossi,Via Roma 2,",
        )
    )
    result = run("customers", path)
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated, 0 unchanged" in result.output
    records = {r.customer_code: r for r in dbs.scalars(select(CustomerRecord))}
    assert records["004512"].tax_code == vat
    assert records["004512"].email == "Amministrazione@example.com"
    assert records["004513"].tax_code == person
    assert records["004513"].email is None

    result = run("customers", path)
    assert "0 inserted, 0 updated, 2 unchanged" in result.output
    assert dbs.count(CustomerRecord) == 2


def test_customer_errors(run, write, dbs):
    vat, person = make_vat(50), make_fiscal_code(50)
    path = write(
        lines(
            CUSTOMERS_HEADER,
            f"4512,{vat},Cartiere S.p.A.,Via Roma 1,",
            f"004513,{bad_checksum(vat)},Cartiere S.p.A.,Via Roma 1,",
            f"004514,{bad_checksum(person)},Anna Rossi,Via Roma 2,",
            f"004515,{person},Anna Rossi,Via Roma 2,anna.rossi@pec.it",
            f"004516,{person},Anna Rossi,Via Roma 2,non-una-mail",
            f",{person},Anna Rossi,Via Roma 2,",
            f"004517,{person},Anna Rossi,Via Roma 2,",
            f"004517,{bad_checksum(vat)},Cartiere S.p.A.,Via Roma 1,",
        )
    )
    result = run("customers", path)
    assert result.exit_code == 1
    errors = result.stderr
    assert "riga 2, colonna customer_code: Il codice cliente è composto da sei cifre" in errors
    assert "riga 3, colonna tax_code: Partita IVA non valida" in errors
    assert "riga 4, colonna tax_code: Codice fiscale non valido" in errors
    assert "riga 5, colonna email: Non indicare un indirizzo PEC" in errors
    assert "riga 6, colonna email: Indirizzo e-mail non valido" in errors
    assert "riga 7, colonna customer_code: campo obbligatorio" in errors
    assert "riga 9, colonna customer_code: '004517' è già presente alla riga 8" in errors
    assert "riga 9, colonna tax_code: Partita IVA non valida" in errors
    assert dbs.count(CustomerRecord) == 0


# --- the file as a whole ------------------------------------------------------------------------------------


def test_missing_and_unknown_columns(run, write, dbs):
    path = write(lines("customer_code,tax_code,company_name,indirizzo,email", "004512,x,y,z,"))
    result = run("customers", path)
    assert result.exit_code == 1
    assert "intestazione: colonne mancanti: registered_address" in result.stderr
    assert "intestazione: colonne sconosciute: indirizzo" in result.stderr
    assert dbs.count(CustomerRecord) == 0


def test_empty_file(run, write):
    result = run("customers", write(""))
    assert result.exit_code == 1
    assert "manca la riga di intestazione" in result.stderr


def test_columns_in_any_order_with_bom_and_crlf(run, write, dbs):
    vat = make_vat(51)
    text = (
        "email,Registered_Address,company_name,tax_code,customer_code\r\n"
        f'cartiere@example.com,"Via Roma 1, Bergamo",Cartiere S.p.A.,{vat},004512\r\n'
    )
    result = run("customers", write(text, encoding="utf-8-sig"))
    assert result.exit_code == 0, result.output
    record = dbs.scalar(select(CustomerRecord))
    assert (record.customer_code, record.tax_code) == ("004512", vat)
    assert record.registered_address == "Via Roma 1, Bergamo"


def test_not_utf8(run, write, dbs):
    vat = make_vat(52)
    result = run(
        "customers", write(lines(CUSTOMERS_HEADER, f"004512,{vat},Società Elettrica,Via Roma,"), encoding="latin-1")
    )
    assert result.exit_code == 1
    assert "UTF-8" in result.stderr
    assert dbs.count(CustomerRecord) == 0


def test_standard_input_and_dry_run(app, dbs):
    runner = app.test_cli_runner()
    data = lines(CUSTOMERS_HEADER, f"004512,{make_vat(53)},Cartiere S.p.A.,Via Roma 1,")
    result = runner.invoke(args=["import", "customers", "--dry-run", "-"], input="\ufeff" + data)
    assert result.exit_code == 0, result.output
    assert "1 valid rows; nothing written" in result.output
    assert dbs.count(CustomerRecord) == 0
    result = runner.invoke(args=["import", "customers", "-"], input=data)
    assert "1 inserted" in result.output
    assert dbs.count(CustomerRecord) == 1


def test_import_function_without_the_command(app, dbs):
    rows = [("004512", make_vat(54), "Cartiere S.p.A.", "Via Roma 1", "")]
    with app.app_context():
        result = import_customers(csv_lines(CUSTOMERS.names, rows))
        assert (result.ok, result.inserted, result.updated) == (True, 1, 0)
        bad = import_customers(["\ufeff" + ",".join(CUSTOMERS.names), "12,x,,Via,"])
        assert not bad.ok
        assert [str(error) for error in bad.errors] == [
            "riga 2, colonna customer_code: Il codice cliente è composto da sei cifre, come riportato in fattura. "
            "(valore: '12')",
            "riga 2, colonna tax_code: Inserisci una Partita IVA di 11 cifre o un codice fiscale di 16 caratteri. "
            "(valore: 'x')",
            "riga 2, colonna company_name: campo obbligatorio mancante.",
        ]


@pytest.mark.parametrize("kind", ["legacy-credentials", "geco-practices", "customers"])
def test_documented_samples_import(run, kind):
    result = run(kind, SAMPLES / f"{kind}.csv")
    assert result.exit_code == 0, result.output
    assert "0 updated" in result.output


# --- one reading of figures for every import ----------------------------------------------------------------


def test_every_import_reads_figures_the_same_italian_way(run, write, dbs, make_operator):
    """A figure that reads 176020 in Italian and 176.02 in English is refused by row and column, never scaled."""
    operator = make_operator()
    add_supply_point(dbs, operator, pod="IT001E77700009")
    plants = "vat_number,gaudi_code,name,source,capacity_mw\n" + f"{operator.vat_number},UP_FIG_1,Impianto,solar,"
    refused = run("plants", write(plants + "176.020\n"))
    assert refused.exit_code == 1 and "riga 2, colonna capacity_mw:" in refused.output
    assert "numero ambiguo '176.020'" in refused.output and dbs.count(Plant) == 0
    assert run("plants", write(plants + '"1.234,5"\n')).exit_code == 0
    assert dbs.scalar(select(Plant.capacity_mw)) == Decimal("1234.5")

    measurements = "pod;start;active_energy_kwh;reactive_energy_kvarh;power_kw\n" + (
        "IT001E77700009;2025-01-15T10:00:00+01:00;{};0,5;1.234,5\n"
    )
    refused = run("measurements", write(measurements.format("8.125")))
    assert refused.exit_code == 1 and "riga 2, colonna active_energy_kwh: numero ambiguo '8.125'" in refused.output
    assert dbs.count(Measurement) == 0
    assert run("measurements", write(measurements.format("8,125"))).exit_code == 0
    stored = dbs.scalars(select(Measurement))
    assert [(row.active_energy_kwh, row.power_kw) for row in stored] == [(Decimal("8.125"), Decimal("1234.5"))]

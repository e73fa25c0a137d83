"""The CSV upload of many plants and months: the template, all-or-nothing validation by row and column."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.gstat.models import MonthlyReport
from myportal.gstat.upload import CSV_HEADER
from myportal.security.models import AuditEvent
from tests.conftest import csrf_from, field_error
from tests.gstat import add_plant, add_report, last_month, months_ago, this_month

HEADER = ";".join(CSV_HEADER)


@pytest.fixture
def operator(make_operator):
    return make_operator()


@pytest.fixture
def plants(dbs, operator):
    return (
        add_plant(dbs, operator, code="UP_UPL_SOLAR", source="solar", capacity="10"),
        add_plant(dbs, operator, code="UP_UPL_TERM", source="thermal", capacity="400"),
    )


@pytest.fixture
def user(make_user, login_as, operator):
    user = make_user(operator=operator)
    login_as(user)
    return user


def upload(client, content, *, filename="gstat.csv", submit_now=False, follow_redirects=False):
    token = csrf_from(client.get("/gstat/carica").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "file": (io.BytesIO(content if isinstance(content, bytes) else content.encode("utf-8")), filename),
    }
    if submit_now:
        data["submit_now"] = "y"
    return client.post(
        "/gstat/carica", data=data, content_type="multipart/form-data", follow_redirects=follow_redirects
    )


def _csv(*rows):
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def _stored(dbs):
    return dbs.scalars(
        select(MonthlyReport).order_by(
            MonthlyReport.plant_id, MonthlyReport.year, MonthlyReport.month, MonthlyReport.revision
        )
    )


def test_template_lists_the_plants_of_the_operator(client, dbs, plants, user, make_operator):
    add_plant(dbs, make_operator(), code="UP_ALTRUI_1")
    response = client.get("/gstat/modello.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    lines = text.strip().splitlines()
    year, month = last_month()
    assert lines[0] == HEADER
    assert lines[1:] == [f"UP_UPL_SOLAR;{year};{month};;;;;;", f"UP_UPL_TERM;{year};{month};;;;;;"]


def test_clean_upload_is_stored_whole(client, dbs, plants, user):
    (y1, m1), (y2, m2) = last_month(), months_ago(2)
    content = _csv(
        f"UP_UPL_SOLAR;{y1};{m1};1.000,5;990;5;;;",
        f"up_upl_solar;{y2};{m2};800;790;;;;",
        f'UP_UPL_TERM;{y1};{m1};150000;145000;3000;0;Sm3;"32.000.000"',
    )
    response = upload(client, content, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "3 report salvati in bozza (3 nuovi, 0 bozze aggiornate, 0 rettifiche)" in page
    rows = _stored(dbs)
    assert len(rows) == 3 and {row.state for row in rows} == {"bozza"}
    thermal = next(row for row in rows if row.plant_id == plants[1].id)
    assert (thermal.fuel_type, thermal.fuel_quantity) == ("Sm3", Decimal("32000000"))
    assert thermal.operator_id == plants[1].operator_id
    solar = next(row for row in rows if row.plant_id == plants[0].id and row.month == m1)
    assert solar.gross_production_mwh == Decimal("1000.5") and solar.pumping_consumption_mwh == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "gstat.uploaded") == 1


def test_figures_are_read_the_italian_way_or_refused_never_scaled(client, dbs, operator, user):
    """ "176.020" could be 176020 or 176,02 MWh: the file is refused with its row and column, nothing stored."""
    add_plant(dbs, operator, code="UP_UPL_BIG", source="solar", capacity="400")
    (y1, m1), (y2, m2) = last_month(), months_ago(2)
    ambiguous = _csv(f"UP_UPL_BIG;{y1};{m1};176.020;170.000,5;;;;", f"UP_UPL_BIG;{y2};{m2};1,234.5;1.23.4;;;;")
    page = upload(client, ambiguous).get_data(as_text=True)
    assert "riga 2, colonna gross_production_mwh: numero ambiguo &#39;176.020&#39;: scrivi 176020" in page
    assert "riga 3, colonna gross_production_mwh: numero non valido &#39;1,234.5&#39;" in page
    assert "riga 3, colonna net_production_mwh: numero non valido &#39;1.23.4&#39;" in page
    assert dbs.count(MonthlyReport) == 0
    clean = _csv(f"UP_UPL_BIG;{y1};{m1};176020;170.000,5;;;;", f"UP_UPL_BIG;{y2};{m2};1.234,5;176,02;12.5;;;")
    upload(client, clean, follow_redirects=True)
    figures = {
        (row.year, row.month): (row.gross_production_mwh, row.net_production_mwh, row.auxiliary_consumption_mwh)
        for row in _stored(dbs)
    }
    assert figures == {
        (y1, m1): (Decimal("176020"), Decimal("170000.5"), 0),
        (y2, m2): (Decimal("1234.5"), Decimal("176.02"), Decimal("12.5")),
    }


def test_upload_replaces_drafts_and_corrects_submitted_months(client, dbs, plants, user):
    (y1, m1), (y2, m2) = last_month(), months_ago(2)
    add_report(dbs, plants[0], y1, m1, state="bozza", gross="10", net="9")
    add_report(dbs, plants[0], y2, m2, state="inviato", gross="20", net="19")
    content = _csv(f"UP_UPL_SOLAR;{y1};{m1};11;10;;;;", f"UP_UPL_SOLAR;{y2};{m2};21;20;;;;")
    response = upload(client, content, submit_now=True, follow_redirects=True)
    assert "2 report inviati (0 nuovi, 1 bozze aggiornate, 1 rettifiche)" in response.get_data(as_text=True)
    rows = _stored(dbs)
    assert [
        (r.month, r.revision, r.state, r.is_current, r.gross_production_mwh)
        for r in rows
        if r.year == y1 and r.month == m1
    ] == [(m1, 1, "inviato", True, Decimal("11"))]
    corrected = [(r.revision, r.is_current, r.gross_production_mwh) for r in rows if (r.year, r.month) == (y2, m2)]
    assert corrected == [(1, False, Decimal("20")), (2, True, Decimal("21"))]
    assert all(r.submitted_by_id == user.id for r in rows if r.is_current)


def test_upload_with_errors_lists_every_one_and_writes_nothing(client, dbs, plants, user, make_operator):
    other = add_plant(dbs, make_operator(), code="UP_ALTRUI_2")
    year, month = last_month()
    now_year, now_month = this_month()
    content = _csv(
        f"UP_UPL_SOLAR;{year};{month};100;90;;;;",  # 2: good
        f"UP_UPL_SOLAR;{year};{month};100;90;;;;",  # 3: duplicate of line 2
        f"UP_NON_ESISTE;{year};{month};1;1;;;;",  # 4: unknown plant
        f"{other.gaudi_code};{year};{month};1;1;;;;",  # 5: another operator's plant
        f"UP_UPL_SOLAR;{now_year};{now_month};1;1;;;;",  # 6: month not ended
        f"UP_UPL_SOLAR;{year};13;1;1;;;;",  # 7: no such month
        f"UP_UPL_SOLAR;{months_ago(2)[0]};{months_ago(2)[1]};-5;7;x;;;",  # 8: negative, not a number
        f"UP_UPL_SOLAR;{months_ago(3)[0]};{months_ago(3)[1]};50;60;;;;",  # 9: net > gross
        f"UP_UPL_SOLAR;{months_ago(4)[0]};{months_ago(4)[1]};99999;1;;;;",  # 10: above capacity × hours
        f"UP_UPL_TERM;{year};{month};100;90;;;;",  # 11: thermal without fuel
        f"UP_UPL_SOLAR;{months_ago(5)[0]};{months_ago(5)[1]};1;1;;;t;5",  # 12: fuel for a solar plant
        "UP_UPL_SOLAR;2024;1;1",  # 13: too few fields
        "UP_UPL_SOLAR;²;1;1;1;;;;",  # 14: not a year
    )
    response = upload(client, content)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "non è stato salvato nulla" in page
    assert field_error(page, "file") == "Correggi gli errori elencati e carica di nuovo il file."
    expected = [
        "riga 3, colonna gaudi_code: impianto UP_UPL_SOLAR",
        "riga 4, colonna gaudi_code: l&#39;impianto UP_NON_ESISTE non è tra gli impianti della tua azienda",
        f"riga 5, colonna gaudi_code: l&#39;impianto {other.gaudi_code} non è tra gli impianti",
        "riga 6, colonna month: il mese",
        "riga 7, colonna month: mese non valido",
        "riga 8, colonna gross_production_mwh: il valore non può essere negativo",
        "riga 8, colonna auxiliary_consumption_mwh: numero non valido &#39;x&#39;",
        "riga 9, colonna net_production_mwh: la produzione netta",
        "riga 10, colonna gross_production_mwh: la produzione lorda",
        "riga 11, colonna fuel_type:",
        "riga 11, colonna fuel_quantity:",
        "riga 12, colonna fuel_type: il combustibile si indica solo per gli impianti termoelettrici",
        "riga 13: trovati 4 campi, attesi 9.",
        "riga 14, colonna year: anno non valido",
    ]
    for text in expected:
        assert text in page, text
    assert "<li>riga 2" not in page
    assert dbs.count(MonthlyReport) == 0


def test_a_file_full_of_errors_shows_the_first_200_and_how_many_there_are(client, dbs, plants, user):
    """A 100,000-row file of wrong rows once gave a 9.7 MB page listing every error."""
    year, month = last_month()
    rows = 20_000
    content = _csv(*(f"UP_NON_ESISTE_{number};{year};{month};1;1;;;;" for number in range(rows)))
    response = upload(client, content)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Il file contiene {rows} errori: non è stato salvato nulla." in page
    assert f"Sono elencati i primi 200 errori su {rows}" in page
    assert page.count("<li>riga ") == 200
    assert "<li>riga 201," in page and "<li>riga 202," not in page
    assert len(page) < 100_000
    assert dbs.count(MonthlyReport) == 0


def test_a_few_errors_are_all_listed_without_a_note(client, dbs, plants, user):
    year, month = last_month()
    response = upload(client, _csv(*(f"UP_NON_ESISTE_{number};{year};{month};1;1;;;;" for number in range(3))))
    page = response.get_data(as_text=True)
    assert page.count("<li>riga ") == 3 and "Sono elencati i primi" not in page


def test_header_problems(client, dbs, plants, user):
    response = upload(client, "gaudi_code;anno;month\r\nUP_UPL_SOLAR;2024;1\r\n")
    page = response.get_data(as_text=True)
    assert "intestazione: colonne mancanti: year" in page and "colonne sconosciute: anno" in page
    assert dbs.count(MonthlyReport) == 0
    response = upload(client, HEADER + "\r\n")
    assert "il file non contiene righe di dati" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "vuoto.csv", "Il file è vuoto."),
        ("gaudi_code;year\nCittà;2024\n".encode("latin-1"), "latin.csv", "non è codificato in UTF-8"),
        (b"%PDF-1.4\x00\x01\x02", "finto.csv", "non è un CSV di testo"),
        (b"a;b\n", "report.xlsx", "Il file deve essere un CSV"),
    ],
)
def test_upload_type_and_content_checks(client, dbs, plants, user, content, filename, message):
    response = upload(client, content, filename=filename)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert dbs.count(MonthlyReport) == 0


def test_upload_without_a_file(client, dbs, plants, user):
    token = csrf_from(client.get("/gstat/carica").get_data(as_text=True))
    response = client.post("/gstat/carica", data={"csrf_token": token}, content_type="multipart/form-data")
    assert "Scegli il file CSV da caricare." in response.get_data(as_text=True)


def test_upload_size_limits(app, client, dbs, plants, user, monkeypatch):
    monkeypatch.setitem(app.config, "GSTAT_UPLOAD_MAX_BYTES", 1024 * 1024)
    year, month = last_month()
    row = f"UP_UPL_SOLAR;{year};{month};1;1;;;;\r\n"
    big = (HEADER + "\r\n" + row * (1024 * 1024 // len(row) + 10)).encode()
    response = upload(client, big)
    assert response.status_code == 200
    assert "Il file supera il limite di 1 MB" in response.get_data(as_text=True)
    # Above the request limit of the whole application: refused before the view, never a 500.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 512 * 1024)
    response = upload(client, big)
    assert response.status_code == 413
    assert dbs.count(MonthlyReport) == 0


def test_upload_of_another_operator_cannot_touch_my_reports(client, dbs, plants, make_user, make_operator, login_as):
    year, month = last_month()
    add_report(dbs, plants[0], year, month, state="bozza")
    login_as(make_user(operator=make_operator()))
    response = upload(client, _csv(f"UP_UPL_SOLAR;{year};{month};5;5;;;;"))
    assert "non è tra gli impianti della tua azienda" in response.get_data(as_text=True)
    [report] = _stored(dbs)
    assert report.gross_production_mwh == Decimal("100")


def test_upload_bulk_inserts_in_few_statements(app, client, dbs, operator, user):
    from tests.gstat import counting_queries

    codes = [add_plant(dbs, operator, capacity="100").gaudi_code for _ in range(20)]
    months = [months_ago(count) for count in range(1, 13)]
    rows = [f"{code};{year};{month};100;95;1;;;" for code in codes for year, month in months]
    token = csrf_from(client.get("/gstat/carica").get_data(as_text=True))
    with counting_queries(app) as statements:
        response = client.post(
            "/gstat/carica",
            data={"csrf_token": token, "file": (io.BytesIO(_csv(*rows).encode()), "molti.csv")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 302
    assert dbs.count(MonthlyReport) == 240
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO GSTAT_REPORTS")]
    assert len(inserts) <= 2, inserts[:3]
    assert len(statements) < 20


def test_the_sample_files_work_together(app, client, dbs, make_user, login_as):
    """docs/samples/plants.csv through ``myportal import plants``, then docs/samples/gstat-reports.csv uploaded."""
    from pathlib import Path

    from myportal.demo import DISTRIBUTOR, TRADER
    from myportal.operators.models import Operator

    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    with dbs.session() as session:
        for data in (TRADER, DISTRIBUTOR):
            if session.scalar(select(Operator).where(Operator.vat_number == data["vat_number"])) is None:
                session.add(
                    Operator(
                        name=data["name"],
                        vat_number=data["vat_number"],
                        registered_address=data["registered_address"],
                        kind="giuridica",
                    )
                )
    result = app.test_cli_runner().invoke(args=["import", "plants", str(samples / "plants.csv")])
    assert result.exit_code == 0, result.output
    trader = dbs.scalar(select(Operator).where(Operator.vat_number == TRADER["vat_number"]))
    login_as(make_user(operator=trader))
    content = (samples / "gstat-reports.csv").read_bytes()
    response = upload(client, content, filename="gstat-reports.csv", submit_now=True, follow_redirects=True)
    assert "12 report inviati (12 nuovi" in response.get_data(as_text=True)
    assert dbs.count(MonthlyReport, MonthlyReport.operator_id == trader.id) == 12


def test_repeated_figures_blank_rows_and_fuel_are_stored_as_written(client, dbs, plants, user):
    (y1, m1), (y2, m2), (y3, m3) = last_month(), months_ago(2), months_ago(3)
    content = _csv(
        f"UP_UPL_SOLAR;{y1};{m1};1200,5;1150,25;0;0;;",
        " ; ;;;;;;;",
        f"UP_UPL_SOLAR;{y2};{m2};1200,5;1150,25;0;;;",
        "",
        f"UP_UPL_SOLAR;{y3};{m3}; 1200,5 ;1150.25;0,0;;;",
        f"UP_UPL_TERM;{y1};{m1};1200,5;1150,25;0;0;t;1200,5",
    )
    response = upload(client, content, submit_now=True, follow_redirects=True)
    assert "4 report inviati (4 nuovi, 0 bozze aggiornate, 0 rettifiche)" in response.get_data(as_text=True)
    rows = _stored(dbs)
    assert {
        (r.gross_production_mwh, r.net_production_mwh, r.auxiliary_consumption_mwh, r.pumping_consumption_mwh)
        for r in rows
    } == {(Decimal("1200.5"), Decimal("1150.25"), 0, 0)}
    assert [(r.fuel_type, r.fuel_quantity) for r in rows if r.plant_id == plants[1].id] == [("t", Decimal("1200.5"))]
    assert {(r.fuel_type, r.fuel_quantity) for r in rows if r.plant_id == plants[0].id} == {(None, None)}
    assert {(r.revision, r.is_current, r.state, r.submitted_by_id) for r in rows} == {(1, True, "inviato", user.id)}
    assert len({r.submitted_at for r in rows}) == 1 and all(r.created_at is not None for r in rows)


def test_plain_file_row_breaking_a_rule_is_reported(client, dbs, plants, user):
    """A file of plain figures only: a row over the rules still gets its message, and nothing is stored."""
    (y1, m1), (y2, m2) = last_month(), months_ago(2)
    content = _csv(f"UP_UPL_SOLAR;{y1};{m1};100,5;90;;0;;", f"UP_UPL_SOLAR;{y2};{m2};50;60,25;1;;;")
    page = upload(client, content).get_data(as_text=True)
    assert "riga 3, colonna net_production_mwh: la produzione netta (60,250 MWh) non può superare" in page
    assert dbs.count(MonthlyReport) == 0

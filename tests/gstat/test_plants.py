"""Plants: recorded by administrators in a form or with ``myportal import plants FILE``."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.gstat.imports import import_plants_command
from myportal.gstat.models import Plant
from myportal.security.models import AuditEvent
from tests.conftest import make_vat, submit

HEADER = "vat_number,gaudi_code,name,source,capacity_mw"


@pytest.fixture
def admin(make_user, login_as):
    user = make_user("admin", operator=False)
    login_as(user)
    return user


def _form(operator, **changes):
    data = {
        "vat_number": operator.vat_number,
        "gaudi_code": "UP_FORM_1",
        "name": "Centrale di prova",
        "source": "hydro",
        "capacity_mw": "12,5",
    }
    return {**data, **changes}


def test_admin_records_and_updates_a_plant(client, dbs, admin, make_operator):
    operator = make_operator()
    response = submit(client, "/admin/gstat/impianti", _form(operator, gaudi_code="up_form_1"), follow_redirects=True)
    assert "Impianto UP_FORM_1 registrato" in response.get_data(as_text=True)
    plant = dbs.scalar(select(Plant).where(Plant.gaudi_code == "UP_FORM_1"))
    assert (plant.operator_id, plant.source, plant.capacity_mw) == (operator.id, "hydro", Decimal("12.5"))
    submit(client, "/admin/gstat/impianti", _form(operator, name="Nuovo nome", capacity_mw="20"))
    assert dbs.count(Plant, Plant.gaudi_code == "UP_FORM_1") == 1
    plant = dbs.scalar(select(Plant).where(Plant.gaudi_code == "UP_FORM_1"))
    assert (plant.name, plant.capacity_mw) == ("Nuovo nome", Decimal("20"))
    assert dbs.count(AuditEvent, AuditEvent.event.in_(["gstat.plant_created", "gstat.plant_updated"])) == 2
    page = client.get("/admin/gstat/impianti").get_data(as_text=True)
    assert "Nuovo nome" in page and operator.name in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vat_number": ""}, "Indica la Partita IVA"),
        ({"vat_number": "12345678901"}, "Partita IVA"),
        ({"gaudi_code": ""}, "Indica il codice GAUDÌ"),
        ({"gaudi_code": "UP ÀÈ"}, "solo lettere, cifre"),
        ({"name": ""}, "Indica la denominazione"),
        ({"name": "x" * 201}, "200"),
        ({"source": "nuclear"}, "Non è una opzione valida"),
        ({"source": ""}, "Scegli la fonte"),
        ({"capacity_mw": "0"}, "maggiore di zero"),
        ({"capacity_mw": "-3"}, "maggiore di zero"),
        ({"capacity_mw": "abc"}, "deve essere un numero"),
        ({"capacity_mw": "1.23456"}, "tre decimali"),
    ],
)
def test_admin_plant_form_bad_inputs(client, dbs, admin, make_operator, changes, message):
    operator = make_operator()
    response = submit(client, "/admin/gstat/impianti", _form(operator, **changes))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page
    assert dbs.count(Plant) == 0


def test_admin_plant_of_an_unknown_operator(client, dbs, admin, make_operator):
    operator = make_operator()
    response = submit(client, "/admin/gstat/impianti", _form(operator, vat_number=make_vat(9_876_543)))
    assert "Nessun operatore registrato con questa Partita IVA" in response.get_data(as_text=True)
    assert dbs.count(Plant) == 0


def test_plant_pages_are_for_administrators_only(client, make_user, login_as):
    assert client.get("/admin/gstat/impianti").status_code == 302  # to the login page
    login_as(make_user())
    assert client.get("/admin/gstat/impianti").status_code == 403
    assert client.post("/admin/gstat/impianti", data={}).status_code in (400, 403)
    assert client.get("/admin/gstat").status_code == 403


def _run(app, tmp_path, text, *args):
    path = tmp_path / "impianti.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(import_plants_command, [*args, str(path)])


def test_import_plants_inserts_then_updates_by_gaudi_code(app, dbs, tmp_path, make_operator):
    first, second = make_operator(), make_operator()
    text = "\n".join(
        [
            HEADER,
            f"{first.vat_number},UP_CLI_1,Centrale Uno,thermal,300",
            f'IT{second.vat_number},up_cli_2,Parco Due,Eolico,"42,5"',
        ]
    )
    result = _run(app, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "2 inserted, 0 updated, 0 unchanged." in result.output
    plants = {plant.gaudi_code: plant for plant in dbs.scalars(select(Plant))}
    assert plants["UP_CLI_2"].operator_id == second.id and plants["UP_CLI_2"].source == "wind"
    assert plants["UP_CLI_2"].capacity_mw == Decimal("42.5")
    again = _run(app, tmp_path, text.replace("Centrale Uno", "Centrale Uno bis"))
    assert again.exit_code == 0 and "0 inserted, 1 updated, 1 unchanged." in again.output
    assert dbs.count(Plant) == 2
    assert dbs.scalar(select(Plant.name).where(Plant.gaudi_code == "UP_CLI_1")) == "Centrale Uno bis"


def test_import_plants_with_errors_writes_nothing_and_lists_them(app, dbs, tmp_path, make_operator):
    operator = make_operator()
    text = "\n".join(
        [
            HEADER,
            f"{operator.vat_number},UP_OK_1,Buona,solar,5",
            "12345678901,UP_BAD_1,IVA errata,solar,5",
            f"{operator.vat_number},UP_OK_1,Doppione,solar,5",
            f"{operator.vat_number},UP_BAD 2,Codice errato,nuclear,-1",
            f"{operator.vat_number},UP_BAD_3,,solar",
        ]
    )
    result = _run(app, tmp_path, text)
    assert result.exit_code == 1
    output = result.output
    assert "riga 3, colonna vat_number" in output
    assert "riga 4, colonna gaudi_code" in output and "già presente alla riga 2" in output
    assert "riga 5, colonna gaudi_code" in output and "riga 5, colonna source" in output
    assert "riga 5, colonna capacity_mw" in output
    assert "riga 6: trovati 4 campi, attesi 5." in output
    assert "nothing imported" in output
    assert dbs.count(Plant) == 0


def test_import_plants_header_and_encoding(app, dbs, tmp_path):
    result = _run(app, tmp_path, "gaudi_code,name\nUP_1,X\n")
    assert result.exit_code == 1 and "colonne mancanti" in result.output
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{HEADER}\n00000010580,UP_1,Centrale Città,solar,5\n".encode("latin-1"))
    result = app.test_cli_runner().invoke(import_plants_command, [str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output
    assert dbs.count(Plant) == 0


def test_import_plants_dry_run(app, dbs, tmp_path, make_operator):
    operator = make_operator()
    result = _run(app, tmp_path, f"{HEADER}\n{operator.vat_number},UP_DRY_1,Prova,storage,1\n", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 valid rows; nothing written (--dry-run)." in result.output
    assert dbs.count(Plant) == 0


def test_a_plant_with_reports_keeps_its_operator(app, dbs, tmp_path, make_operator):
    from tests.gstat import add_plant, add_report, last_month

    owner, other = make_operator(), make_operator()
    plant = add_plant(dbs, owner, code="UP_MOVE_1")
    add_report(dbs, plant, *last_month())
    result = _run(app, tmp_path, f"{HEADER}\n{other.vat_number},UP_MOVE_1,Spostato,solar,5\n")
    assert result.exit_code == 1
    assert "UP_MOVE_1 ha già report del suo operatore" in result.output
    assert dbs.scalar(select(Plant.operator_id).where(Plant.gaudi_code == "UP_MOVE_1")) == owner.id

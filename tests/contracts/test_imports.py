"""``myportal import measurements FILE``: checked row by row, all or nothing, re-import updates."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from myportal.contracts.imports import import_measurements_command
from myportal.contracts.models import Measurement
from myportal.models import as_utc
from myportal.security.models import AuditEvent
from tests.conftest import add_supply_point

HEADER = "pod,start,active_energy_kwh,reactive_energy_kvarh,power_kw"


@pytest.fixture
def point(dbs, make_operator):
    return add_supply_point(dbs, make_operator(), pod="IT001E77700001")


def _run(app, tmp_path, text: str, *args, name="misure.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(import_measurements_command, [*args, str(path)])


def _stored(dbs, point) -> dict:
    rows = dbs.scalars(select(Measurement).where(Measurement.supply_point_id == point.id))
    return {as_utc(row.start): (row.active_energy_kwh, row.reactive_energy_kvarh, row.power_kw) for row in rows}


def test_good_file_is_imported(app, dbs, tmp_path, point):
    text = "\n".join(
        [
            HEADER,
            "IT001E77700001,2025-01-15T10:00:00+01:00,1.25,0.4,5",
            'it001e77700001,2025-01-15 10:15,"1,5","0,5","6,0"',  # local time, decimal commas in quotes
            'IT001E77700001,2025-07-15T08:30:00Z,2,0.75,"8,125"',
            "",
        ]
    )
    result = _run(app, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 updated, 0 unchanged." in result.output
    stored = _stored(dbs, point)
    assert stored == {
        datetime(2025, 1, 15, 9, 0, tzinfo=UTC): (Decimal("1.25"), Decimal("0.4"), Decimal("5")),
        datetime(2025, 1, 15, 9, 15, tzinfo=UTC): (Decimal("1.5"), Decimal("0.5"), Decimal("6")),
        datetime(2025, 7, 15, 8, 30, tzinfo=UTC): (Decimal("2"), Decimal("0.75"), Decimal("8.125")),
    }
    rows = dbs.scalars(select(Measurement).where(Measurement.supply_point_id == point.id))
    assert {row.operator_id for row in rows} == {point.operator_id}
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "import.measurements"))
    assert event.details["inserted"] == 3


def test_semicolon_file_with_bom_and_summer_time(app, dbs, tmp_path, point):
    text = (
        "\ufeffpod;start;active_energy_kwh;reactive_energy_kvarh;power_kw\r\n"
        "IT001E77700001;2025-07-01 00:00;0,8;0,2;3,2\r\n"
    )
    result = _run(app, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert list(_stored(dbs, point)) == [datetime(2025, 6, 30, 22, 0, tzinfo=UTC)]


def test_reimport_updates_by_pod_and_start(app, dbs, tmp_path, point):
    first = "\n".join(
        [HEADER, "IT001E77700001,2025-02-01T00:00:00+01:00,1,0.1,4", "IT001E77700001,2025-02-01T00:15:00+01:00,1,0.1,4"]
    )
    assert _run(app, tmp_path, first).exit_code == 0
    again = _run(app, tmp_path, first)
    assert "0 inserted, 0 updated, 2 unchanged." in again.output
    changed = (
        first.replace("00:15:00+01:00,1,0.1,4", "00:15:00+01:00,1.5,0.1,6")
        + "\nIT001E77700001,2025-02-01T00:30:00+01:00,2,0.2,8"
    )
    result = _run(app, tmp_path, changed)
    assert result.exit_code == 0, result.output
    assert "1 inserted, 1 updated, 1 unchanged." in result.output
    stored = _stored(dbs, point)
    assert len(stored) == 3
    assert stored[datetime(2025, 1, 31, 23, 15, tzinfo=UTC)] == (Decimal("1.5"), Decimal("0.1"), Decimal("6"))


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(app, dbs, tmp_path, point):
    text = "\n".join(
        [
            HEADER,
            "IT001E77700001,2025-01-15T10:00:00+01:00,1.25,0.4,5",  # 2: good
            "IT001E99999999,2025-01-15T10:00:00+01:00,1,0.4,5",  # 3: unknown POD
            "IT001E77700001,2025-01-15T10:15:00+01:00,uno,0.4,5",  # 4: bad number
            "IT001E77700001,2025-01-15T10:30:00+01:00,1,-0.4,5",  # 5: negative
            "IT001E77700001,2025-01-15T10:07:00+01:00,1,0.4,5",  # 6: not on a quarter hour
            "IT001E77700001,2025-01-15T09:00:00Z,1,0.4,5",  # 7: the same instant as line 2
            "IT001E77700001,2025-10-26 02:15,1,0.4,5",  # 8: the repeated hour without an offset
            "IT001E77700001,2025-03-30 02:15,1,0.4,5",  # 9: an hour that does not exist
            "IT001E77700001,15/01/2025 10:45,1,0.4,5",  # 10: not ISO 8601
            "IT001E77700001,2025-01-15T11:00:00+01:00,1,0.4",  # 11: a field missing
            "IT001E77700001,2025-01-15T11:15:00+01:00,1.000.5,0.4,5",  # 12: bad number
            f"IT001E77700001,{(datetime.now(UTC) + timedelta(days=2)):%Y-%m-%dT%H:00:00+00:00},1,0.4,5",  # 13
        ]
    )
    result = _run(app, tmp_path, text)
    assert result.exit_code == 1
    output = result.output
    assert "riga 3, colonna pod: POD sconosciuto 'IT001E99999999'" in output
    assert "riga 4, colonna active_energy_kwh: numero non valido 'uno'" in output
    assert "riga 5, colonna reactive_energy_kvarh: il valore non può essere negativo" in output
    assert "riga 6, colonna start: 2025-01-15T10:07:00+01:00 non è l'inizio di un quarto d'ora" in output
    assert "riga 7, colonna start:" in output and "è già presente alla riga 2" in output
    assert "riga 8, colonna start: 2025-10-26 02:15 è ambiguo" in output
    assert "riga 9, colonna start: 2025-03-30 02:15 non esiste in ora italiana" in output
    assert "riga 10, colonna start: data e ora non valide" in output
    assert "riga 11: trovati 4 campi, attesi 5." in output
    assert "riga 12, colonna active_energy_kwh: numero non valido" in output
    assert "riga 13, colonna start:" in output and "è nel futuro" in output
    assert "riga 2" not in output.replace("alla riga 2", "")
    assert "nothing imported" in output
    assert dbs.count(Measurement) == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "import.measurements") == 0


def test_an_error_after_many_rows_leaves_nothing_written(app, dbs, tmp_path, point):
    start = datetime(2025, 3, 1, tzinfo=UTC)
    lines = [HEADER] + [
        f"IT001E77700001,{(start + timedelta(minutes=15 * n)).isoformat()},1,0.1,4" for n in range(2500)
    ]
    lines.append("IT001E77700001,2025-03-01T00:00:00+00:00,1,0.1,4")  # a duplicate of line 2
    result = _run(app, tmp_path, "\n".join(lines))
    assert result.exit_code == 1
    assert "riga 2502, colonna start:" in result.output and "è già presente alla riga 2" in result.output
    assert dbs.count(Measurement) == 0
    good = _run(app, tmp_path, "\n".join(lines[:-1]))
    assert good.exit_code == 0 and "2500 inserted" in good.output
    assert dbs.count(Measurement) == 2500


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "il file è vuoto"),
        ("pod,start,active,reactive\nIT001E77700001,2025-01-01T00:00:00+01:00,1,1", "colonne mancanti"),
        (HEADER + ",note\n", "colonne sconosciute: note"),
    ],
)
def test_bad_headers(app, dbs, tmp_path, point, text, message):
    result = _run(app, tmp_path, text)
    assert result.exit_code == 1 and message in result.output
    assert dbs.count(Measurement) == 0


def test_dry_run_writes_nothing(app, dbs, tmp_path, point):
    result = _run(app, tmp_path, HEADER + "\nIT001E77700001,2025-01-15T10:00:00+01:00,1,0.4,5\n", "--dry-run")
    assert result.exit_code == 0 and "1 valid rows; nothing written" in result.output
    assert dbs.count(Measurement) == 0


def test_documented_sample_imports(app, dbs, make_operator):
    sample = Path(__file__).resolve().parents[2] / "docs" / "samples" / "measurements.csv"
    point = add_supply_point(dbs, make_operator(), pod="IT001E88950463")
    result = app.test_cli_runner().invoke(import_measurements_command, [str(sample)])
    assert result.exit_code == 0, result.output
    assert len(_stored(dbs, point)) == 8

"""GSTAT: an operator fills in the CSV template, uploads it with errors, corrects them and sends the reports."""

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from myportal.dates import previous_month
from myportal.gstat.calendar import last_ended_month
from myportal.gstat.models import MonthlyReport, Plant
from tests.e2e import assert_accessible, log_in


def test_gstat_csv_upload_with_errors_then_without(page, make_account, live_db, tmp_path):
    user = make_account(role="operator", company="Termoelettrica del Mincio S.p.A.")
    with live_db.session() as session:
        session.add_all(
            [
                Plant(
                    operator_id=user.operator_id,
                    gaudi_code="UP_E2E_SOLARE_1",
                    name="Campo fotovoltaico Goito",
                    source="solar",
                    capacity_mw=Decimal("12"),
                ),
                Plant(
                    operator_id=user.operator_id,
                    gaudi_code="UP_E2E_TERMICO_1",
                    name="Centrale di Ponti sul Mincio",
                    source="thermal",
                    capacity_mw=Decimal("400"),
                ),
            ]
        )
    year, month = last_ended_month()
    earlier = previous_month(year, month)

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Statistiche GSTAT").click()
    page.get_by_role("link", name="Carica un file CSV").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica il modello CSV").click()
    template = Path(download_info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    header = template[0]
    assert {line.split(";")[0] for line in template[1:]} == {"UP_E2E_SOLARE_1", "UP_E2E_TERMICO_1"}

    wrong = tmp_path / "gstat-ottobre.csv"
    wrong.write_text(
        "\r\n".join(
            [
                header,
                f"UP_E2E_SOLARE_1;{year};{month};1.200,5;1.180;10;;;",  # 1180 or 1,18 MWh? refused
                f"UP_E2E_SOLARE_1;{earlier[0]};{earlier[1]};900;950;;;;",  # net above gross
                f"UP_E2E_TERMICO_1;{year};{month};150000;145000;3000;0;;",  # thermal plant without its fuel
            ]
        )
        + "\r\n",
        encoding="utf-8",
    )
    page.get_by_label("File CSV").set_input_files(str(wrong))
    page.get_by_label("Invia direttamente").check()
    page.get_by_role("button", name="Carica").click()
    alert = page.get_by_role("alert").inner_text()
    assert "non è stato salvato nulla" in alert
    assert "riga 3, colonna net_production_mwh" in alert
    assert "riga 4, colonna fuel_type" in alert and "riga 4, colonna fuel_quantity" in alert
    assert "riga 2, colonna net_production_mwh: numero ambiguo '1.180'" in alert
    assert live_db.count(MonthlyReport, MonthlyReport.operator_id == user.operator_id) == 0
    assert_accessible(page)

    right = tmp_path / "gstat-ottobre-corretto.csv"
    right.write_text(
        "\r\n".join(
            [
                header,
                f"UP_E2E_SOLARE_1;{year};{month};1.200,5;1.180,0;10;;;",
                f"UP_E2E_SOLARE_1;{earlier[0]};{earlier[1]};950;900;;;;",
                f"UP_E2E_TERMICO_1;{year};{month};150000;145000;3000;0;Sm3;32.000.000",
            ]
        )
        + "\r\n",
        encoding="utf-8",
    )
    page.get_by_label("File CSV").set_input_files(str(right))
    page.get_by_label("Invia direttamente").check()
    page.get_by_role("button", name="Carica").click()
    assert "File caricato: 3 report inviati (3 nuovi" in page.get_by_role("status").first.inner_text()
    reports = live_db.scalars(select(MonthlyReport).where(MonthlyReport.operator_id == user.operator_id))
    assert len(reports) == 3 and {report.state for report in reports} == {"inviato"}
    assert_accessible(page)  # the GSTAT page with the reports just sent

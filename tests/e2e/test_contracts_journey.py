"""Measurements downloaded as CSV and XLSX, and a meter self-reading, refused then accepted."""

import csv
import io
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from myportal.contracts.models import SupplyPoint
from myportal.operators.models import Operator
from tests.conftest import add_supply_point
from tests.contracts import add_measurements, add_reading, days_ago
from tests.e2e import assert_accessible, log_in


def _point(live_db, user, pod: str, **fields) -> SupplyPoint:
    """A supply point of the user's company, read back (commits expire what the helper returns)."""
    add_supply_point(live_db, live_db.get(Operator, user.operator_id), pod=pod, **fields)
    return live_db.scalar(select(SupplyPoint).where(SupplyPoint.pod == pod))


def _choose_point(page, pod: str) -> None:
    selector = page.get_by_label("Punto di fornitura")
    selector.select_option(label=selector.locator("option", has_text=pod).inner_text())
    page.get_by_role("button", name="Seleziona").click()


def test_measurements_are_downloaded_as_csv_and_xlsx(page, make_account, live_db):
    user = make_account(role="operator")
    _point(live_db, user, "IT001E11100001")
    point = _point(live_db, user, "IT001E11100002", remotely_read=True)
    first = days_ago(3)
    count = add_measurements(live_db, point, first, 2, active="2.5")  # 2 days × 96 quarter hours

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Misure elettriche").click()
    _choose_point(page, "IT001E11100002")
    assert "IT001E11100002" in page.locator("main").inner_text()
    page.get_by_label("Dal", exact=True).fill(first.isoformat())
    page.get_by_label("Al", exact=True).fill((first + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Filtra").click()
    assert f"{count} intervalli di 15 minuti" in page.locator("main").inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 1 + count
    assert rows[1][0] == "IT001E11100002" and rows[1][1] == f"{first:%d/%m/%Y}" and rows[1][5] == "2,500"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + count
    assert values[1][0] == "IT001E11100002"


def test_self_reading_refused_then_recorded(page, make_account, live_db):
    user = make_account(role="operator")
    point = _point(live_db, user, "IT001E22200001", contracted_power_kw=6, available_power_kw=6.6)
    add_reading(live_db, point, days_ago(10), 1000, 500, 800)

    log_in(page, user.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Autolettura contatore").click()
    assert "Autolettura" in page.locator("h1").inner_text()
    page.get_by_label("Lettura F1 (kWh)").fill("999")
    page.get_by_label("Lettura F2 (kWh)").fill("550")
    page.get_by_label("Lettura F3 (kWh)").fill("850")
    page.get_by_role("button", name="Invia autolettura").click()
    assert "i contatori non tornano indietro" in page.locator("#f1_kwh-error").inner_text()
    assert page.get_by_label("Lettura F1 (kWh)").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.get_by_label("Lettura F1 (kWh)").fill("1100,5")
    page.get_by_role("button", name="Invia autolettura").click()
    message = page.get_by_role("status").first.inner_text()
    assert f"Autolettura del {days_ago(0):%d/%m/%Y} registrata per il punto IT001E22200001." in message
    assert "1.100,500" in page.locator("main").inner_text()

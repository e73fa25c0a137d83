"""Downloads of the measurements: CSV streamed row batch by row batch, XLSX written to a temporary file.

The CSV is for Italian spreadsheets: UTF-8 with a byte-order mark, ``;`` between fields, decimal commas,
times in Italian time (with their UTC offset, so that the repeated hour of the autumn change is clear).

Both read plain rows through ``iter_measurement_batches`` and work the Italian time out about once per UTC
day (``local_quarters``), not per row: a year of quarter hours (35,040 rows) takes a fraction of a second
as CSV, about a second as XLSX.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta

import xlsxwriter
from flask import Response

from ..downloads import CSV, XLSX, send_download
from ..exports import BOM, CsvWriter, cell
from .models import SupplyPoint
from .services import Period, iter_measurement_batches, local_quarters

HEADER = (
    "POD",
    "Data",
    "Ora inizio",
    "Ora fine",
    "Scostamento UTC",
    "Energia attiva (kWh)",
    "Energia reattiva (kvarh)",
    "Potenza (kW)",
)
XLSX_HEADER = ("POD", "Inizio", "Fine", "Scostamento UTC") + HEADER[5:]
XLSX_WIDTHS = (17, 18, 18, 15, 20, 22, 14)
# Rows fetched and formatted at a time (a piece of about 60 KB of CSV, some 450 KB of rows in memory).
BATCH = 1000
EXCEL_EPOCH = datetime(1899, 12, 30)
DAY = timedelta(days=1)
CLOCK = tuple(f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in range(60))


def _filename(point: SupplyPoint, period: Period, extension: str) -> str:
    return f"misure_{point.pod}_{period.first:%Y%m%d}_{period.last:%Y%m%d}.{extension}"


def _csv_prefixes(pod_field: str, quarters: dict) -> dict[datetime, str]:
    """The fields before the numbers of each quarter hour: POD, date, begin, end, UTC offset."""
    days: dict[int, str] = {}
    prefixes = {}
    for start, (begin, end, offset) in quarters.items():
        day = days.get(ordinal := begin.toordinal())
        if day is None:
            day = days[ordinal] = f"{pod_field};{begin:%d/%m/%Y};"
        prefixes[start] = f"{day}{CLOCK[begin.hour * 60 + begin.minute]};{CLOCK[end.hour * 60 + end.minute]};{offset};"
    return prefixes


def csv_rows(supply_point_id: int, pod: str, period: Period, batch: int | None = None):
    """The CSV text in pieces of at most ``batch`` rows (``BATCH``), the header first.

    Numbers come at the column's scale (three decimals) and are written as they are, with a decimal comma.
    """
    line = CsvWriter().line
    yield BOM + line(HEADER)
    pod_field = line((pod,))[:-2]  # quoted, or behind an apostrophe (myportal.exports), if it ever needed to be
    prefixes: dict = {}
    for rows in iter_measurement_batches(supply_point_id, period, batch or BATCH):
        lines = []
        append = lines.append
        for start, active, reactive, power in rows:
            prefix = prefixes.get(start)
            if prefix is None:
                prefixes = _csv_prefixes(pod_field, local_quarters(start))
                prefix = prefixes[start]
            append(prefix)
            append(("%s;%s;%s\r\n" % (active, reactive, power)).replace(".", ","))  # noqa: UP031 (twice as quick)
        yield "".join(lines)


def measurements_csv(point: SupplyPoint, period: Period) -> Response:
    """The period's measurements as a streamed CSV download (the generator runs after the view has returned
    and its session has closed: it gets plain values, not the SupplyPoint)."""
    return send_download(csv_rows(point.id, point.pod, period), CSV, _filename(point, period, "csv"))


def _serials(quarters: dict) -> dict[datetime, tuple[float, float, str]]:
    """Begin and end of each quarter hour as Excel date serials (days since 30/12/1899), and the UTC offset."""
    return {
        start: ((begin - EXCEL_EPOCH) / DAY, (end - EXCEL_EPOCH) / DAY, offset)
        for start, (begin, end, offset) in quarters.items()
    }


def write_xlsx(handle, supply_point_id: int, pod: str, period: Period, batch: int | None = None) -> None:
    """The period's measurements as an XLSX workbook written into ``handle``, fetched ``batch`` rows at a time
    (``BATCH``): rows go to disk as they are written (constant-memory mode), times are Italian date-time
    cells, numbers are numbers."""
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet("Misure")
        bold = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        for column, width in enumerate(XLSX_WIDTHS):
            sheet.set_column(column, column, width)
        for column, title in enumerate(XLSX_HEADER):
            sheet.write_string(0, column, title, bold)
        write_string, write_number = sheet.write_string, sheet.write_number
        pod_cell = cell(pod)  # the one text that comes from the records (see myportal.exports)
        serials: dict = {}
        row = 1
        for rows in iter_measurement_batches(supply_point_id, period, batch or BATCH):
            for start, active, reactive, power in rows:
                cells = serials.get(start)
                if cells is None:
                    serials = _serials(local_quarters(start))
                    cells = serials[start]
                begin, end, offset = cells
                write_string(row, 0, pod_cell)
                write_number(row, 1, begin, moment)
                write_number(row, 2, end, moment)
                write_string(row, 3, offset)
                write_number(row, 4, active)
                write_number(row, 5, reactive)
                write_number(row, 6, power)
                row += 1
    finally:
        workbook.close()


def measurements_xlsx(point: SupplyPoint, period: Period) -> Response:
    """The period's measurements as an XLSX download: the workbook is written to a temporary file, which is
    then sent back in pieces."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    try:
        write_xlsx(handle, point.id, point.pod, period)
        handle.seek(0)
    except Exception:
        handle.close()
        raise
    return send_download(handle, XLSX, _filename(point, period, "xlsx"))

"""Downloads of the measurements: CSV streamed row batch by row batch, XLSX written to a temporary file.

The CSV is for Italian spreadsheets: UTF-8 with a byte-order mark, ``;`` between fields, decimal commas,
times in Italian time (with their UTC offset, so that the repeated hour of the autumn change is clear).
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from decimal import Decimal

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .models import SupplyPoint
from .services import Period, iter_measurements, to_local

BOM = "\ufeff"
INTERVAL = timedelta(minutes=15)
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
CSV_BATCH = 500


def _filename(point: SupplyPoint, period: Period, extension: str) -> str:
    return f"misure_{point.pod}_{period.first:%Y%m%d}_{period.last:%Y%m%d}.{extension}"


def _comma(value: Decimal) -> str:
    """A number with a decimal comma and no thousands separator (what spreadsheets read back)."""
    return format(value, "f").replace(".", ",")


def _offset(moment) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def csv_rows(supply_point_id: int, pod: str, period: Period):
    """The CSV text in pieces of ``CSV_BATCH`` rows, the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for start, active, reactive, power in iter_measurements(supply_point_id, period):
        begin = to_local(start)
        end = to_local(start + INTERVAL)
        writer.writerow((
            pod, f"{begin:%d/%m/%Y}", f"{begin:%H:%M}", f"{end:%H:%M}", _offset(begin),
            _comma(active), _comma(reactive), _comma(power),
        ))
        pending += 1
        if pending == CSV_BATCH:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def measurements_csv(point: SupplyPoint, period: Period) -> Response:
    """The period's measurements as a streamed CSV download (the generator runs after the view has returned
    and its session has closed: it gets plain values, not the SupplyPoint)."""
    return Response(
        stream_with_context(csv_rows(point.id, point.pod, period)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(point, period, "csv")}"'},
    )


def measurements_xlsx(point: SupplyPoint, period: Period) -> Response:
    """The period's measurements as an XLSX workbook: written row by row (write-only mode) to a temporary
    file, which is then sent back in pieces. Times are Italian times, numbers are numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Misure")
    for column, width in zip("ABCDEFGH", (17, 18, 11, 11, 15, 20, 22, 14), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)
    header = []
    for title in ("POD", "Inizio", "Fine", "Scostamento UTC") + HEADER[5:]:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for start, active, reactive, power in iter_measurements(point.id, period):
        begin = to_local(start)
        end = to_local(start + INTERVAL)
        first = WriteOnlyCell(sheet, value=begin.replace(tzinfo=None))
        first.number_format = "dd/mm/yyyy hh:mm"
        last = WriteOnlyCell(sheet, value=end.replace(tzinfo=None))
        last.number_format = "dd/mm/yyyy hh:mm"
        sheet.append((point.pod, first, last, _offset(begin), active, reactive, power))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response)
    try:
        workbook.save(handle)
        handle.seek(0)
    except Exception:
        handle.close()
        raise
    return send_file(
        handle,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=_filename(point, period, "xlsx"),
    )

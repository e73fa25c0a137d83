"""The one writer of the spreadsheets the portal sends, CSV and XLSX.

Text that operators type (a company's name, a plant's, an EIC display name...) ends up in these files; a
spreadsheet runs a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(OWASP, "CSV injection"). Every cell, of a CSV (:func:`csv_stream`) or of an XLSX worksheet,
goes through :func:`cell`, which puts an apostrophe before such text;
numbers, and text that is only a number (``-15,25``) or a UTC offset (``+01:00``), stay as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator

BOM = "\ufeff"  # lets Excel read the file as UTF-8
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?|[+-]\d{2}:\d{2}", re.ASCII)


def cell(value):
    """``value`` as a spreadsheet cell: None is empty, numbers and dates as they are, text that a spreadsheet
    would run as a formula behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _HARMLESS.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """Rows as CSV text, each cell through :func:`cell`; ``line`` gives one row's text, to stream."""

    def __init__(self, delimiter: str = ";"):
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="\r\n")

    def line(self, values: Iterable) -> str:
        self._writer.writerow([cell(value) for value in values])
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text


def csv_stream(
    header: Iterable[str], rows: Iterable[Iterable], *, delimiter: str = ";", bom: bool = True
) -> Iterator[str]:
    """The CSV text a row at a time, the header first (after a byte-order mark for Excel when ``bom``): the
    portal's spreadsheets use ``;`` and decimal commas, as Italian Excel expects."""
    writer = CsvWriter(delimiter)
    yield (BOM if bom else "") + writer.line(header)
    for row in rows:
        yield writer.line(row)


def csv_text(header: Iterable[str], rows: Iterable[Iterable], *, delimiter: str = ";", bom: bool = True) -> str:
    """The whole CSV file as one text (for small files)."""
    return "".join(csv_stream(header, rows, delimiter=delimiter, bom=bom))

"""The spreadsheet writer: cells a spreadsheet would run as formulas are neutralised, numbers are not.

Every export is read back with planted formulas in tests/security/test_formula_injection.py."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from myportal.exports import BOM, cell, csv_stream, csv_text


@pytest.mark.parametrize(
    "text",
    ["=1+1", '=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "+", "=", "+39 06 1234"],
)
def test_text_that_a_spreadsheet_runs_gets_an_apostrophe(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", ["-15,25", "-15.25", "+3", "-0", "+01:00", "-05:00", "Energia =1", " =1", "", "1e3", "IT001E1"]
)
def test_numbers_offsets_and_plain_text_stay_as_they_are(value):
    assert cell(value) == value


@pytest.mark.parametrize("value", [Decimal("-15.25"), -3, -0.5, 2025, date(2025, 1, 31)])
def test_values_that_are_not_text_stay_what_they_are(value):
    assert cell(value) is value


def test_none_is_an_empty_cell():
    assert cell(None) == ""


def test_csv_stream_writes_the_header_first_then_a_row_at_a_time():
    pieces = list(csv_stream(("nome", "importo"), [("=1+1", "-15,25"), ("a;b", None)]))
    assert pieces == [BOM + "nome;importo\r\n", "'=1+1;-15,25\r\n", '"a;b";\r\n']
    assert csv_text(("a",), [("@x",)], delimiter=",", bom=False) == "a\r\n'@x\r\n"


def test_what_is_written_reads_back_as_written():
    text = csv_text(("a", "b"), [('say "hi"', "riga\ndue")], bom=False)
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=";")) == [["a", "b"], ['say "hi"', "riga\ndue"]]

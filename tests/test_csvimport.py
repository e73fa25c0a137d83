"""The one CSV machinery: Italian decimals, encodings, the delimiter rule, the header check, rows, the upsert."""

import io
from decimal import Decimal
from types import SimpleNamespace

import pytest

from myportal.csvimport import (
    ImportResult,
    NotANumber,
    NotUtf8,
    RowError,
    assign,
    decode,
    delimiter_of,
    header_errors,
    open_lines,
    parse_decimal,
    read_table,
    upsert,
)
from myportal.exports import csv_stream

# --- Italian decimals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", "1234.5"),
        ("176,02", "176.02"),
        ("176,020", "176.020"),
        ("1234,5", "1234.5"),
        ("32.000.000", "32000000"),
        ("1.234.567,891", "1234567.891"),
        ("-1.234,5", "-1234.5"),
        ("0", "0"),
        ("42", "42"),
        ("12.5", "12.5"),  # a dot that cannot group thousands is a decimal point
        ("0.250", "0.250"),
        ("1234.567", "1234.567"),
        ("0.123456", "0.123456"),
        (" 1 000 ", "1000"),
        ("1\u00a0000,5", "1000.5"),
    ],
)
def test_figures_are_read_the_italian_way(text, expected):
    value = parse_decimal(text)
    assert value == Decimal(expected) and value.as_tuple() == Decimal(expected).as_tuple()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # 176020 in Italian, 176.02 in English: refused, never scaled by a thousand.
        ("176.020", "numero ambiguo '176.020': scrivi 176020 se il punto separa le migliaia, 176,020 se"),
        ("1.005", "numero ambiguo '1.005'"),
        ("-8.125", "numero ambiguo '-8.125'"),
        ("1,234.5", "usa la virgola per i decimali e il punto per le migliaia (1.234,5)."),
        ("1.23.4", "il punto separa le migliaia a gruppi di tre cifre"),
        ("1.2345,6", "il punto separa le migliaia a gruppi di tre cifre"),
        ("1,2,3", "numero non valido '1,2,3'."),
        ("1e3", "numero non valido '1e3'."),
        ("NaN", "numero non valido 'NaN'."),
        ("+5", "numero non valido '+5'."),
        ("abc", "numero non valido 'abc'."),
        ("٣", "numero non valido '٣'."),
        ("", "numero non valido ''."),
    ],
)
def test_ambiguous_or_foreign_figures_are_refused(text, message):
    with pytest.raises(NotANumber) as refused:
        parse_decimal(text)
    assert message in str(refused.value)


# --- reading ------------------------------------------------------------------------------------------------


def _read(source) -> list[str]:
    with open_lines(source) as lines:
        return list(lines)


def test_utf8_with_or_without_bom_from_every_kind_of_source(tmp_path):
    text = "a;b\r\nCittà;1\r\n"
    for data in (text.encode(), ("\ufeff" + text).encode()):
        path = tmp_path / "file.csv"
        path.write_bytes(data)
        assert _read(path) == ["a;b\r\n", "Città;1\r\n"]
        assert _read(str(path)) == ["a;b\r\n", "Città;1\r\n"]
        assert _read(data) == ["a;b\r\n", "Città;1\r\n"]
        assert _read(io.BytesIO(data)) == ["a;b\r\n", "Città;1\r\n"]
    assert _read(["\ufeffa;b\n", "1;2\n"]) == ["a;b\n", "1;2\n"]
    assert _read(io.StringIO("\ufeffa;b\n")) == ["a;b\n"]


def test_latin1_is_refused_with_the_first_line_that_is_not_utf8(tmp_path):
    data = "a;b\nRoma;1\nCittà;2\n".encode("latin-1")
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    for source in (path, data, io.BytesIO(data)):
        with pytest.raises(NotUtf8) as refused:
            _read(source)
        assert refused.value.line == 3
        assert "non è codificato in UTF-8 (carattere non valido alla riga 3)" in refused.value.message
    with pytest.raises(NotUtf8):
        decode(data)


def test_one_delimiter_rule():
    assert delimiter_of("a;b;c\n") == ";"
    assert delimiter_of("a,b,c\n") == ","
    assert delimiter_of('a;"b,c";d\n') == ";"  # more semicolons than commas
    assert delimiter_of('a,"b;c",d\n') == ","
    assert delimiter_of("a\n") == ","


def test_header_check_names_each_fault():
    assert header_errors(("a", "b"), [" B ", "A"]) == []
    errors = [str(error) for error in header_errors(("a", "b", "c"), ["a", "a", "x"], ";")]
    assert errors == [
        "intestazione: colonne ripetute: a",
        "intestazione: colonne mancanti: b, c",
        "intestazione: colonne sconosciute: x",
        "intestazione: le colonne attese sono a;b;c",
    ]
    assert str(header_errors(("a", "b"), None)[0]) == "il file è vuoto: manca la riga di intestazione a,b"


def test_read_table_gives_cells_in_the_expected_order_with_their_lines():
    errors = []
    lines = ["b;a\n", "2;1\n", "\n", ";\n", "4;3;extra\n", '"6\n', '";5\n', "8;7\n"]  # 6-7: a quoted line break
    rows = list(read_table(lines, ("a", "b"), errors.append))
    assert rows == [(2, ("1", "2")), (7, ("5", "6\n")), (8, ("7", "8"))]
    assert errors == [RowError(5, "trovati 3 campi, attesi 2.")]


def test_read_table_reports_encoding_and_header_problems():
    errors = []
    assert list(read_table(_lines_of("a,b\n1,2\nCittà,3\n".encode("latin-1")), ("a", "b"), errors.append)) == [
        (2, ["1", "2"])
    ]
    assert [str(error) for error in errors] == [
        "Il file non è codificato in UTF-8 (carattere non valido alla riga 3): salvalo come «CSV UTF-8»."
    ]
    errors.clear()
    assert list(read_table(["a\n", "1\n"], ("a", "b"), errors.append)) == []
    assert str(errors[0]) == "intestazione: colonne mancanti: b"
    errors.clear()
    assert list(read_table([], ("a",), errors.append)) == []
    assert errors[0].line is None and "il file è vuoto" in errors[0].message


def _lines_of(data: bytes):
    with open_lines(io.BytesIO(data)) as lines:
        yield from lines


def test_row_error_says_where():
    assert str(RowError(3, "numero non valido 'x'.", "amount")) == "riga 3, colonna amount: numero non valido 'x'."
    assert str(RowError(3, "trovati 2 campi, attesi 3.")) == "riga 3: trovati 2 campi, attesi 3."
    assert str(RowError(1, "colonne mancanti: a")) == "intestazione: colonne mancanti: a"
    assert str(RowError(None, "il file è vuoto.")) == "il file è vuoto."
    assert str(RowError(None, "valore non valido.", "month")) == "colonna month: valore non valido."


# --- the upsert loop ----------------------------------------------------------------------------------------


def test_upsert_inserts_updates_and_leaves_alone():
    stored = {"a": SimpleNamespace(name="a", value=1), "b": SimpleNamespace(name="b", value=2)}
    inserted = []
    result = ImportResult("things")
    rows = [{"name": "a", "value": 1}, {"name": "b", "value": 3}, {"name": "c", "value": 4}]
    upsert(
        result,
        rows,
        stored,
        key=lambda row: row["name"],
        insert=inserted.append,
        update=lambda record, row: assign(record, {"value": row["value"]}),
    )
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 1)
    assert inserted == [{"name": "c", "value": 4}] and stored["b"].value == 3
    assert result.summary == "1 inserted, 1 updated, 1 unchanged"


# --- files out ----------------------------------------------------------------------------------------------


def test_exported_csv_is_written_a_row_at_a_time_and_reads_back():
    rows = iter([("Rossi; Figli", "1,5"), ('a"b', "")])
    chunks = csv_stream(("nome", "valore"), rows, bom=True)
    assert next(chunks) == "\ufeffnome;valore\r\n"  # the header goes out before any row is read
    assert list(chunks) == ['"Rossi; Figli";1,5\r\n', '"a""b";\r\n']
    text = "".join(csv_stream(("a", "b"), [(1, 2)], delimiter=",", bom=False))
    assert text == "a,b\r\n1,2\r\n"
    got = list(
        read_table(io.StringIO("".join(csv_stream(("x", "y"), [("1.234,5", "z")], bom=False))), ("x", "y"), print)
    )
    assert got == [(2, ["1.234,5", "z"])]

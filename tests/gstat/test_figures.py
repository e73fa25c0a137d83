"""Reading the figures: the quick path for plain numbers gives exactly what the general rules give."""

from decimal import Decimal

import pytest

from myportal.csvimport import parse_decimal
from myportal.gstat.validation import MAX_FIGURE, THOUSANDTH, _figure


def _by_the_rules(text: str):
    """What parse_decimal, the range check and the rounding to the thousandth make of ``text``."""
    try:
        number = parse_decimal(text)
    except ValueError:
        return None
    return number.quantize(THOUSANDTH) if 0 <= number <= MAX_FIGURE else None


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "7",
        "1200,5",
        "1150,25",
        "1.5",
        "1.234",
        "1,234",
        "0,001",
        "9999999999,999",
        "9999999999",
        "99999999999",
        "99999999999,001",
        "99999999999,5",
        "1.234,5",
        "32.000.000",
        "1,2345",
        "0,0005",
        "-1",
        "-0",
        "1e3",
        "1_000",
        "+5",
        "5.",
        ",5",
        ".5",
        "1.2.3",
        "00000000000001",
        "1 000",
        "1\u00a0000,5",
        "NaN",
        "abc",
        "٣",
    ],
)
def test_plain_numbers_read_as_the_rules_read_them(text):
    problems = []
    value = _figure(text, "gross_production_mwh", 2, problems)
    expected = _by_the_rules(text)
    assert value == expected and (value is None) == bool(problems)
    if value is not None:
        assert value.as_tuple() == expected.as_tuple()  # same digits and exponent: stored and shown alike
    else:
        assert problems[0].line == 2 and problems[0].column == "gross_production_mwh"


def test_quick_path_keeps_three_decimals():
    assert str(_figure("1200,5", "net_production_mwh", None, [])) == "1200.500"
    assert _figure("0", "net_production_mwh", None, []) == Decimal("0.000")

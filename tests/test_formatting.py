"""myportal.formatting: money, numbers, sizes, months and dates in Italian and in English."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale

from myportal import formatting
from myportal.formatting import (
    ITALIAN,
    file_size,
    money,
    month_and_year,
    month_name,
    month_names,
    number,
    numeric_date,
    period_label,
    quantity,
    short_date,
    short_datetime,
)


@pytest.mark.parametrize(
    ("value", "italian", "english"),
    [
        (Decimal("1234.56"), "1.234,56 €", "€1,234.56"),
        (Decimal("0"), "0,00 €", "€0.00"),
        (Decimal("-170000.5"), "-170.000,50 €", "-€170,000.50"),
        (1234567.891, "1.234.567,89 €", "€1,234,567.89"),
        (305, "305,00 €", "€305.00"),
    ],
)
def test_money(value, italian, english):
    assert money(value, locale="it") == italian
    assert money(value, locale="en") == english


def test_money_in_another_currency_and_missing():
    assert money(Decimal("1234.5"), "USD", locale="it") == "1.234,50 USD"
    assert money(Decimal("1234.5"), "USD", locale="en") == "$1,234.50"
    assert money(None) == "—"


@pytest.mark.parametrize("value", [Decimal("0.005"), Decimal("1234.5678"), Decimal("-0.125"), 12, 0.1 + 0.2])
@pytest.mark.parametrize("locale", ["it", "en"])
@pytest.mark.parametrize("places", [0, 2, 3, 6])
def test_numbers_are_written_as_babel_writes_them(value, locale, places):
    pattern = "#,##0." + "0" * places if places else "#,##0"
    assert number(value, places, locale) == format_decimal(Decimal(str(value)), format=pattern, locale=locale)


def test_number_options():
    assert number(Decimal("1234.5"), 3, ITALIAN, grouping=False) == "1234,500"
    assert number(None) == "—" and number(None, missing="") == ""


@pytest.mark.parametrize(
    ("value", "italian", "english"),
    [
        (Decimal("12400.500"), "12.400,5", "12,400.5"),
        (Decimal("10.000"), "10", "10"),
        (Decimal("0.1234"), "0,123", "0.123"),
        (Decimal("176020"), "176.020", "176,020"),
    ],
)
def test_quantity_drops_trailing_zeros(value, italian, english):
    assert quantity(value, locale="it") == italian
    assert quantity(value, locale="en") == english
    assert quantity(None) == "—"


@pytest.mark.parametrize(
    ("size", "italian", "english"),
    [
        (0, "0 byte", "0 bytes"),
        (99, "99 byte", "99 bytes"),
        (200, "0,2 kB", "0.2 kB"),
        (1024, "1,0 kB", "1.0 kB"),
        (12_800, "12 kB", "12 kB"),
        (1_258_291, "1,2 MB", "1.2 MB"),
        (10 * 1024 * 1024, "10 MB", "10 MB"),
        (3 * 1024**3, "3,0 GB", "3.0 GB"),
    ],
)
def test_file_size(size, italian, english):
    assert file_size(size, locale="it") == italian
    assert file_size(size, locale="en") == english


def test_months():
    assert month_names("it")[0] == "gennaio" and month_names("it")[11] == "dicembre"
    assert month_names("en")[2] == "March"
    assert month_name(8, "it") == "agosto" and month_name(8, "en") == "August"
    assert month_and_year(2026, 3, "it") == "marzo 2026"


def test_dates():
    assert numeric_date(date(2026, 3, 5)) == "05/03/2026" and numeric_date(None) == ""
    assert short_date(date(2026, 3, 5)) == "05/03/2026"
    # 23:30 UTC on 31 December is already 1 January in Italy
    assert short_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2026"
    assert short_datetime(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == "01/01/2026 00:30"
    assert short_datetime(datetime(2026, 7, 1, 10, 0)) == "01/07/2026 12:00"  # naive: UTC
    assert short_datetime(None) == "" and short_date(None) == ""


def test_period_label():
    assert period_label(date(2014, 8, 1), date(2014, 8, 31)) == "1-31 AGOSTO 2014"
    assert period_label(date(2014, 7, 1), date(2014, 8, 31)) == "01/07/2014 - 31/08/2014"


def test_the_request_locale_is_flask_babels(app):
    with app.test_request_context("/"):
        assert formatting.current_locale() == "it"
        assert money(Decimal("1234.5")) == "1.234,50 €"
        assert file_size(200) == "0,2 kB"
        assert month_name(1) == "gennaio"
        with force_locale("en"):
            assert formatting.current_locale() == "en"
            assert money(Decimal("1234.5")) == "€1,234.50"
            assert number(Decimal("1234.5")) == "1,234.50"
            assert file_size(200) == "0.2 kB"
            assert month_name(1) == "January"
            assert money(Decimal("1234.5"), locale=ITALIAN) == "1.234,50 €"


def test_outside_a_request_it_is_italian():
    assert formatting.current_locale() == "it"
    assert money(Decimal("2")) == "2,00 €"


def test_template_filters(app):
    with app.test_request_context("/"):
        template = app.jinja_env.from_string(
            "{{ x|money }} {{ x|number }} {{ 200|filesize }} {{ y|quantity }} {{ d|date }} {{ money(x) }}"
            " {{ month_name(3) }}"
        )
        assert template.render(x=Decimal("1234.5"), y=Decimal("1.500"), d=date(2026, 3, 5)) == (
            "1.234,50 € 1.234,50 0,2 kB 1,5 05/03/2026 1.234,50 € marzo"
        )

"""Money, numbers, file sizes, months and dates as people read them, in the interface's language (Italian
``1.234,56 €``, ``0,2 kB``; English ``€1,234.56``, ``0.2 kB``), or in Italian whatever the interface's language
where a document says so (PDFs, exports, service messages: ``locale=ITALIAN``).

The text is Babel's (the same separators, symbols and month names) but written by Python's formatting, at a
fraction of Babel's cost: pages format hundreds of figures. ``locale=None`` means the request's locale as
Flask-Babel chose it (Italian outside a request). Missing values (None) are written ``—``.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, get_currency_symbol, get_decimal_symbol, get_group_symbol
from flask import g, has_request_context
from flask_babel import format_date, format_datetime, get_locale

from .dates import local_time

ITALIAN = "it"
MISSING = "—"
NUMERIC_DATE = "dd/MM/yyyy"
NUMERIC_DATETIME = "dd/MM/yyyy HH:mm"
_UNITS = ("kB", "MB", "GB")


def current_locale() -> str:
    """The request's locale as Flask-Babel chose it ("it", "en"), Italian outside a request. Read from where
    Flask-Babel keeps it once chosen (``get_locale`` costs some microseconds a call; a page formats hundreds of
    figures)."""
    try:
        namespace = g._get_current_object()
    except RuntimeError:  # no application context
        return ITALIAN
    locale = getattr(getattr(namespace, "_flask_babel", None), "babel_locale", None)
    if locale is None:
        if not has_request_context():
            return ITALIAN
        locale = get_locale()
    return _locale_name(locale) if locale is not None else ITALIAN


@cache
def _locale_name(locale: Locale) -> str:
    return str(locale)


@cache
def _separators(locale: str) -> dict[int, str]:
    """A ``str.translate`` table from Python's separators (``,`` groups, ``.`` decimals) to ``locale``'s."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- numbers --------------------------------------------------------------------------------------------------


def local_number(value: Decimal | int | float, places: int, locale: str, grouping: bool = True) -> str:
    """``value`` with ``places`` decimals in ``locale``: the text of Babel's ``format_decimal`` with the pattern
    ``#,##0.00`` (half-even rounding), written by Python's formatting at a fraction of the cost."""
    number = _decimal(value)
    if not number.is_finite():
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale=locale)
    text = f"{number:,.{places}f}" if grouping else f"{number:.{places}f}"
    return text.translate(_separators(locale))


def number(value, places: int = 2, locale: str | None = None, grouping: bool = True, missing: str = MISSING) -> str:
    """``1.234,56`` (Italian), ``1,234.56`` (English); ``missing`` (``—``) when missing."""
    if value is None:
        return missing
    return local_number(value, places, locale or current_locale(), grouping)


def quantity(value, max_places: int = 3, locale: str | None = None) -> str:
    """A measured quantity with up to ``max_places`` decimals, trailing zeros dropped: ``12.400,5``."""
    if value is None:
        return MISSING
    text = number(round(_decimal(value), max_places), max_places, locale)
    decimal_symbol = get_decimal_symbol(locale or current_locale())
    if decimal_symbol in text:
        text = text.rstrip("0").rstrip(decimal_symbol)
    return text


# --- money ----------------------------------------------------------------------------------------------------


@cache
def _symbol_first(locale: str) -> bool:
    """Whether ``locale`` writes the currency before the amount (English ``€1.00``, Italian ``1,00 €``)."""
    return Locale.parse(locale).currency_formats["standard"].pattern.startswith("¤")


@cache
def _currency_symbol(currency: str, locale: str) -> str:
    return get_currency_symbol(currency, locale)


def money(value, currency: str = "EUR", locale: str | None = None) -> str:
    """``1.234,56 €`` in Italian, ``€1,234.56`` in English (another currency by its code or symbol:
    ``1.234,56 USD``); the minus sign before it all; ``—`` when missing."""
    if value is None:
        return MISSING
    locale = locale or current_locale()
    amount = _decimal(value)
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    digits, symbol = local_number(amount, 2, locale), _currency_symbol(currency, locale)
    return f"{sign}{symbol}{digits}" if _symbol_first(locale) else f"{sign}{digits} {symbol}"


# --- sizes ----------------------------------------------------------------------------------------------------


def file_size(size: int | None, locale: str | None = None) -> str:
    """A file size: ``512 byte`` (up to 99), then ``0,2 kB``, ``12 kB``, ``1,2 MB`` (1 kB = 1024 bytes; one
    decimal below 10)."""
    if size is None:
        return MISSING
    locale = locale or current_locale()
    if size < 100:
        return f"{size} byte" if locale.startswith(ITALIAN) else f"{size} bytes"
    value = Decimal(size) / 1024
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            break
        value /= 1024
    return f"{local_number(value, 1 if value < 10 else 0, locale)} {unit}"


# --- months ---------------------------------------------------------------------------------------------------


@cache
def _month_names(locale: str) -> tuple[str, ...]:
    months = Locale.parse(locale).months["stand-alone"]["wide"]
    return tuple(months[number] for number in range(1, 13))


def month_names(locale: str | None = None) -> tuple[str, ...]:
    """The twelve month names as they stand alone (``gennaio``, ``January``), January first."""
    return _month_names(locale or current_locale())


def month_name(month: int, locale: str | None = None) -> str:
    return _month_names(locale or current_locale())[month - 1]


def month_and_year(year: int, month: int, locale: str | None = None) -> str:
    """``marzo 2026``."""
    return f"{month_name(month, locale)} {year}"


# --- dates ----------------------------------------------------------------------------------------------------


def numeric_date(value: date | None) -> str:
    """``dd/mm/yyyy``, as the portal writes a day in every language; empty when missing."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""


def short_date(value: date | None, pattern: str = NUMERIC_DATE) -> str:
    """The ``date`` filter: ``dd/MM/yyyy`` (another Babel pattern in the request's language)."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = local_time(value)
    return numeric_date(value) if pattern == NUMERIC_DATE else format_date(value, pattern)


def short_datetime(value: datetime | None, pattern: str = NUMERIC_DATETIME) -> str:
    """The ``datetime`` filter: a UTC timestamp in Italian time, ``dd/MM/yyyy HH:mm`` (or another pattern)."""
    if not value:
        return ""
    if pattern == NUMERIC_DATETIME:
        local = local_time(value)
        return f"{numeric_date(local)} {local.hour:02d}:{local.minute:02d}"
    return format_datetime(local_time(value), pattern)


def period_label(start: date, end: date) -> str:
    """``1-31 AGOSTO 2014`` for a whole month, as on the invoice; otherwise ``01/07/2014 - 31/08/2014``."""
    next_day = end + timedelta(days=1)
    if start.day == 1 and (start.year, start.month) == (end.year, end.month) and next_day.day == 1:
        return f"1-{end.day} {month_name(start.month, ITALIAN).upper()} {start.year}"
    return f"{numeric_date(start)} - {numeric_date(end)}"


# --- templates ------------------------------------------------------------------------------------------------

TEMPLATE_FILTERS = {
    "date": short_date,
    "datetime": short_datetime,
    "filesize": file_size,
    "money": money,
    "number": number,
    "quantity": quantity,
}
TEMPLATE_GLOBALS = {"money": money, "number": number, "month_name": month_name}


def register_template_formatters(app) -> None:
    """The formatters as Jinja filters (``{{ amount|money }}``) and functions (``{{ number(x, 0) }}``)."""
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)

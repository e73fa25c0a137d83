"""Numbers, dates and periods written the Italian way, for PDFs and exports (whatever the UI language), and
the list's numbers in the interface's language."""

from datetime import date, timedelta
from decimal import Decimal

MONTHS = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)


def it_number(value: Decimal | int | float | None, places: int = 2, grouping: bool = True) -> str:
    """``1.234,56``: decimal comma, dots between thousands (unless ``grouping`` is False)."""
    if value is None:
        return ""
    text = f"{Decimal(value):,.{places}f}" if grouping else f"{Decimal(value):.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def it_money(value: Decimal | None) -> str:
    """``1.234,56 EUR`` (the PDF's core fonts have no euro sign)."""
    return "" if value is None else f"{it_number(value)} EUR"


def it_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def period_label(start: date, end: date) -> str:
    """``1-31 AGOSTO 2014`` for a whole month, as on the invoice; otherwise ``01/07/2014 - 31/08/2014``."""
    next_day = end + timedelta(days=1)
    if start.day == 1 and (start.year, start.month) == (end.year, end.month) and next_day.day == 1:
        return f"1-{end.day} {month_name(start.month).upper()} {start.year}"
    return f"{it_date(start)} - {it_date(end)}"


# --- the interface's language ---------------------------------------------------------------------------------


def numeric_date(value: date | None) -> str:
    """``dd/MM/yyyy``, what the ``date`` template filter writes in every language, without Babel."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""

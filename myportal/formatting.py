"""Numbers written in a language's own way, as Babel writes them, at a fraction of Babel's cost."""

from decimal import Decimal
from functools import cache

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol


@cache
def _separators(locale: str) -> dict[int, str]:
    """A ``str.translate`` table from Python's separators (``,`` groups, ``.`` decimals) to ``locale``'s."""
    return str.maketrans({",": get_group_symbol(locale), ".": get_decimal_symbol(locale)})


def local_number(value: Decimal | int | float, places: int, locale: str) -> str:
    """``value`` with ``places`` decimals, grouped, in ``locale``: the text of Babel's ``format_decimal`` with
    the pattern ``#,##0.00`` (half-even rounding), written by Python's formatting at a fraction of the cost."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0", locale=locale)
    return f"{number:,.{places}f}".translate(_separators(locale))

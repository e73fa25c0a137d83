"""Forms of the invoice pages; all are read from the query string (GET), so they carry no CSRF token."""

from __future__ import annotations

import re
from datetime import date

from wtforms import Form, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired

from .. import dates
from ..forms import year_range_message
from .services import DEFAULT_SORT, SORTS, STATES, InvoiceFilters

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) pairs
    SelectChoice = None

ALL = "all"
VIEWS = {"chart": "Grafico", "table": "Tabella"}
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def choices(pairs) -> list:
    """Select options from (value, label) pairs, in the form the installed WTForms prefers."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


def _value(choice) -> str:
    return str(choice.value if SelectChoice and isinstance(choice, SelectChoice) else choice[0])


class ParamSelect(SelectField):
    """A choice read from the query string; an unknown value is replaced by the default, with ``message``."""

    def __init__(self, label=None, message="", **options):
        super().__init__(label, **options)
        self.message = message


class QueryForm(Form):
    """Reads its fields from the query string; :meth:`clean` never fails: bad values fall back to defaults.

    A value that is not one of the choices gets its field's message (shown next to the field), an empty or
    missing one silently takes the default.
    """

    def __init__(self, args, defaults: dict[str, str]):
        super().__init__(args, **defaults)
        self._defaults = defaults

    def clean(self) -> bool:
        valid = True
        for field in self:
            allowed = {_value(choice) for choice in field.choices}
            if field.data not in allowed:
                if field.data not in (None, ""):
                    field.errors = [field.message]
                    valid = False
                field.data = self._defaults[field.name]
        return valid


def _point_choices(supply_points) -> list[tuple[str, str]]:
    points = [(str(point.id), point.label) for point in supply_points]
    return choices([(ALL, "Tutti i punti di fornitura"), *points])


class InvoiceFilterForm(QueryForm):
    year = ParamSelect("Anno", "Anno non valido: scegli un anno dall'elenco.")
    state = ParamSelect(
        "Stato", "Stato non valido: scegli tra Tutte, Da pagare e Pagate.", choices=choices(STATES.items())
    )
    supply_point = ParamSelect("Punto di fornitura", "Punto di fornitura non valido: scegli uno dei tuoi.")
    sort = ParamSelect(
        "Ordina per",
        "Ordinamento non valido: scegli tra quelli dell'elenco.",
        choices=choices((key, label) for key, (label, _) in SORTS.items()),
    )

    def __init__(self, args, *, years: list[int], supply_points, default_point: str = ALL):
        super().__init__(args, {"year": "", "state": "all", "supply_point": default_point, "sort": DEFAULT_SORT})
        self.year.choices = choices([("", "Tutti gli anni")] + [(str(year), str(year)) for year in years])
        self.supply_point.choices = _point_choices(supply_points)

    def filters(self) -> InvoiceFilters:
        """The cleaned filters (call :meth:`clean` first)."""
        return InvoiceFilters(
            year=int(self.year.data) if self.year.data else None,
            state=self.state.data,
            supply_point_id=None if self.supply_point.data == ALL else int(self.supply_point.data),
            sort=self.sort.data,
        )

    def args(self) -> dict[str, str]:
        """The cleaned filters as query-string arguments (for the pager and the CSV link)."""
        return {field.name: field.data for field in self if field.data}


class WithdrawalsForm(QueryForm):
    year = ParamSelect("Anno", "Anno non valido: scegli un anno dall'elenco.")
    supply_point = ParamSelect("Punto di fornitura", "Punto di fornitura non valido: scegli uno dei tuoi.")
    view = ParamSelect(
        "Visualizzazione",
        "Visualizzazione non valida: scegli Grafico o Tabella.",
        choices=choices(VIEWS.items()),
    )

    def __init__(self, args, *, years: list[int], supply_points, default_point: str = ALL):
        default_year = str(years[0] if years else dates.today().year)
        super().__init__(args, {"year": default_year, "supply_point": default_point, "view": "chart"})
        self.year.choices = choices([(str(year), str(year)) for year in years or [default_year]])
        self.supply_point.choices = _point_choices(supply_points)

    @property
    def supply_point_id(self) -> int | None:
        return None if self.supply_point.data == ALL else int(self.supply_point.data)


class Month:
    """A month written ``AAAA-MM`` (what a browser's month field sends)."""

    def __call__(self, form, field):
        found = MONTH_RE.match((field.data or "").strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise ValidationError("Indica il mese nel formato AAAA-MM, per esempio 2024-01.")
        if not dates.year_in_range(int(found.group(1))):
            raise ValidationError(year_range_message("month"))
        field.month = date(int(found.group(1)), int(found.group(2)), 1)


class ArchiveForm(Form):
    da = StringField("Dal mese", [InputRequired("Indica il mese iniziale."), Month()])
    a = StringField("Al mese", [InputRequired("Indica il mese finale."), Month()])

"""The rules of a monthly GSTAT report, the same for the form and for every row of an upload.

Figures are read by :func:`myportal.csvimport.parse_decimal` (the Italian way; ``176.020`` is refused as
ambiguous), from 0 to :data:`MAX_FIGURE` MWh, to the thousandth. Net production may not exceed gross
production, which may not exceed the plant's capacity times the hours of the month; thermal plants give their
fuel, the others leave it blank. Problems are :class:`myportal.csvimport.RowError`, by line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from .. import dates, formatting
from ..csvimport import NotANumber, RowError, parse_decimal
from ..formatting import ITALIAN
from .calendar import month_hours
from .models import FUEL_UNITS, Plant

FIGURES = (
    "gross_production_mwh",
    "net_production_mwh",
    "auxiliary_consumption_mwh",
    "pumping_consumption_mwh",
)
OPTIONAL_FIGURES = ("auxiliary_consumption_mwh", "pumping_consumption_mwh")  # blank means 0
REPORT_VALUES = (*FIGURES, "fuel_type", "fuel_quantity")
COLUMN_LABELS = {
    "gaudi_code": "codice GAUDÌ",
    "year": "anno",
    "month": "mese",
    "gross_production_mwh": "produzione lorda",
    "net_production_mwh": "produzione netta",
    "auxiliary_consumption_mwh": "consumi dei servizi ausiliari",
    "pumping_consumption_mwh": "consumi per pompaggio",
    "fuel_type": "unità del combustibile",
    "fuel_quantity": "quantità di combustibile",
}
MAX_FIGURE = Decimal("99999999999")
THOUSANDTH = Decimal("0.001")
ZERO = Decimal("0.000")
# At most ten digits and three decimals after one comma, or two after one point: parse_decimal reads them as
# they are, always within MAX_FIGURE (a point before three digits is ambiguous: the general path refuses it).
PLAIN_FIGURE_RE = re.compile(r"\d{1,10}(?:,\d{1,3})?|\d{1,10}\.\d{1,2}", re.ASCII)
_plain_figure = PLAIN_FIGURE_RE.fullmatch
NO_FUEL = (None, None)  # fuel_type, fuel_quantity of a plant that is not thermal
_UNITS = {unit.lower(): unit for unit in FUEL_UNITS}


def _figure(text: str, column: str, line: int | None, problems: list[RowError]) -> Decimal | None:
    """A figure (``text`` stripped and not empty) from 0 to MAX_FIGURE to the thousandth, or None and a problem."""
    if _plain_figure(text):  # the common case: parse_decimal would read the same, in range, to the thousandth
        return Decimal(text.replace(",", ".")) + ZERO
    try:
        number = parse_decimal(text)
    except NotANumber as error:
        problems.append(RowError(line, str(error), column))
        return None
    if number < 0:
        problems.append(RowError(line, f"il valore non può essere negativo ({text}).", column))
        return None
    if number > MAX_FIGURE:
        problems.append(RowError(line, f"valore troppo grande ({text}).", column))
        return None
    return number.quantize(THOUSANDTH)


@dataclass(frozen=True)
class PlantFacts:
    """What validating and storing a report needs of its plant, read once per plant."""

    id: int
    operator_id: int
    gaudi_code: str
    capacity_mw: Decimal
    is_thermal: bool
    source_label: str
    limits: dict  # {hours of a month: largest gross production in MWh}

    @classmethod
    def of(cls, plant: Plant) -> PlantFacts:
        capacity = plant.capacity_mw
        limits = {days * 24: _production_limit(capacity, days * 24) for days in (28, 29, 30, 31)}
        return cls(
            plant.id, plant.operator_id, plant.gaudi_code, capacity, plant.is_thermal, plant.source_label, limits
        )


class Period(NamedTuple):
    """The month of a report as its rules see it: why it cannot be reported yet (None if it can), its hours."""

    not_ended: str | None
    hours: int | None

    @classmethod
    def of(cls, year: int, month: int, today: date) -> Period:
        not_ended = None
        if (year, month) >= (today.year, today.month):
            not_ended = (
                f"il mese {month:02d}/{year} non è ancora concluso: si possono dichiarare solo i mesi terminati."
            )
        return cls(not_ended, month_hours(year, month) if 1 <= month <= 12 else None)


@dataclass
class ReportChecker:
    """Applies the rules to one report (the form) or to each row of a file, collecting every problem.

    ``known`` keeps the figures already read, by text, for the next rows of a file (a Decimal is immutable).
    """

    problems: list[RowError] = field(default_factory=list)
    known: dict[str, Decimal] = field(default_factory=dict)

    def check(self, plant: PlantFacts, period: Period, texts: tuple, line: int | None = None) -> list:
        """The values of ``texts`` (those of REPORT_VALUES, in that order), None where wrong."""
        problems, known = self.problems, self.known
        if period.not_ended:
            problems.append(RowError(line, period.not_ended, "month"))
        figures = []
        for name, text in zip(FIGURES, texts, strict=False):
            number = known.get(text)
            if number is not None:
                figures.append(number)
                continue
            stripped = text.strip()
            if _plain_figure(stripped):
                # The common case, as _figure reads it; at most three decimals, so adding ZERO is the quantize.
                number = known[text] = Decimal(stripped.replace(",", ".")) + ZERO
                figures.append(number)
            elif stripped:
                figures.append(_figure(stripped, name, line, problems))
            elif name in OPTIONAL_FIGURES:
                figures.append(ZERO)
            else:
                problems.append(RowError(line, f"indica la {COLUMN_LABELS[name]} in MWh.", name))
                figures.append(None)
        gross, net = figures[0], figures[1]
        if gross is not None and net is not None and net > gross:
            problems.append(
                RowError(
                    line,
                    f"la produzione netta ({formatting.number(net, 3, ITALIAN)} MWh) non può superare la "
                    f"produzione lorda ({formatting.number(gross, 3, ITALIAN)} MWh).",
                    "net_production_mwh",
                )
            )
        if gross is not None and period.hours is not None:
            limit = plant.limits[period.hours]
            if gross > limit:
                problems.append(
                    RowError(
                        line,
                        f"la produzione lorda ({formatting.number(gross, 3, ITALIAN)} MWh) supera il massimo "
                        f"possibile per l'impianto {plant.gaudi_code}: "
                        f"{formatting.number(plant.capacity_mw, 3, ITALIAN)} MW × {period.hours} ore = "
                        f"{formatting.number(limit, 3, ITALIAN)} MWh.",
                        "gross_production_mwh",
                    )
                )
        fuel_type, quantity = texts[4].strip(), texts[5].strip()
        if plant.is_thermal or fuel_type or quantity:
            figures.extend(self._fuel(plant, fuel_type, quantity, line))
        else:
            figures += NO_FUEL
        return figures

    def _fuel(
        self, plant: PlantFacts, fuel_type: str, quantity_text: str, line: int | None
    ) -> tuple[str | None, Decimal | None]:
        """The fuel unit and quantity (stripped texts): required of thermal plants, refused of the others."""
        problems = self.problems
        if not plant.is_thermal:
            column = "fuel_type" if fuel_type else "fuel_quantity"
            problems.append(
                RowError(
                    line,
                    f"il combustibile si indica solo per gli impianti termoelettrici "
                    f"({plant.gaudi_code} è {plant.source_label.lower()}): lascia vuoto.",
                    column,
                )
            )
            return NO_FUEL
        unit = quantity = None
        if not fuel_type:
            problems.append(
                RowError(
                    line,
                    f"per un impianto termoelettrico indica l'unità del combustibile ({', '.join(FUEL_UNITS)}).",
                    "fuel_type",
                )
            )
        elif fuel_type.lower() not in _UNITS:
            problems.append(
                RowError(line, f"unità {fuel_type!r} non prevista: usa una tra {', '.join(FUEL_UNITS)}.", "fuel_type")
            )
        else:
            unit = _UNITS[fuel_type.lower()]
        if not quantity_text:
            problems.append(
                RowError(
                    line,
                    "per un impianto termoelettrico indica la quantità di combustibile utilizzato.",
                    "fuel_quantity",
                )
            )
        else:
            quantity = _figure(quantity_text, "fuel_quantity", line, problems)
        return unit, quantity


@lru_cache(maxsize=4096)
def _production_limit(capacity_mw: Decimal, hours: int) -> Decimal:
    return (Decimal(capacity_mw) * hours).quantize(THOUSANDTH)


def validate_report(
    plant: Plant,
    year: int,
    month: int,
    raw: dict,
    *,
    today: date | None = None,
) -> tuple[dict, list[RowError]]:
    """Parse and check the figures of one plant and month; the same rules for the form and the upload.

    ``raw`` holds the texts of FIGURES, ``fuel_type`` and ``fuel_quantity``. Returns the values to store
    and the problems found, each by column.
    """
    checker = ReportChecker()
    texts = tuple(raw.get(name) or "" for name in REPORT_VALUES)
    values = checker.check(PlantFacts.of(plant), Period.of(year, month, today or dates.today()), texts)
    stored = {name: value for name, value in zip(FIGURES, values, strict=False) if value is not None}
    stored["fuel_type"], stored["fuel_quantity"] = values[4], values[5]
    return stored, checker.problems

"""Invoice rules and queries: amounts from lines, the filtered list and its totals, archives, withdrawals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from math import ceil

from sqlalchemy import Row, Select, bindparam, case, extract, func, select
from sqlalchemy.orm import selectinload

from .. import dates
from ..errors import DomainError
from ..extensions import db
from .models import Invoice

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_ARCHIVE_MONTHS = 24

STATES = {"all": "Tutte", "unpaid": "Da pagare", "paid": "Pagate"}
INVOICES = Invoice.__table__
# key: (label, order); the order ends on the id so that pages never overlap.
SORTS = {
    "date_desc": ("Data, dalla più recente", (INVOICES.c.issue_date.desc(), INVOICES.c.id.desc())),
    "date_asc": ("Data, dalla meno recente", (INVOICES.c.issue_date.asc(), INVOICES.c.id.asc())),
    "amount_desc": ("Importo, dal più alto", (INVOICES.c.total_amount.desc(), INVOICES.c.id.desc())),
    "amount_asc": ("Importo, dal più basso", (INVOICES.c.total_amount.asc(), INVOICES.c.id.asc())),
}
DEFAULT_SORT = "date_desc"


class InvoicingError(DomainError):
    """A request about invoices that the rules refuse."""


# --- amounts ------------------------------------------------------------------------------------------------


def money(value) -> Decimal:
    """``value`` rounded half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Amounts:
    taxable: Decimal
    vat: Decimal
    total: Decimal


def invoice_amounts(lines: Iterable[tuple[Decimal, Decimal]]) -> Amounts:
    """Taxable = sum of the line amounts; VAT = sum of amount × rate / 100, rounded half-up to cents."""
    taxable = Decimal(0)
    vat = Decimal(0)
    for amount, vat_rate in lines:
        taxable += amount
        vat += amount * vat_rate / 100
    taxable, vat = money(taxable), money(vat)
    return Amounts(taxable, vat, taxable + vat)


def billed_figures(lines: Iterable[tuple[Decimal, str, str]]) -> tuple[Decimal, Decimal | None]:
    """Consumption and billed power of ``lines`` given as (quantity, unit, description).

    Consumption is the sum of the kWh quantities of the energy lines (descriptions starting with "Energia");
    charges on the same energy (system charges, excise) repeat its quantity and are not counted. Without
    such lines every kWh line counts. Power is the largest quantity in kW.
    """
    lines = list(lines)
    energy = [(quantity, description) for quantity, unit, description in lines if unit == "kWh"]
    bands = [quantity for quantity, description in energy if description.lower().startswith("energia")]
    consumption = sum(bands if bands else [quantity for quantity, _ in energy], Decimal(0))
    powers = [quantity for quantity, unit, _ in lines if unit == "kW"]
    return max(consumption, Decimal(0)), (max(max(powers), Decimal(0)) if powers else None)


# --- the list -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFilters:
    """The filters of "Elenco fatture"; ``supply_point_id`` None means every supply point."""

    year: int | None = None
    state: str = "all"
    supply_point_id: int | None = None
    sort: str = DEFAULT_SORT


def _year_range(column, year: int):
    return column >= date(year, 1, 1), column < date(year + 1, 1, 1)


@dataclass(frozen=True)
class InvoiceTotals:
    count: int
    taxable: Decimal
    vat: Decimal
    total: Decimal
    unpaid: Decimal


# One builder of the filtered list (``_bound_conditions``): statements built once per shape of the filters, with
# bound parameters, so that every request hits SQLAlchemy's compiled cache. The page reads plain rows; the CSV
# export (``invoice_list_query``) the same conditions as Invoice entities.
LIST_COLUMNS = tuple(
    INVOICES.c[name]
    for name in (
        "id",
        "number",
        "issue_date",
        "supply_point_id",
        "period_start",
        "period_end",
        "consumption_kwh",
        "total_amount",
        "due_date",
        "paid",
    )
)
_TOTALS_COLUMNS = (
    func.count(INVOICES.c.id),
    func.sum(INVOICES.c.taxable_amount),
    func.sum(INVOICES.c.vat_amount),
    func.sum(INVOICES.c.total_amount),
    func.sum(case((INVOICES.c.paid.is_(False), INVOICES.c.total_amount), else_=0)),
)
_YEARS_STATEMENT = select(func.min(INVOICES.c.period_start), func.max(INVOICES.c.issue_date)).where(
    INVOICES.c.operator_id == bindparam("operator_id")
)
_statements: dict[tuple, Select] = {}


def _shape(filters: InvoiceFilters) -> tuple[bool, str, bool]:
    state = filters.state if filters.state in ("paid", "unpaid") else "all"
    return filters.year is not None, state, filters.supply_point_id is not None


def _bound_conditions(shape: tuple[bool, str, bool]) -> list:
    """The conditions of the filters of ``shape``, with bound parameters (values from ``_parameters``)."""
    with_year, state, with_point = shape
    conditions = [INVOICES.c.operator_id == bindparam("operator_id")]
    if with_year:
        conditions += [INVOICES.c.issue_date >= bindparam("year_start"), INVOICES.c.issue_date < bindparam("year_end")]
    if state == "paid":
        conditions.append(INVOICES.c.paid.is_(True))
    elif state == "unpaid":
        conditions.append(INVOICES.c.paid.is_(False))
    if with_point:
        conditions.append(INVOICES.c.supply_point_id == bindparam("supply_point_id"))
    return conditions


def _parameters(operator_id: int, filters: InvoiceFilters) -> dict:
    parameters = {"operator_id": operator_id}
    if filters.year is not None:
        parameters["year_start"], parameters["year_end"] = date(filters.year, 1, 1), date(filters.year + 1, 1, 1)
    if filters.supply_point_id is not None:
        parameters["supply_point_id"] = filters.supply_point_id
    return parameters


def _totals_statement(shape: tuple[bool, str, bool]) -> Select:
    key = ("totals", *shape)
    if key not in _statements:
        _statements[key] = select(*_TOTALS_COLUMNS).where(*_bound_conditions(shape))
    return _statements[key]


def _page_statement(shape: tuple[bool, str, bool], sort: str) -> Select:
    key = ("page", *shape, sort)
    if key not in _statements:
        _statements[key] = (
            select(*LIST_COLUMNS)
            .where(*_bound_conditions(shape))
            .order_by(*SORTS[sort][1])
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
        )
    return _statements[key]


def _sort(filters: InvoiceFilters) -> str:
    return filters.sort if filters.sort in SORTS else DEFAULT_SORT


def invoice_list_query(operator_id: int, filters: InvoiceFilters) -> Select:
    """The operator's invoices matching ``filters`` as entities, in the chosen (whitelisted) order."""
    shape, sort = _shape(filters), _sort(filters)
    key = ("entities", *shape, sort)
    if key not in _statements:
        _statements[key] = select(Invoice).where(*_bound_conditions(shape)).order_by(*SORTS[sort][1])
    return _statements[key].params(_parameters(operator_id, filters))


@dataclass(frozen=True)
class InvoicePage:
    """One page of the list (rows of ``LIST_COLUMNS``), with what the template and the pager() macro read."""

    page: int
    per_page: int
    total: int
    items: list[Row]

    @property
    def pages(self) -> int:
        return ceil(self.total / self.per_page) if self.total else 0

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return max(self.first, self.first + len(self.items) - 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def invoice_page(operator_id: int, filters: InvoiceFilters, number: int, per_page: int, total: int) -> InvoicePage:
    """Page ``number`` of the filtered list, ``total`` rows long (the count from ``invoice_totals``, so no
    count query); a number past the end gives the last page."""
    pages = ceil(total / per_page) if total else 0
    number = max(min(number, pages), 1)
    sort = _sort(filters)
    parameters = _parameters(operator_id, filters) | {"limit": per_page, "offset": (number - 1) * per_page}
    rows = db.session.execute(_page_statement(_shape(filters), sort), parameters).all() if total else []
    return InvoicePage(number, per_page, total, rows)


def invoice_totals(operator_id: int, filters: InvoiceFilters) -> InvoiceTotals:
    """Count and sums of the whole filtered set, in one aggregate query."""
    row = db.session.execute(_totals_statement(_shape(filters)), _parameters(operator_id, filters)).one()
    count, *sums = row
    return InvoiceTotals(count, *(money(value or 0) for value in sums))


def invoice_years(operator_id: int) -> list[int]:
    """The years from the operator's first invoice (issue or billed period) to its last, latest first."""
    first, last = db.session.execute(_YEARS_STATEMENT, {"operator_id": operator_id}).one()
    if first is None:
        return []
    return list(range(last.year, first.year - 1, -1))


# --- the archive of PDFs ------------------------------------------------------------------------------------


def archive_invoices(operator_id: int, first_month: date, last_month: date) -> list[Invoice]:
    """The operator's invoices issued from ``first_month`` to ``last_month`` (both included), with lines.

    Refuses a reversed period, one longer than 24 months and one without invoices.
    """
    if last_month < first_month:
        raise InvoicingError("Il mese finale precede il mese iniziale.", "a")
    months = dates.months_between(first_month, last_month)
    if months > MAX_ARCHIVE_MONTHS:
        raise InvoicingError(
            f"Il periodo può essere al massimo di {MAX_ARCHIVE_MONTHS} mesi (ne hai scelti {months}).", "a"
        )
    invoices = list(
        db.session.scalars(
            select(Invoice)
            .options(selectinload(Invoice.lines))
            .where(
                Invoice.operator_id == operator_id,
                Invoice.issue_date >= first_month,
                Invoice.issue_date < dates.add_months(dates.first_of_month(last_month), 1),
            )
            .order_by(Invoice.issue_date, Invoice.id)
        )
    )
    if not invoices:
        raise InvoicingError("Nessuna fattura emessa nel periodo scelto.", "da")
    return invoices


# --- billed withdrawals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WithdrawalFigure:
    """Energy and power billed in one month (``period`` 1-12) or one year (``period`` the year)."""

    period: int
    energy_kwh: Decimal
    max_power_kw: Decimal | None
    invoices: int


def _withdrawal_rows(operator_id: int, supply_point_id: int | None, period, *conditions):
    where = [Invoice.operator_id == operator_id, *conditions]
    if supply_point_id is not None:
        where.append(Invoice.supply_point_id == supply_point_id)
    rows = db.session.execute(
        select(period, func.sum(Invoice.consumption_kwh), func.max(Invoice.max_power_kw), func.count(Invoice.id))
        .where(*where)
        .group_by(period)
        .order_by(period)
    )
    return {
        int(key): WithdrawalFigure(
            int(key),
            Decimal(energy or 0).quantize(Decimal("0.001")),
            None if power is None else Decimal(power).quantize(CENT),
            count,
        )
        for key, energy, power, count in rows
    }


def monthly_withdrawals(operator_id: int, year: int, supply_point_id: int | None = None) -> list[WithdrawalFigure]:
    """Twelve months of ``year`` (by the start of the billed period), empty months included."""
    found = _withdrawal_rows(
        operator_id,
        supply_point_id,
        extract("month", Invoice.period_start),
        *_year_range(Invoice.period_start, year),
    )
    return [found.get(month, WithdrawalFigure(month, Decimal("0.000"), None, 0)) for month in range(1, 13)]


def yearly_withdrawals(operator_id: int, supply_point_id: int | None = None) -> list[WithdrawalFigure]:
    """Energy and highest power of every year with invoices, latest first."""
    found = _withdrawal_rows(operator_id, supply_point_id, extract("year", Invoice.period_start))
    return [found[year] for year in sorted(found, reverse=True)]


# --- home page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnpaidSummary:
    count: int
    total: Decimal
    next_due_date: date | None


def unpaid_summary(operator_id: int) -> UnpaidSummary:
    """Unpaid invoices of the operator: how many, how much, the earliest due date (one query)."""
    count, total, next_due = db.session.execute(
        select(func.count(Invoice.id), func.sum(Invoice.total_amount), func.min(Invoice.due_date)).where(
            Invoice.operator_id == operator_id, Invoice.paid.is_(False)
        )
    ).one()
    return UnpaidSummary(count, money(total or 0), next_due)


@dataclass(frozen=True)
class WithdrawalSummary:
    """The figures of the sentence that describes a year's chart."""

    energy_kwh: Decimal
    invoices: int
    peak_energy: WithdrawalFigure | None
    peak_power: WithdrawalFigure | None


def summarize_withdrawals(figures: list[WithdrawalFigure]) -> WithdrawalSummary:
    with_energy = [figure for figure in figures if figure.energy_kwh > 0]
    with_power = [figure for figure in figures if figure.max_power_kw is not None]
    return WithdrawalSummary(
        energy_kwh=sum((figure.energy_kwh for figure in figures), Decimal("0.000")),
        invoices=sum(figure.invoices for figure in figures),
        peak_energy=max(with_energy, key=lambda figure: figure.energy_kwh, default=None),
        peak_power=max(with_power, key=lambda figure: figure.max_power_kw, default=None),
    )

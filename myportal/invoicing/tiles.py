"""Home tiles of the invoicing area: unpaid invoices and billed withdrawals."""

from functools import lru_cache

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import func, select

from .. import formatting
from ..home.tiles import Tile, fetch_figures, figure_params, figure_shape, operator_id_param
from ..security.access import OPERATOR
from .models import Invoice
from .services import money


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """The operator's unpaid invoices: how many, how much, the earliest due date (as ``unpaid_summary``)."""
    if role not in OPERATOR:
        return {}
    operator_id = operator_id_param(has_operator)

    def unpaid(column):
        return select(column).where(Invoice.operator_id == operator_id, Invoice.paid.is_(False)).scalar_subquery()

    return {
        "count": unpaid(func.count(Invoice.id)),
        "total": unpaid(func.sum(Invoice.total_amount)),
        "next_due": unpaid(func.min(Invoice.due_date)),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role not in OPERATOR:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user))
    count = figures["count"]
    if count:
        text = ngettext("%(num)d fattura da pagare", "%(num)d fatture da pagare", count)
        text += " — " + formatting.money(money(figures["total"] or 0))
        text += " " + gettext("(prima scadenza %(date)s)", date=format_date(figures["next_due"]))
    else:
        text = gettext("Nessuna fattura da pagare.")
    return [
        Tile(gettext("Elenco fatture"), url_for("invoicing.invoices"), text),
        Tile(
            gettext("Prelievi fatturati"),
            url_for("invoicing.withdrawals"),
            gettext("Energia e potenza per anno e mese."),
        ),
    ]

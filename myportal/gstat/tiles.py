"""Home tiles of GSTAT: the operator's reports to send for the last month; the administrators' missing ones."""

from functools import lru_cache

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import bindparam, func, select

from ..formatting import month_and_year
from ..home.tiles import OPERATOR_ID, Tile, fetch_figures, figure_params, figure_shape
from ..security.access import OPERATOR
from .calendar import deadline, last_ended_month
from .models import Plant
from .services import missing_reports_query, reports_due_query


def home_figure_params(user) -> dict:
    """The last ended month."""
    year, month = last_ended_month()
    return {"gstat_year": year, "gstat_month": month}


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """Plants without a submitted report for the last ended month: all (admins), the operator's (operators)."""
    year, month = bindparam("gstat_year"), bindparam("gstat_month")
    if role == "admin":
        return {"missing": missing_reports_query(year, month).scalar_subquery()}
    if role not in OPERATOR or not has_operator:
        return {}
    return {
        "plants": select(func.count()).select_from(Plant).where(Plant.operator_id == OPERATOR_ID).scalar_subquery(),
        "due": reports_due_query(OPERATOR_ID, year, month).scalar_subquery(),
    }


def home_tiles(user, figures: dict | None = None) -> list:
    if user.role != "admin" and (user.role not in OPERATOR or user.operator_id is None):
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user, home_figure_params))
    year, month = last_ended_month()
    period = month_and_year(year, month)
    if user.role == "admin":
        missing = figures["missing"]
        text = (
            ngettext(
                "%(num)d impianto senza report inviato per %(period)s",
                "%(num)d impianti senza report inviato per %(period)s",
                missing,
                period=period,
            )
            if missing
            else gettext("Tutti i report di %(period)s sono stati inviati.", period=period)
        )
        return [Tile(gettext("GSTAT: report mancanti"), url_for("gstat.admin_missing"), text)]
    if not figures["plants"]:
        return []
    due = figures["due"]
    if due:
        text = ngettext(
            "%(num)d report da inviare per %(period)s (scadenza %(date)s)",
            "%(num)d report da inviare per %(period)s (scadenza %(date)s)",
            due,
            period=period,
            date=format_date(deadline(year, month)),
        )
    else:
        text = gettext("Report di %(period)s inviati per tutti gli impianti.", period=period)
    return [Tile(gettext("Statistiche GSTAT"), url_for("gstat.index"), text)]

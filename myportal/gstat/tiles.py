"""Home tiles of GSTAT: the operator's reports to send for the last month; the administrators' missing ones."""

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import func, select

from .forms import MONTHS
from .models import Plant
from .services import deadline, last_ended_month, missing_reports_query, reports_due_query

OPERATOR_ROLES = ("operator", "operator_admin")


def home_figures(user) -> dict:
    """Plants without a submitted report for the last ended month: all (admins), the operator's (operators)."""
    year, month = last_ended_month()
    if user.role == "admin":
        return {"missing": missing_reports_query(year, month).scalar_subquery()}
    if user.role not in OPERATOR_ROLES or user.operator_id is None:
        return {}
    return {
        "plants": select(func.count()).select_from(Plant).where(Plant.operator_id == user.operator_id)
        .scalar_subquery(),
        "due": reports_due_query(user.operator_id, year, month).scalar_subquery(),
    }


def home_tiles(user, figures: dict | None = None) -> list:
    from ..operators.tiles import Tile, fetch_figures

    if user.role != "admin" and (user.role not in OPERATOR_ROLES or user.operator_id is None):
        return []
    if figures is None:
        figures = fetch_figures(home_figures(user))
    year, month = last_ended_month()
    period = f"{MONTHS[month - 1]} {year}"
    if user.role == "admin":
        missing = figures["missing"]
        text = (ngettext("%(num)d impianto senza report inviato per %(period)s",
                         "%(num)d impianti senza report inviato per %(period)s", missing, period=period)
                if missing else gettext("Tutti i report di %(period)s sono stati inviati.", period=period))
        return [Tile(gettext("GSTAT: report mancanti"), url_for("gstat.admin_missing"), text)]
    if not figures["plants"]:
        return []
    due = figures["due"]
    if due:
        text = ngettext("%(num)d report da inviare per %(period)s (scadenza %(date)s)",
                        "%(num)d report da inviare per %(period)s (scadenza %(date)s)", due, period=period,
                        date=format_date(deadline(year, month)))
    else:
        text = gettext("Report di %(period)s inviati per tutti gli impianti.", period=period)
    return [Tile(gettext("Statistiche GSTAT"), url_for("gstat.index"), text)]

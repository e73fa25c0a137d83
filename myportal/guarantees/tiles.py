"""Home tiles of guarantees: available credit and expiring guarantees; for admins, those expiring soon."""

from datetime import timedelta
from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import and_, bindparam, case, func, literal, select

from .. import dates, formatting
from ..home.tiles import OPERATOR_ID, Tile, fetch_figures, figure_params, figure_shape
from ..security.access import OPERATOR
from .models import COVERING_STATES, DEPOSIT, EXPIRY_WARNING_DAYS, Guarantee
from .services import _covers, _current_exposure_subquery, money


def home_figure_params(user) -> dict:
    """Today and the last day of the expiry warning."""
    today = dates.today()
    return {"guarantees_today": today, "guarantees_warning_until": today + timedelta(days=EXPIRY_WARNING_DAYS)}


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """Guarantees expiring soon (admins); the coverage figures of ``coverage_summary`` (operators)."""
    today = bindparam("guarantees_today")
    warning_until = bindparam("guarantees_warning_until")
    if role == "admin":
        expiring = (
            select(func.count())
            .select_from(Guarantee)
            .where(
                Guarantee.state.in_(COVERING_STATES),
                Guarantee.valid_to >= today,
                Guarantee.valid_to <= warning_until,
            )
        )
        return {"expiring": expiring.scalar_subquery()}
    if role not in OPERATOR or not has_operator:
        return {}
    covers = _covers(today)
    soon = and_(covers, Guarantee.valid_to <= warning_until)

    def of_operator(column):
        return select(column).where(Guarantee.operator_id == OPERATOR_ID).scalar_subquery()

    def amount_if(condition):
        return of_operator(
            func.coalesce(func.sum(case((condition, Guarantee.amount), else_=literal(0, Guarantee.amount.type))), 0)
        )

    return {
        "guarantees": amount_if(and_(covers, Guarantee.guarantee_type != DEPOSIT)),
        "deposits": amount_if(and_(covers, Guarantee.guarantee_type == DEPOSIT)),
        "expiring": of_operator(func.coalesce(func.sum(case((soon, 1), else_=0)), 0)),
        "exposure": _current_exposure_subquery(OPERATOR_ID),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role != "admin" and (user.role not in OPERATOR or user.operator_id is None):
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user, home_figure_params))
    if user.role == "admin":
        return [
            Tile(
                gettext("Garanzie ed esposizione"),
                url_for("guarantees.admin_index", state="in_scadenza"),
                ngettext(
                    "%(num)d garanzia in scadenza entro 30 giorni",
                    "%(num)d garanzie in scadenza entro 30 giorni",
                    figures["expiring"],
                ),
            ),
        ]
    available = money(figures["guarantees"]) + money(figures["deposits"]) - money(figures["exposure"])
    text = gettext("Copertura disponibile: %(amount)s", amount=formatting.money(available))
    expiring = int(figures["expiring"] or 0)
    if expiring:
        text += " · " + ngettext("%(num)d garanzia in scadenza", "%(num)d garanzie in scadenza", expiring)
    return [Tile(gettext("Garanzie finanziarie"), url_for("guarantees.index"), text)]

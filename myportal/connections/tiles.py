"""Home tile of the connection requests: the operator's open Ge.Co. practices."""

from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..home.tiles import Tile, fetch_figures, figure_params, figure_shape, operator_id_param
from ..registration.models import GecoPractice
from ..security.access import OPERATOR
from .services import CLOSED_STATES, _of_operator


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """The operator's open practices (the query of ``services.open_practices_count``)."""
    if role not in OPERATOR:
        return {}
    statement = _of_operator(select(func.count()).select_from(GecoPractice), operator_id_param(has_operator)).where(
        func.lower(func.trim(GecoPractice.status)).not_in(CLOSED_STATES)
    )
    return {"open": statement.scalar_subquery()}


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role not in OPERATOR:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user))
    count = figures["open"]
    text = (
        ngettext("%(num)d pratica Ge.Co. aperta", "%(num)d pratiche Ge.Co. aperte", count)
        if count
        else gettext("Nessuna pratica Ge.Co. aperta.")
    )
    return [Tile(gettext("Richieste di connessione"), url_for("connections.index"), text)]

"""Home tile of the connection requests: the operator's open Ge.Co. practices."""

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..operators.tiles import Tile, fetch_figures
from ..registration.models import GecoPractice
from .services import CLOSED_STATES, _of_operator

OPERATOR_ROLES = ("operator", "operator_admin")


def home_figures(user) -> dict:
    """The operator's open practices (the query of ``services.open_practices_count``)."""
    if user.role not in OPERATOR_ROLES:
        return {}
    statement = _of_operator(select(func.count()).select_from(GecoPractice), user.operator_id).where(
        func.lower(func.trim(GecoPractice.status)).not_in(CLOSED_STATES)
    )
    return {"open": statement.scalar_subquery()}


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role not in OPERATOR_ROLES:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(user))
    count = figures["open"]
    text = (
        ngettext("%(num)d pratica Ge.Co. aperta", "%(num)d pratiche Ge.Co. aperte", count)
        if count else gettext("Nessuna pratica Ge.Co. aperta.")
    )
    return [Tile(gettext("Richieste di connessione"), url_for("connections.index"), text)]

"""Home tiles of the operators area: company data, and the company users for an operator administrator."""

from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..home.tiles import OPERATOR_ID, Tile, fetch_figures, figure_params, figure_shape
from .models import User


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """The company users' count for an operator_admin."""
    if role != "operator_admin" or not has_operator:
        return {}
    return {"users": select(func.count()).select_from(User).where(User.operator_id == OPERATOR_ID).scalar_subquery()}


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    """Company data for operators; company users for an operator_admin."""
    if user.operator_id is None:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user))
    tiles = [
        Tile(gettext("Dati anagrafici"), url_for("operators.profile"), gettext("I dati tuoi e della tua azienda."))
    ]
    if user.role == "operator_admin":
        tiles.append(
            Tile(
                gettext("Utenti aziendali"),
                url_for("operators.company_users"),
                ngettext("%(num)d utente", "%(num)d utenti", figures["users"]),
            )
        )
    return tiles

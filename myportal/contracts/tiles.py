"""Home tiles of the contracts area: supply points and active contracts, measurements, self-readings."""

from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..home.tiles import Tile, fetch_figures, figure_params, figure_shape, operator_id_param
from ..security.access import OPERATOR
from .models import Contract, SupplyPoint


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """The operator's supply points and active contracts."""
    if role not in OPERATOR:
        return {}
    operator_id = operator_id_param(has_operator)
    return {
        "points": select(func.count())
        .select_from(SupplyPoint)
        .where(SupplyPoint.operator_id == operator_id)
        .scalar_subquery(),
        "active": select(func.count())
        .select_from(Contract)
        .where(Contract.operator_id == operator_id, Contract.status == "attivo")
        .scalar_subquery(),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role not in OPERATOR:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user))
    return [
        Tile(
            gettext("Punti di fornitura"),
            url_for("contracts.supply_points"),
            ngettext("%(num)d punto di fornitura", "%(num)d punti di fornitura", figures["points"]),
        ),
        Tile(
            gettext("Contratti"),
            url_for("contracts.contracts"),
            ngettext("%(num)d contratto attivo", "%(num)d contratti attivi", figures["active"]),
        ),
        Tile(
            gettext("Misure elettriche"),
            url_for("contracts.measurements"),
            gettext("Curve quartorarie, download CSV e XLSX."),
        ),
        Tile(
            gettext("Autolettura contatore"),
            url_for("contracts.self_reading"),
            gettext("Comunica la lettura del tuo contatore."),
        ),
    ]

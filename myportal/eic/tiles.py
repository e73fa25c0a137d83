"""Home tiles of EIC: the operator's issued codes and open requests; the administrators' queue."""

from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..home.tiles import OPERATOR_ID, Tile, fetch_figures, figure_params, figure_shape, operator_id_param
from ..security.access import OPERATOR
from .models import EicCode, EicRequest


def _pending(operator_id=None):
    """Open EIC requests, of one operator (an id or SQL expression) or all (``services.pending_requests_count``)."""
    statement = select(func.count()).select_from(EicRequest).where(EicRequest.state == "richiesta")
    if operator_id is not None:
        statement = statement.where(EicRequest.operator_id == operator_id)
    return statement.scalar_subquery()


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """Requests to review (admins); the operator's issued codes and open requests (operators)."""
    if role == "admin":
        return {"pending": _pending()}
    if role not in OPERATOR:
        return {}
    return {
        "issued": select(func.count())
        .select_from(EicCode)
        .where(EicCode.operator_id == operator_id_param(has_operator))
        .scalar_subquery(),
        "pending": _pending(OPERATOR_ID if has_operator else None),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role != "admin" and user.role not in OPERATOR:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user))
    pending = figures["pending"]
    if user.role == "admin":
        return [
            Tile(
                gettext("Richieste di codici EIC"),
                url_for("eic.admin_queue"),
                ngettext("%(num)d richiesta da esaminare", "%(num)d richieste da esaminare", pending)
                if pending
                else gettext("Nessuna richiesta da esaminare."),
            )
        ]
    text = ngettext("%(num)d codice assegnato", "%(num)d codici assegnati", figures["issued"])
    text += ", " + ngettext("%(num)d richiesta in attesa", "%(num)d richieste in attesa", pending)
    return [Tile(gettext("Codici EIC"), url_for("eic.index"), text)]

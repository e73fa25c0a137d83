"""Home tiles of EIC: the operator's issued codes and open requests; the administrators' queue."""

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..operators.tiles import Tile, fetch_figures
from .models import EicCode, EicRequest

OPERATOR_ROLES = ("operator", "operator_admin")


def _pending(operator_id: int | None = None):
    """Open EIC requests, of one operator or all (the query of ``services.pending_requests_count``)."""
    statement = select(func.count()).select_from(EicRequest).where(EicRequest.state == "richiesta")
    if operator_id is not None:
        statement = statement.where(EicRequest.operator_id == operator_id)
    return statement.scalar_subquery()


def home_figures(user) -> dict:
    """Requests to review (admins); the operator's issued codes and open requests (operators)."""
    if user.role == "admin":
        return {"pending": _pending()}
    if user.role not in OPERATOR_ROLES:
        return {}
    return {
        "issued": select(func.count()).select_from(EicCode)
        .where(EicCode.operator_id == user.operator_id).scalar_subquery(),
        "pending": _pending(user.operator_id),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if user.role != "admin" and user.role not in OPERATOR_ROLES:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(user))
    pending = figures["pending"]
    if user.role == "admin":
        return [Tile(
            gettext("Richieste di codici EIC"), url_for("eic.admin_queue"),
            ngettext("%(num)d richiesta da esaminare", "%(num)d richieste da esaminare", pending)
            if pending else gettext("Nessuna richiesta da esaminare."),
        )]
    text = ngettext("%(num)d codice assegnato", "%(num)d codici assegnati", figures["issued"])
    text += ", " + ngettext("%(num)d richiesta in attesa", "%(num)d richieste in attesa", pending)
    return [Tile(gettext("Codici EIC"), url_for("eic.index"), text)]

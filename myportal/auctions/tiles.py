"""Home tiles of auctions: open procedures and the operator's enrolments; enrolments to review for admins."""

from functools import lru_cache

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import bindparam, func, select

from ..home.tiles import OPERATOR_ID, Tile, fetch_figures, figure_params, figure_shape
from ..models import utcnow
from ..security.access import OPERATOR
from .models import Auction, Enrolment


def home_figure_params(user) -> dict:
    """The current time, for the open procedures."""
    return {"auctions_now": utcnow()}


@lru_cache
def home_figures(role: str, has_operator: bool) -> dict:
    """Enrolments to review (admins); open procedures and the operator's enrolments (operators)."""
    if role == "admin":
        return {
            "pending": select(func.count()).select_from(Enrolment).where(Enrolment.state == "inviata").scalar_subquery()
        }
    if role not in OPERATOR or not has_operator:
        return {}
    now = bindparam("auctions_now")
    return {
        "open": select(func.count())
        .select_from(Auction)
        .where(Auction.published.is_(True), Auction.opens_at <= now, Auction.closes_at > now)
        .scalar_subquery(),
        "mine": select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.operator_id == OPERATOR_ID, Enrolment.state != "ritirata")
        .scalar_subquery(),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if figures is None:
        figures = fetch_figures(home_figures(*figure_shape(user)), figure_params(user, home_figure_params))
    if user.role == "admin":
        return [
            Tile(
                gettext("Aste e iscrizioni"),
                url_for("auctions.admin_index"),
                ngettext("%(num)d iscrizione da valutare", "%(num)d iscrizioni da valutare", figures["pending"]),
            ),
        ]
    if user.role not in OPERATOR or user.operator_id is None:
        return []
    return [
        Tile(
            gettext("Aste e procedure competitive"),
            url_for("auctions.index"),
            ngettext("%(num)d procedura aperta", "%(num)d procedure aperte", figures["open"])
            + " · "
            + ngettext("%(num)d tua iscrizione", "%(num)d tue iscrizioni", figures["mine"]),
        ),
    ]

"""Home tiles of auctions: open procedures and the operator's enrolments; enrolments to review for admins."""

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..models import utcnow
from ..operators.tiles import Tile, fetch_figures
from .models import Auction, Enrolment

OPERATOR_ROLES = ("operator", "operator_admin")


def home_figures(user) -> dict:
    """Enrolments to review (admins); open procedures and the operator's enrolments (operators)."""
    if user.role == "admin":
        return {"pending": select(func.count()).select_from(Enrolment).where(Enrolment.state == "inviata")
                .scalar_subquery()}
    if user.role not in OPERATOR_ROLES or user.operator_id is None:
        return {}
    now = utcnow()
    return {
        "open": select(func.count()).select_from(Auction)
        .where(Auction.published.is_(True), Auction.opens_at <= now, Auction.closes_at > now).scalar_subquery(),
        "mine": select(func.count()).select_from(Enrolment)
        .where(Enrolment.operator_id == user.operator_id, Enrolment.state != "ritirata").scalar_subquery(),
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    if figures is None:
        figures = fetch_figures(home_figures(user))
    if user.role == "admin":
        return [
            Tile(gettext("Aste e iscrizioni"), url_for("auctions.admin_index"),
                 ngettext("%(num)d iscrizione da valutare", "%(num)d iscrizioni da valutare", figures["pending"])),
        ]
    if user.role not in OPERATOR_ROLES or user.operator_id is None:
        return []
    return [
        Tile(gettext("Aste e procedure competitive"), url_for("auctions.index"),
             ngettext("%(num)d procedura aperta", "%(num)d procedure aperte", figures["open"]) + " · "
             + ngettext("%(num)d tua iscrizione", "%(num)d tue iscrizioni", figures["mine"])),
    ]

"""The supply point chosen in the header selector, kept in the session across pages."""

from flask import g, session
from flask_login import current_user
from sqlalchemy import bindparam, select

from ..extensions import db
from .models import SupplyPoint

SESSION_KEY = "supply_point_id"
# Built once: every page of an operator runs it.
OPERATOR_POINTS = (
    select(SupplyPoint).where(SupplyPoint.operator_id == bindparam("operator_id")).order_by(SupplyPoint.pod)
)


def operator_supply_points() -> list[SupplyPoint]:
    """The current operator's supply points, loaded once per request."""
    if "supply_points" not in g:
        if not current_user.is_authenticated or current_user.operator_id is None:
            g.supply_points = []
        else:
            g.supply_points = list(db.session.scalars(OPERATOR_POINTS, {"operator_id": current_user.operator_id}))
    return g.supply_points


def current_supply_point() -> SupplyPoint | None:
    """The chosen supply point of the current operator (the first one when none was chosen)."""
    points = operator_supply_points()
    chosen = session.get(SESSION_KEY)
    for point in points:
        if point.id == chosen:
            return point
    return points[0] if points else None


def choose_supply_point(supply_point_id: int) -> SupplyPoint | None:
    """Remember the choice if the supply point belongs to the current operator."""
    for point in operator_supply_points():
        if point.id == supply_point_id:
            session[SESSION_KEY] = point.id
            return point
    return None

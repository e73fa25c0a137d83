"""The home page's figures: the tiles' counts in ONE statement, and the latest news."""

from functools import lru_cache

from sqlalchemy import func, select

from ..content.models import PERSONAL, Document, NewsItem
from ..content.services import published_news
from ..extensions import db
from ..operators.models import User
from ..registration.models import RegistrationRequest
from ..tickets.models import OPEN_STATES, Ticket
from .tiles import OPERATOR_ID, feature_figures, feature_params, fetch_figures, figure_shape, figures_statement


def home_figures(user: User) -> dict:
    """Every live figure of the home page for ``user``'s role: the tiles' counts in ONE ``SELECT`` of scalar
    subqueries (this page's own and every feature's ``home_figures``), and the latest news."""
    queries, statement = _home_figures_statement(*figure_shape(user))
    figures = fetch_figures(queries, feature_params(user), statement)
    figures["latest_news"] = db.session.execute(_latest_news_statement()).all()
    return figures


@lru_cache
def _home_figures_statement(role: str, has_operator: bool) -> tuple[dict, object]:
    """The home page's figures (name → scalar subquery) for that shape of user, and their one ``SELECT``:
    built once, with bind parameters for the operator id and dates, so that every request reuses them."""
    queries: dict = {}
    if role == "admin":
        queries["pending_requests"] = (
            select(func.count()).select_from(RegistrationRequest).where(RegistrationRequest.status == "pending")
        ).scalar_subquery()
    if has_operator:
        queries["open_tickets"] = (
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.operator_id == OPERATOR_ID, Ticket.state.in_(OPEN_STATES))
        ).scalar_subquery()
        queries["documents"] = (
            select(func.count())
            .select_from(Document)
            .where(Document.operator_id == OPERATOR_ID, Document.category == PERSONAL)
        ).scalar_subquery()
    queries.update(feature_figures(role, has_operator))
    return queries, figures_statement(queries) if queries else None


@lru_cache
def _latest_news_statement():
    """The three newest published news (``content.services.published_news``): only what the home page shows."""
    return published_news().with_only_columns(NewsItem.id, NewsItem.title, NewsItem.published_at).limit(3)

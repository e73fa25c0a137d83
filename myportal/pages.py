"""Small helpers shared by the views: the acting user, paginated lists and CSV downloads."""

from flask import current_app, request, url_for
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from .extensions import db

_SAMPLE_ID = 987654321
MAX_PAGE = 1_000_000  # larger numbers would overflow the database's OFFSET; they show the last page too


def acting_user():
    """The logged-in user as a model instance (not Flask-Login's proxy), for services and the audit log."""
    return current_user._get_current_object()


def paginate(statement: Select, page_arg: str = "page") -> Pagination:
    """One page of ``statement`` (``PAGE_SIZE`` rows) from the ``page_arg`` query parameter; a number past the
    end shows the last page, anything unreadable the first."""
    per_page = current_app.config["PAGE_SIZE"]
    number = min(max(request.args.get(page_arg, 1, type=int), 1), MAX_PAGE)
    page = db.paginate(statement, page=number, per_page=per_page, error_out=False)
    if page.page > page.pages > 0:
        page = db.paginate(statement, page=page.pages, per_page=per_page, error_out=False)
    return page


def id_urls(endpoint: str, name: str):
    """``url(id)``: the URL of ``endpoint`` with ``name`` = id, routed once per page instead of once per row."""
    head, tail = url_for(endpoint, **{name: _SAMPLE_ID}).split(str(_SAMPLE_ID), 1)
    return lambda value: f"{head}{int(value)}{tail}"

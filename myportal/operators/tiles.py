"""Home-page tiles contributed by the feature packages (``myportal/<feature>/tiles.py``), these included.

A tiles module has two functions: ``home_figures(user) -> dict[str, ScalarSelect]``, the scalar subqueries
of the figures its tiles show, and ``home_tiles(user, figures=None) -> list[Tile]``, the tiles formatted from
those figures' values. The home page runs every module's subqueries together in ONE ``SELECT``
(``fetch_figures``); ``home_tiles(user)`` without figures runs the module's own in one statement.
"""

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ..extensions import db
from .models import User


@dataclass(frozen=True)
class Tile:
    """One tile: a title, the page it opens and a line of text (often a live figure)."""

    title: str
    url: str
    text: str


def fetch_figures(queries: dict) -> dict[str, Any]:
    """The values of ``queries`` (name → scalar subquery), in one ``SELECT`` through Core; none if empty."""
    if not queries:
        return {}
    names = list(queries)
    row = db.session.execute(select(*(queries[name].label(f"f{i}") for i, name in enumerate(names)))).one()
    return dict(zip(names, row, strict=True))


def _feature(module) -> str:
    return module.__name__.rsplit(".", 2)[-2]


def feature_figures(user) -> dict:
    """Every feature's ``home_figures(user)``, keyed ``"<feature>.<name>"``."""
    from ..features import feature_modules

    queries: dict = {}
    for module in feature_modules("tiles"):
        feature = _feature(module)
        queries.update({f"{feature}.{name}": query for name, query in module.home_figures(user).items()})
    return queries


def feature_tiles(user, figures: dict | None = None) -> list[Tile]:
    """The tiles of every feature's ``home_tiles(user, figures)``, in FEATURES order.

    ``figures`` holds the values of ``feature_figures(user)`` (other keys are ignored); fetched if not given.
    """
    from ..features import feature_modules

    if figures is None:
        figures = fetch_figures(feature_figures(user))
    tiles: list[Tile] = []
    for module in feature_modules("tiles"):
        prefix = _feature(module) + "."
        own = {key[len(prefix):]: value for key, value in figures.items() if key.startswith(prefix)}
        tiles.extend(module.home_tiles(user, own))
    return tiles


def home_figures(user) -> dict:
    """The company users' count for an operator_admin."""
    if user.role != "operator_admin" or user.operator_id is None:
        return {}
    return {
        "users": select(func.count()).select_from(User).where(User.operator_id == user.operator_id).scalar_subquery()
    }


def home_tiles(user, figures: dict | None = None) -> list[Tile]:
    """Company data for operators; company users for an operator_admin."""
    if user.operator_id is None:
        return []
    if figures is None:
        figures = fetch_figures(home_figures(user))
    tiles = [
        Tile(gettext("Dati anagrafici"), url_for("operators.profile"), gettext("I dati tuoi e della tua azienda."))
    ]
    if user.role == "operator_admin":
        tiles.append(Tile(gettext("Utenti aziendali"), url_for("operators.company_users"),
                          ngettext("%(num)d utente", "%(num)d utenti", figures["users"])))
    return tiles

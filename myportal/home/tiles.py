"""The home page's tiles: what every feature's ``myportal/<feature>/tiles.py`` contributes, fetched together.

A tiles module has up to three functions:

* ``home_figures(role, has_operator) -> dict[str, ScalarSelect]``: the scalar subqueries of the figures its
  tiles show to a user of that role, with or without an operator. They are built once per shape (cached, so
  shared: never changed by callers) and take their values from bind parameters: ``:operator_id``
  (``OPERATOR_ID``, or ``operator_id_param``) and the module's own;
* ``home_figure_params(user) -> dict`` (optional): the values of the module's own bind parameters
  (today's date, the current month...), named after the module so that they never clash;
* ``home_tiles(user, figures=None) -> list[Tile]``: the tiles formatted from those figures' values.

The home page runs every module's subqueries together in ONE ``SELECT`` (``fetch_figures``), a statement
built once per shape so that SQLAlchemy's compiled cache serves it; ``home_tiles(user)`` without figures
runs the module's own in one statement.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, null, select

from ..extensions import db
from ..features import feature_modules

OPERATOR_ID = bindparam("operator_id")


@dataclass(frozen=True)
class Tile:
    """One tile: a title, the page it opens and a line of text (often a live figure)."""

    title: str
    url: str
    text: str


def figure_shape(user) -> tuple[str, bool]:
    """What the figures' statements depend on: the role and whether the user belongs to an operator."""
    return user.role, user.operator_id is not None


def operator_id_param(has_operator: bool):
    """The operator id in a figure's subquery: the ``:operator_id`` bind parameter, ``NULL`` without one."""
    return OPERATOR_ID if has_operator else null()


def figure_params(user, *own_params) -> dict:
    """The bind parameters' values for ``user``: the operator id and those of every ``own_params(user)``."""
    params = {"operator_id": user.operator_id}
    for params_of in own_params:
        params.update(params_of(user))
    return params


def figures_statement(queries: dict):
    """One ``SELECT`` of ``queries``' scalar subqueries (name → subquery), labelled in order."""
    return select(*(query.label(f"f{i}") for i, query in enumerate(queries.values())))


def fetch_figures(queries: dict, params: dict, statement=None) -> dict[str, Any]:
    """The values of ``queries`` (name → scalar subquery), in one ``SELECT`` through Core; none if empty.

    ``statement`` is ``figures_statement(queries)`` when already built (and cached) by the caller.
    """
    if not queries:
        return {}
    row = db.session.execute(figures_statement(queries) if statement is None else statement, params).one()
    return dict(zip(queries, row, strict=True))


@cache
def tile_modules() -> tuple:
    """``(feature, module)`` of every feature's tiles module, in FEATURES order."""
    return tuple((module.__name__.rsplit(".", 2)[-2], module) for module in feature_modules("tiles"))


def feature_figures(role: str, has_operator: bool) -> dict:
    """Every feature's ``home_figures(role, has_operator)``, keyed ``"<feature>.<name>"``."""
    queries: dict = {}
    for feature, module in tile_modules():
        queries.update({f"{feature}.{name}": query for name, query in module.home_figures(role, has_operator).items()})
    return queries


def feature_params(user) -> dict:
    """The bind parameters' values of every feature's figures for ``user``."""
    return figure_params(
        user, *(module.home_figure_params for _, module in tile_modules() if hasattr(module, "home_figure_params"))
    )


def feature_tiles(user, figures: dict | None = None) -> list[Tile]:
    """The tiles of every feature's ``home_tiles(user, figures)``, in FEATURES order.

    ``figures`` holds the values of ``feature_figures`` for ``user`` (other keys are ignored); fetched if not given.
    """
    if figures is None:
        figures = fetch_figures(feature_figures(*figure_shape(user)), feature_params(user))
    tiles: list[Tile] = []
    for feature, module in tile_modules():
        prefix = feature + "."
        own = {key[len(prefix) :]: value for key, value in figures.items() if key.startswith(prefix)}
        tiles.extend(module.home_tiles(user, own))
    return tiles

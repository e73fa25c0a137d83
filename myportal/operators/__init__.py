"""Operators, their users, the home page and the company's data."""

from flask import Blueprint

bp = Blueprint("operators", __name__)

from . import views  # noqa: E402,F401

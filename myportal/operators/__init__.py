"""Operators, their users, the home page and the company's data."""

from flask import Blueprint

bp = Blueprint("operators", __name__)

"""Tickets: requests from operators, answered by support staff."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

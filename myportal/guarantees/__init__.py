"""Financial guarantees and the coverage of an operator's exposure."""

from flask import Blueprint

bp = Blueprint("guarantees", __name__)

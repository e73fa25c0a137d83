"""Content: news, documents (the operator's own and the generic library), FAQ and contacts."""

from flask import Blueprint

bp = Blueprint("content", __name__)

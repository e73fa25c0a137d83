"""Terna-side back office: registration queue, users, audit log, outbox."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

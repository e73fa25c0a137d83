"""Terna-side back office: registration queue, users, audit log, outbox."""

from flask import Blueprint

from ..security.access import ADMIN, guard_blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard_blueprint(bp, ADMIN)

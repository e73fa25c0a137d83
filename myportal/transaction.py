"""One commit per request: committed after the view unless it failed or asked to discard its changes."""

import logging

from flask import Flask, g

from .extensions import db
from .notifications.services import deliver_pending, drop_pending

log = logging.getLogger(__name__)


def discard_changes() -> None:
    """Throw away what this request wrote so far, and commit nothing at its end."""
    db.session.rollback()
    drop_pending()
    g.discard_changes = True


def commit() -> None:
    """Commit the session, then send the e-mails queued while it was open."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        drop_pending()
        raise
    deliver_pending()


def init_app(app: Flask) -> None:
    @app.after_request
    def _finish(response):
        if g.pop("discard_changes", False) or response.status_code >= 500:
            db.session.rollback()
            drop_pending()
        else:
            commit()
        return response

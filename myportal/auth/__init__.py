"""Log-in (password, then the TOTP second factor), log-out, account activation, password reset and change."""

from flask import Blueprint, current_app

bp = Blueprint("auth", __name__)


def login_limit() -> str:
    """The rate limit of every log-in step (password and second factor): ``LOGIN_RATE_LIMIT``."""
    return current_app.config["LOGIN_RATE_LIMIT"]

"""Log-in (password, then the TOTP second factor), log-out, account activation, password reset and change."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

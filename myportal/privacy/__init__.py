"""Privacy and accessibility: the legal pages, acknowledgements of the privacy notice, the download of one's
data, account closure and the retention of log-in history and audit entries."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

"""EIC (Energy Identification Code) requests and the issued-code register."""

from flask import Blueprint

bp = Blueprint("eic", __name__)

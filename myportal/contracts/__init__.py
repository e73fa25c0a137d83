"""Supply points, contracts with their technical and contract data, measurements and self-readings."""

from flask import Blueprint

bp = Blueprint("contracts", __name__)

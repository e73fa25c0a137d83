"""Auctions and competitive procedures, and operators' enrolments."""

from flask import Blueprint

bp = Blueprint("auctions", __name__)

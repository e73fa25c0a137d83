"""Invoices, their PDFs and exports, and billed withdrawals."""

from flask import Blueprint

bp = Blueprint("invoicing", __name__)

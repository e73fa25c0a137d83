"""Invoices, PDFs, exports and billed withdrawals."""

from . import bp  # noqa: F401

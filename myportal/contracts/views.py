"""Supply-point selector, contracts, technical and contract data, measurements, self-readings."""

from flask import abort, flash, redirect, request, url_for

from ..security.access import operator_required
from . import bp
from .selection import choose_supply_point


@bp.route("/punto-fornitura", methods=["POST"])
@operator_required
def choose():
    point = choose_supply_point(request.form.get("supply_point_id", type=int) or 0)
    if point is None:
        abort(404)
    flash(f"Punto di fornitura selezionato: {point.pod}.", "info")
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("operators.home")
    return redirect(target)

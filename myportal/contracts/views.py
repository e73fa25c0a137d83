"""Supply-point selector, contracts, technical and contract data, measurements, self-readings."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms import form_values, refusals
from ..pages import paginate
from ..security.access import get_owned_or_404
from ..security.input_guard import is_valid_id
from ..security.redirects import is_local_path
from . import bp
from .exports import measurements_csv, measurements_xlsx
from .forms import MeasurementFilterForm, SelfReadingForm
from .models import CONTRACT_STATES, Contract, SupplyPoint
from .selection import choose_supply_point, current_supply_point
from .services import (
    REMOTE_READING_MESSAGE,
    PeriodError,
    check_period,
    contract_list,
    contracts_of,
    kwh,
    measurement_day,
    measurement_totals,
    reading_list,
    record_self_reading,
    shown_rows,
    supply_point_list,
)


@bp.context_processor
def _helpers():
    return {"kwh": kwh}


@bp.route("/punto-fornitura", methods=["POST"])
def choose():
    supply_point_id = request.form.get("supply_point_id", type=int) or 0
    if not is_valid_id(supply_point_id):
        abort(404)
    point = choose_supply_point(supply_point_id)
    if point is None:
        get_owned_or_404(SupplyPoint, supply_point_id)  # another operator's: audited, 404
        abort(404)
    flash(f"Punto di fornitura selezionato: {point.pod}.", "info")
    target = request.form.get("next", "")
    if not is_local_path(target):
        target = url_for("operators.home")
    return redirect(target)


# --- supply points and contracts ---------------------------------------------------------------------------


@bp.route("/punti-fornitura")
def supply_points():
    page = paginate(supply_point_list(current_user.operator_id))
    return render_template("contracts/supply_points.html", page=page)


@bp.route("/punti-fornitura/<int:supply_point_id>")
def supply_point(supply_point_id: int):
    point = get_owned_or_404(SupplyPoint, supply_point_id)
    return render_template("contracts/supply_point.html", point=point, contracts=contracts_of(point))


@bp.route("/contratti")
def contracts():
    state = request.args.get("state", "")
    if state not in CONTRACT_STATES:
        state = ""
    page = paginate(contract_list(current_user.operator_id, state or None))
    return render_template("contracts/contracts.html", page=page, state=state, states=CONTRACT_STATES)


@bp.route("/contratti/<int:contract_id>")
def contract(contract_id: int):
    return render_template("contracts/contract.html", contract=get_owned_or_404(Contract, contract_id))


@bp.route("/dati-tecnici")
def technical_data():
    return render_template("contracts/technical_data.html", point=current_supply_point())


@bp.route("/dati-contrattuali")
def contract_data():
    point = current_supply_point()
    return render_template("contracts/contract_data.html", point=point, contracts=contracts_of(point) if point else [])


# --- measurements ------------------------------------------------------------------------------------------


def _period(form: MeasurementFilterForm):
    """The period the form asks for, or None with the errors set on the form's fields."""
    if not form.validate():
        return None
    try:
        period = check_period(form.date_from.data, form.date_to.data)
    except PeriodError as error:
        for name, message in error.errors.items():
            form[name].errors.append(message)
        return None
    form.date_from.data, form.date_to.data = period.first, period.last
    return period


def _render_measurements(form, point, period=None, totals=None, day=None):
    return render_template(
        "contracts/measurements.html",
        form=form,
        point=point,
        period=period,
        totals=totals,
        day=day,
        rows=shown_rows(day.items) if day is not None else [],
    )


@bp.route("/misure")
def measurements():
    return _measurements()


def _measurements(download=None):
    """The measurements page of the filter's period; with ``download`` (the CSV or XLSX builder), the file of
    that period instead, once there are measurements to put in it."""
    form = MeasurementFilterForm(request.args)
    point = current_supply_point()
    if point is None:
        return _render_measurements(form, None)
    period = _period(form)
    if period is None:
        return _render_measurements(form, point)
    totals = measurement_totals(point, period)
    if not totals.count:
        return _render_measurements(form, point, period, totals)
    if download is not None:
        return download(point, period)
    day = measurement_day(point, period, request.args.get("page", totals.first_page(period), type=int))
    return _render_measurements(form, point, period, totals, day)


@bp.route("/misure/csv")
def measurements_csv_download():
    return _measurements(measurements_csv)


@bp.route("/misure/xlsx")
def measurements_xlsx_download():
    return _measurements(measurements_xlsx)


# --- self-reading ------------------------------------------------------------------------------------------


@bp.route("/autolettura", methods=["GET", "POST"])
def self_reading():
    point = current_supply_point()
    form = None
    if point is not None and not point.remotely_read:
        form = SelfReadingForm(supply_point=point)
        if form.validate_on_submit():
            data = form_values(form)
            with refusals(form) as outcome:
                record_self_reading(point, current_user._get_current_object(), **data)
            if not outcome.refused:
                flash(
                    f"Autolettura del {data['reading_date']:%d/%m/%Y} registrata per il punto {point.pod}.", "success"
                )
                return redirect(url_for("contracts.self_reading"))
    page = paginate(reading_list(point)) if point is not None else None
    return render_template(
        "contracts/self_reading.html",
        point=point,
        form=form,
        page=page,
        remote_message=REMOTE_READING_MESSAGE,
    )

"""Views of GSTAT: the operator's plants and reports (/gstat), the administrators' pages (/admin/gstat)."""

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import dates
from ..downloads import CSV, send_download
from ..formatting import ITALIAN, month_name
from ..forms import ActionForm, form_values, refusals
from ..pages import acting_user, paginate
from ..security.access import admin_required, get_owned_or_404, operator_required
from . import bp
from .calendar import deadline, is_late, last_ended_month, month_ended, recent_months
from .forms import MonthForm, PlantForm, ReportForm, UploadForm
from .models import FUEL_UNITS, SOURCES, MonthlyReport, Plant
from .services import (
    all_plants,
    annual_summary,
    correct_report,
    current_report,
    first_submissions,
    missing_or_late,
    month_export,
    operator_plants,
    overview,
    record_plant,
    report_history,
    save_report,
)
from .upload import CSV_HEADER, template_csv, upload_max_bytes, upload_reports

# --- operator's side ------------------------------------------------------------------------------


@bp.route("/gstat")
@operator_required
def index():
    months = recent_months()
    page = paginate(operator_plants(current_user.operator_id))
    return render_template(
        "gstat/index.html",
        page=page,
        months=months,
        cells=overview(page.items, months),
        deadline=deadline(*months[0]),
        sources=SOURCES,
    )


def _render_report(plant, year, month, form, report, history):
    return render_template(
        "gstat/report.html",
        plant=plant,
        year=year,
        month=month,
        form=form,
        report=report,
        history=history,
        deadline=deadline(year, month),
        ended=month_ended(year, month, dates.today()),
        late=is_late(year, month, _first_submitted(history)),
        action_form=ActionForm(formdata=None),
        fuel_units=FUEL_UNITS,
    )


def _initial(existing) -> dict:
    """The stored figures shown in the form, with decimal commas."""
    if existing is None:
        return {}
    names = (
        "gross_production_mwh",
        "net_production_mwh",
        "auxiliary_consumption_mwh",
        "pumping_consumption_mwh",
        "fuel_type",
        "fuel_quantity",
    )
    data = {name: getattr(existing, name) for name in names}
    return {name: str(value).replace(".", ",") if value is not None else "" for name, value in data.items()}


def _first_submitted(history):
    times = [report.submitted_at for report in history if report.submitted_at is not None]
    return min(times) if times else None


@bp.route("/gstat/impianti/<int:plant_id>/<int:year>/<int:month>", methods=["GET", "POST"])
@operator_required
def report(plant_id, year, month):
    plant = get_owned_or_404(Plant, plant_id)
    if not (1 <= month <= 12 and dates.year_in_range(year)):
        abort(404)
    existing = current_report(plant, year, month)
    if request.method == "GET":
        form = ReportForm(formdata=None, data=_initial(existing), plant=plant)
        return _render_report(plant, year, month, form, existing, report_history(plant, year, month))
    form = ReportForm(plant=plant)
    if form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        with refusals(form) as outcome:
            saved = save_report(plant, year, month, form.raw(), acting_user(), submit=submit)
        if not outcome.refused:
            if submit:
                flash(
                    f"Report di {month_name(month, ITALIAN)} {year} per {plant.gaudi_code} inviato (revisione "
                    f"{saved.revision}): ora è bloccato.",
                    "success",
                )
            else:
                flash(f"Bozza di {month_name(month, ITALIAN)} {year} per {plant.gaudi_code} salvata.", "success")
            return redirect(url_for("gstat.report", plant_id=plant.id, year=year, month=month))
    return _render_report(plant, year, month, form, existing, report_history(plant, year, month))


@bp.route("/gstat/report/<int:report_id>/rettifica", methods=["POST"])
@operator_required
def correct(report_id):
    monthly = get_owned_or_404(MonthlyReport, report_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusals(category="warning") as outcome:
        copy = correct_report(monthly, acting_user())
    if not outcome.refused:
        flash(f"Rettifica avviata: revisione {copy.revision} in bozza. Correggi i dati e inviala.", "success")
    return redirect(url_for("gstat.report", plant_id=monthly.plant_id, year=monthly.year, month=monthly.month))


@bp.route("/gstat/carica", methods=["GET", "POST"])
@operator_required
def upload():
    form = UploadForm()
    result = None
    if form.validate_on_submit():
        storage = form.file.data
        data = storage.read(upload_max_bytes() + 1)
        with refusals(form) as outcome:
            result = upload_reports(acting_user(), data, submit=form.submit_now.data, filename=storage.filename[:200])
        if not outcome.refused:
            what = "inviati" if result.submitted else "salvati in bozza"
            flash(
                f"File caricato: {result.rows} report {what} ({result.inserted} nuovi, {result.updated} "
                f"bozze aggiornate, {result.corrected} rettifiche).",
                "success",
            )
            return redirect(url_for("gstat.index"))
        result = getattr(outcome.error, "result", None)
    return render_template(
        "gstat/upload.html",
        form=form,
        result=result,
        header=";".join(CSV_HEADER),
        limit_mb=upload_max_bytes() // (1024 * 1024),
        fuel_units=FUEL_UNITS,
    )


@bp.route("/gstat/modello.csv")
@operator_required
def template():
    return send_download(template_csv(current_user.operator_id), CSV, "gstat-modello.csv")


@bp.route("/gstat/riepilogo")
@operator_required
def summary_current():
    return redirect(url_for("gstat.summary", year=last_ended_month()[0]))


@bp.route("/gstat/riepilogo/<int:year>")
@operator_required
def summary(year):
    if not dates.year_in_range(year):
        abort(404)
    rows = annual_summary(current_user.operator_id, year)
    totals = {
        name: sum((getattr(row, name) for row in rows), 0)
        for name in (
            "gross_production_mwh",
            "net_production_mwh",
            "auxiliary_consumption_mwh",
            "pumping_consumption_mwh",
        )
    }
    return render_template("gstat/summary.html", rows=rows, year=year, totals=totals, sources=SOURCES)


# --- administrators' side -------------------------------------------------------------------------


@bp.route("/admin/gstat")
@admin_required
def admin_missing():
    """The month asked for (the last ended month by default, or when the one asked for is wrong: then the
    form says why)."""
    year, month = last_ended_month()
    form = MonthForm(request.args, data={"year": year, "month": str(month)})
    if request.args:
        year, month = form.chosen() or (year, month)
    page = paginate(missing_or_late(year, month))
    firsts = first_submissions([plant.id for plant in page.items], [(year, month)])
    return render_template(
        "gstat/admin_missing.html",
        page=page,
        year=year,
        month=month,
        form=form,
        firsts=firsts,
        deadline=deadline(year, month),
    )


@bp.route("/admin/gstat/esporta/<int:year>/<int:month>.csv")
@admin_required
def admin_export(year, month):
    if not (1 <= month <= 12 and dates.year_in_range(year)):
        abort(404)
    return send_download(month_export(year, month), CSV, f"gstat-{year}-{month:02d}.csv")


@bp.route("/admin/gstat/impianti", methods=["GET", "POST"])
@admin_required
def admin_plants():
    form = PlantForm()
    if form.validate_on_submit():
        with refusals(form) as outcome:
            plant = record_plant(acting_user(), **form_values(form, capacity_mw=Decimal(form.capacity_mw.data)))
        if not outcome.refused:
            flash(f"Impianto {plant.gaudi_code} registrato per {plant.operator.name}.", "success")
            return redirect(url_for("gstat.admin_plants"))
    return render_template("gstat/admin_plants.html", form=form, page=paginate(all_plants()), sources=SOURCES)

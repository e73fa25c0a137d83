"""Elenco fatture (list, detail, PDF, CSV, ZIP of PDFs) and Prelievi fatturati."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask_login import current_user

from .. import dates
from ..contracts.selection import current_supply_point, operator_supply_points
from ..extensions import db
from ..formatting import month_names
from ..forms import refusals
from ..pages import MAX_PAGE, csv_download
from ..security.access import get_owned_or_404, operator_required
from . import bp
from .charts import bar_chart
from .exports import invoices_csv, invoices_zip
from .forms import ALL, VIEWS, ArchiveForm, InvoiceFilterForm, WithdrawalsForm
from .models import Invoice
from .pdf import Issuer, stored_invoice_pdf
from .services import (
    archive_invoices,
    invoice_list_query,
    invoice_page,
    invoice_totals,
    invoice_years,
    monthly_withdrawals,
    summarize_withdrawals,
    yearly_withdrawals,
)

CSV_FETCH_ROWS = 500


def _issuer() -> Issuer:
    """The issuer printed on the PDFs: ``INVOICE_ISSUER`` (a mapping of Issuer's fields) in the config."""
    return Issuer(**current_app.config.get("INVOICE_ISSUER", {}))


def _default_point() -> str:
    """The supply point chosen in the header, or every one when the operator has none."""
    point = current_supply_point()
    return str(point.id) if point is not None else ALL


def _filter_form() -> InvoiceFilterForm:
    form = InvoiceFilterForm(
        request.args,
        years=invoice_years(current_user.operator_id),
        supply_points=operator_supply_points(),
        default_point=_default_point(),
    )
    form.clean()
    return form


@bp.route("/fatture")
@operator_required
def invoices():
    form = _filter_form()
    filters = form.filters()
    totals = invoice_totals(current_user.operator_id, filters)
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = invoice_page(current_user.operator_id, filters, number, current_app.config["PAGE_SIZE"], totals.count)
    return render_template(
        "invoicing/list.html",
        form=form,
        page=page,
        args=form.args(),
        totals=totals,
        points={point.id: point for point in operator_supply_points()},
    )


@bp.route("/fatture/<int:invoice_id>")
@operator_required
def invoice(invoice_id: int):
    invoice = get_owned_or_404(Invoice, invoice_id)
    return render_template("invoicing/detail.html", invoice=invoice)


@bp.route("/fatture/<int:invoice_id>/pdf")
@operator_required
def invoice_pdf_file(invoice_id: int):
    invoice = get_owned_or_404(Invoice, invoice_id)
    directory = Path(current_app.config.get("INVOICE_PDF_DIR") or Path(current_app.instance_path) / "invoice-pdf")
    content = stored_invoice_pdf(directory, invoice, current_user.operator, _issuer())
    return send_file(
        BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=invoice.pdf_filename
    )


@bp.route("/fatture/export.csv")
@operator_required
def export_csv():
    form = _filter_form()
    statement = invoice_list_query(current_user.operator_id, form.filters())
    pods = {point.id: point.pod for point in operator_supply_points()}

    def rows():
        invoices = db.session.scalars(statement.execution_options(yield_per=CSV_FETCH_ROWS))
        yield from invoices_csv(invoices, pods)

    name = "fatture" + (f"-{form.year.data}" if form.year.data else "") + ".csv"
    return csv_download(rows(), name)


def _archive_page(form: ArchiveForm):
    return render_template("invoicing/archive.html", form=form)


@bp.route("/fatture/archivio")
@operator_required
def archive():
    today = dates.today()
    start = dates.add_months(today, -12)
    return _archive_page(ArchiveForm(da=f"{start:%Y-%m}", a=f"{today:%Y-%m}"))


@bp.route("/fatture/archivio.zip")
@operator_required
def archive_zip():
    form = ArchiveForm(request.args)
    if not form.validate():
        return _archive_page(form)
    with refusals(form) as outcome:
        invoices = archive_invoices(current_user.operator_id, form.da.month, form.a.month)
    if outcome.refused:
        return _archive_page(form)
    spool = invoices_zip(invoices, current_user.operator, _issuer())
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"fatture-{form.da.data}-{form.a.data}.zip",
    )


@bp.route("/prelievi-fatturati")
@operator_required
def withdrawals():
    operator_id = current_user.operator_id
    form = WithdrawalsForm(
        request.args,
        years=invoice_years(operator_id),
        supply_points=operator_supply_points(),
        default_point=_default_point(),
    )
    form.clean()
    year = int(form.year.data)
    months = monthly_withdrawals(operator_id, year, form.supply_point_id)
    return render_template(
        "invoicing/withdrawals.html",
        form=form,
        year=year,
        months=months,
        views=VIEWS,
        month_names=month_names(),
        summary=summarize_withdrawals(months),
        years=yearly_withdrawals(operator_id, form.supply_point_id),
        energy_chart=bar_chart([month.energy_kwh for month in months]),
        power_chart=bar_chart([month.max_power_kw for month in months]),
    )

"""An invoice's PDF is drawn once per content version: a second download reads the stored bytes."""

from sqlalchemy import update

from myportal.extensions import db
from myportal.invoicing import pdf
from myportal.invoicing.models import Invoice
from tests.conftest import login
from tests.ops.test_query_counts import _add_data


def test_the_pdf_is_drawn_once_and_again_when_the_invoice_changes(
    app, client, dbs, make_user, login_as, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "INVOICE_PDF_DIR", str(tmp_path))
    drawn = []
    draw = pdf.invoice_pdf
    monkeypatch.setattr(pdf, "invoice_pdf", lambda *args: drawn.append(args[0].id) or draw(*args))
    user = make_user(role="operator_admin")
    _add_data(dbs, user.operator_id, points=1, invoices=2, days=1, start=9300)
    login_as(user)
    invoice_id = dbs.scalar(db.select(Invoice.id).where(Invoice.operator_id == user.operator_id).limit(1))
    first = client.get(f"/fatture/{invoice_id}/pdf")
    second = client.get(f"/fatture/{invoice_id}/pdf")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.data.startswith(b"%PDF")
    assert drawn == [invoice_id]
    with dbs.session() as session:
        session.execute(update(Invoice).where(Invoice.id == invoice_id).values(paid=True))
    paid = client.get(f"/fatture/{invoice_id}/pdf")
    assert drawn == [invoice_id, invoice_id]
    assert paid.data != first.data
    assert [path.name.split("-")[0] for path in tmp_path.iterdir()] == [str(invoice_id)]  # the old one went


def test_another_operators_invoice_stays_404_when_its_pdf_is_stored(
    app, client, dbs, make_user, login_as, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "INVOICE_PDF_DIR", str(tmp_path))
    owner, other = make_user(role="operator_admin"), make_user(role="operator_admin")
    _add_data(dbs, owner.operator_id, points=1, invoices=1, days=1, start=9400)
    invoice_id = dbs.scalar(db.select(Invoice.id).where(Invoice.operator_id == owner.operator_id).limit(1))
    login_as(owner)
    assert client.get(f"/fatture/{invoice_id}/pdf").status_code == 200
    theirs = app.test_client()
    assert login(theirs, other.username).status_code == 302
    assert theirs.get(f"/fatture/{invoice_id}/pdf").status_code == 404

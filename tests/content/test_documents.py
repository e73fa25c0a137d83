"""The generic library, I miei documenti and downloads, with operator isolation."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from myportal.content.models import Document
from myportal.extensions import db
from myportal.security.models import AuditEvent
from tests.conftest import page_text
from tests.content import PDF_BYTES, add_document

CATEGORIES = ["modulistica", "normative", "comunicati", "informazioni", "storico"]


@pytest.mark.parametrize("url", ["/documenti", "/documenti/modulistica", "/documenti/1/scarica", "/i-miei-documenti"])
def test_library_and_documents_require_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accedi" in response.headers["Location"]


def test_library_lists_all_five_categories(client, dbs, login_as, make_user):
    for category in CATEGORIES:
        add_document(dbs, category=category, title=f"Documento di {category}")
    login_as(make_user(role="operator"))
    page = page_text(client.get("/documenti"))
    assert "Documentazione Generica" in page
    for label in ["Modulistica", "Normative", "Comunicati", "Informazioni", "Storico"]:
        assert label in page
    for category in CATEGORIES:
        assert f"Documento di {category}" in page


def test_category_filter_and_empty_state(client, dbs, login_as, make_user, make_operator):
    add_document(dbs, category="normative", title="Regole di dispacciamento")
    add_document(dbs, category="comunicati", title="Calendario aste")
    add_document(dbs, category="personale", operator=make_operator(), title="Documento riservato")
    login_as(make_user(role="support"))
    page = page_text(client.get("/documenti/normative"))
    assert "Regole di dispacciamento" in page and "Calendario aste" not in page
    assert 'aria-current="page">Normative' in page
    empty = client.get("/documenti/storico")
    assert empty.status_code == 200
    assert "Nessun documento in questa categoria" in page_text(empty)
    assert "Documento riservato" not in page_text(client.get("/documenti"))


@pytest.mark.parametrize("category", ["personale", "segreti", "Modulistica"])
def test_unknown_category_is_404(client, login_as, make_user, category):
    login_as(make_user(role="operator"))
    assert client.get(f"/documenti/{category}").status_code == 404


def test_library_download_headers(client, dbs, login_as, make_user):
    document = add_document(dbs, category="modulistica", filename="modulo-richiesta.pdf")
    login_as(make_user(role="operator"))
    response = client.get(f"/documenti/{document.id}/scarica")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=modulo-richiesta.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_missing_document_is_404(client, login_as, make_user):
    login_as(make_user(role="operator"))
    assert client.get("/documenti/999999/scarica").status_code == 404


def test_my_documents_shows_only_own_documents(client, dbs, login_as, make_user, make_operator):
    mine, other = make_operator(), make_operator()
    add_document(dbs, category="personale", operator=mine, title="Contratto di dispacciamento firmato")
    add_document(dbs, category="personale", operator=other, title="Fattura di un altro operatore")
    add_document(dbs, category="modulistica", title="Modulo per tutti")
    login_as(make_user(role="operator_admin", operator=mine))
    page = page_text(client.get("/i-miei-documenti"))
    assert "Contratto di dispacciamento firmato" in page
    assert "Fattura di un altro operatore" not in page
    assert "Modulo per tutti" not in page
    assert mine.name in page


def test_my_documents_empty_state(client, login_as, make_user):
    login_as(make_user(role="operator"))
    assert "Nessun documento disponibile" in page_text(client.get("/i-miei-documenti"))


@pytest.mark.parametrize("role", ["admin", "support"])
def test_my_documents_is_for_operators_only(client, login_as, make_user, role):
    login_as(make_user(role=role))
    assert client.get("/i-miei-documenti").status_code == 403


def test_own_personal_document_downloads(client, dbs, login_as, make_user):
    user = make_user(role="operator")
    document = add_document(
        dbs,
        category="personale",
        operator=user.operator_id,
        filename="riepilogo.csv",
        content_type="text/csv; charset=utf-8",
        data=b"Mese;Energia\nGennaio;1.234,5\n",
    )
    login_as(user)
    response = client.get(f"/documenti/{document.id}/scarica")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=riepilogo.csv"
    assert response.get_data(as_text=True).startswith("Mese;Energia")


def test_other_operators_personal_document_is_404_and_audited(client, dbs, login_as, make_user, make_operator):
    owner = make_operator()
    document = add_document(dbs, category="personale", operator=owner, title="Riservato")
    intruder = make_user(role="operator")
    login_as(intruder)
    response = client.get(f"/documenti/{document.id}/scarica")
    assert response.status_code == 404
    assert b"%PDF" not in response.data
    event = dbs.scalar(select(AuditEvent).where(AuditEvent.event == "access.cross_operator"))
    assert event is not None
    assert (event.user_id, event.object_type, event.object_id) == (intruder.id, "Document", str(document.id))
    assert event.operator_id == intruder.operator_id
    assert event.details["owner_operator_id"] == owner.id


def test_staff_cannot_download_personal_documents(client, dbs, login_as, make_user, make_operator):
    document = add_document(dbs, category="personale", operator=make_operator())
    login_as(make_user(role="support"))
    assert client.get(f"/documenti/{document.id}/scarica").status_code == 404


def test_database_keeps_personal_and_library_documents_apart(app, make_operator):
    operator = make_operator()
    with app.app_context():
        for category, operator_id in [("modulistica", operator.id), ("personale", None)]:
            db.session.add(
                Document(
                    title="x",
                    category=category,
                    operator_id=operator_id,
                    filename="x.pdf",
                    content_type="application/pdf",
                    size=1,
                    data=b"x",
                )
            )
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()

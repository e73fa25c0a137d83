"""Operators' side of auctions: the lists, enrolment and its refusals, withdrawal, isolation, tiles."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from myportal.auctions.models import Enrolment, EnrolmentDocument
from myportal.auctions.services import MAX_DOCUMENT_BYTES
from myportal.extensions import db
from myportal.security.models import AuditEvent
from tests.auctions import PDF, add_auction, add_enrolment, enrol_data
from tests.conftest import counting_queries, csrf_from, field_error, login_admin, make_admin, page_text, submit
from tests.guarantees import add_exposure, add_guarantee


@pytest.fixture
def operator(make_operator):
    return make_operator(name="Sarda Accumuli S.r.l.")


@pytest.fixture
def operator_user(make_user, operator):
    return make_user(operator=operator, username="giulia.serra", email="giulia.serra@sarda.example")


def test_pages_need_an_operator(app, client, make_user):
    assert client.get("/aste").status_code == 302
    login_admin(client, make_admin(app, make_user))
    assert client.get("/aste").status_code == 403


def test_lists_open_upcoming_and_closed(client, dbs, operator, operator_user, login_as):
    open_one = add_auction(dbs, title="Asta aperta di prova")
    add_auction(dbs, window="upcoming", title="Asta futura di prova")
    closed = add_auction(dbs, window="closed", title="Asta chiusa di prova")
    hidden = add_auction(dbs, title="Bozza non pubblicata", published=False, published_at=None)
    add_enrolment(dbs, closed, operator, operator_user, state="approvata")
    login_as(operator_user)
    page = page_text(client.get("/aste"))
    opened, upcoming, past = page.index("<h2>Aperte"), page.index("<h2>Prossime"), page.index("<h2>Chiuse")
    assert opened < page.index("Asta aperta di prova") < upcoming < page.index("Asta futura di prova") < past
    assert past < page.index("Asta chiusa di prova")
    assert "Approvata" in page and "Bozza non pubblicata" not in page
    assert client.get(f"/aste/{hidden.id}").status_code == 404
    detail = page_text(client.get(f"/aste/{open_one.id}"))
    assert "Accetto il regolamento della procedura." in detail and "Visura camerale" in detail
    assert "Iscriviti" in detail


def test_empty_states(client, operator_user, login_as):
    login_as(operator_user)
    page = page_text(client.get("/aste"))
    assert "Nessuna procedura con iscrizioni aperte." in page
    assert "Nessuna procedura di prossima apertura." in page and "Nessuna procedura chiusa." in page


def test_enrol_with_declarations_and_documents(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs)
    login_as(operator_user)
    url = f"/aste/{auction.id}/iscrizione"
    response = submit(client, url, enrol_data(), follow_redirects=True)
    page = page_text(response)
    assert f"Iscrizione alla procedura {auction.code} inviata" in page and "Inviata" in page
    enrolment = dbs.scalar(select(Enrolment).where(Enrolment.operator_id == operator.id))
    assert enrolment.state == "inviata" and enrolment.user_id == operator_user.id
    document = dbs.scalar(select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == enrolment.id))
    assert document.filename == "visura.pdf" and document.size == len(PDF)
    assert dbs.count(AuditEvent, AuditEvent.event == "auction.enrolled") == 1
    download = client.get(f"/aste/documenti/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "no-store" in download.headers["Cache-Control"]
    by_id = page_text(client.get(f"/aste/iscrizioni/{enrolment.id}"))
    assert auction.title in by_id and "Inviata" in by_id
    # Enrolled already: the form sends back to the procedure.
    again = client.get(url, follow_redirects=True)
    assert "Risulti già iscritto" in page_text(again)


def test_double_submit_makes_one_enrolment(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs)
    login_as(operator_user)
    url = f"/aste/{auction.id}/iscrizione"
    token = csrf_from(client.get(url).get_data(as_text=True))
    first = client.post(url, data={"csrf_token": token, **enrol_data()})
    second = client.post(url, data={"csrf_token": token, **enrol_data()}, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "Risulti già iscritto a questa procedura" in page_text(second)
    assert dbs.count(Enrolment, Enrolment.auction_id == auction.id) == 1
    assert dbs.count(EnrolmentDocument) == 1


def test_database_refuses_a_second_enrolment(app, dbs, operator, operator_user):
    auction = add_auction(dbs)
    add_enrolment(dbs, auction, operator, operator_user)
    with app.app_context():
        db.session.add(Enrolment(auction_id=auction.id, operator_id=operator.id, state="inviata"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert dbs.count(Enrolment) == 1


BIG = b"%PDF-1.4\n" + b"0" * MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"declaration_0": None}, "declaration_0", "devi accettare la dichiarazione"),
        ({"declaration_1": None}, "declaration_1", "devi accettare la dichiarazione"),
        ({"document_0": None}, "document_0", "Allega il documento"),
        ({"document_0": (io.BytesIO(b""), "")}, "document_0", "Allega il documento"),
        ({"document_0": (io.BytesIO(PDF), "visura.docx")}, "document_0", "solo file PDF"),
        ({"document_0": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "visura.pdf")}, "document_0", "non è un PDF"),
        ({"document_0": (io.BytesIO(b""), "vuoto.pdf")}, "document_0", "vuoto"),
        ({"document_0": (io.BytesIO(BIG), "grande.pdf")}, "document_0", "10 MB"),
    ],
)
def test_enrolment_bad_inputs(client, dbs, operator_user, login_as, overrides, field, message):
    auction = add_auction(dbs)
    login_as(operator_user)
    response = submit(client, f"/aste/{auction.id}/iscrizione", enrol_data(**overrides))
    assert response.status_code == 200
    error = field_error(page_text(response), field)
    assert message in error
    assert dbs.count(Enrolment) == 0 and dbs.count(EnrolmentDocument) == 0


def test_request_too_large_is_refused_cleanly(app, client, dbs, operator_user, login_as):
    auction = add_auction(dbs)
    login_as(operator_user)
    too_big = b"%PDF" + b"0" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    response = submit(client, f"/aste/{auction.id}/iscrizione", enrol_data(document_0=(io.BytesIO(too_big), "a.pdf")))
    assert response.status_code == 413
    assert dbs.count(Enrolment) == 0


def test_no_csrf_no_enrolment(client, dbs, operator_user, login_as):
    auction = add_auction(dbs)
    login_as(operator_user)
    response = client.post(f"/aste/{auction.id}/iscrizione", data=enrol_data())
    assert response.status_code in (200, 400) and dbs.count(Enrolment) == 0


@pytest.mark.parametrize(
    ("window", "message"), [("closed", "Le iscrizioni sono chiuse dal"), ("upcoming", "Le iscrizioni si aprono il")]
)
def test_enrolment_refused_outside_the_window(client, dbs, operator_user, login_as, window, message):
    auction = add_auction(dbs, window=window)
    login_as(operator_user)
    url = f"/aste/{auction.id}/iscrizione"
    assert message in page_text(client.get(f"/aste/{auction.id}"))
    assert message in page_text(client.get(url))
    # A complete, valid form posted anyway (the page offered none): refused with the reason.
    complete = client.post(url, data={"csrf_token": _token(client), **enrol_data()})
    assert complete.status_code == 200 and message in page_text(complete)
    incomplete = client.post(url, data={"csrf_token": _token(client)})
    assert incomplete.status_code == 200 and message in page_text(incomplete)
    assert dbs.count(Enrolment) == 0


def _token(client) -> str:
    """A CSRF token of the session, from a page with a form."""
    return csrf_from(client.get("/aste").get_data(as_text=True))


def test_enrolment_refused_with_insufficient_coverage(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs, minimum_guarantee=Decimal("200000"))
    add_guarantee(dbs, operator, amount="250000")
    add_exposure(dbs, operator, "100000")
    login_as(operator_user)
    assert "inferiore alla garanzia minima richiesta (200.000,00 €)" in page_text(client.get(f"/aste/{auction.id}"))
    response = client.post(f"/aste/{auction.id}/iscrizione", data={"csrf_token": _token(client), **enrol_data()})
    assert response.status_code == 200
    assert "La copertura disponibile (150.000,00 €) è inferiore alla garanzia minima" in page_text(response)
    assert dbs.count(Enrolment) == 0
    add_guarantee(dbs, operator, guarantee_type="deposito_cauzionale", amount="50000")
    ok = submit(client, f"/aste/{auction.id}/iscrizione", enrol_data())
    assert ok.status_code == 302 and dbs.count(Enrolment) == 1


def test_withdraw_and_enrol_again(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs)
    enrolment = add_enrolment(dbs, auction, operator, operator_user)
    login_as(operator_user)
    detail = f"/aste/{auction.id}"
    response = submit(client, f"/aste/{auction.id}/ritiro", {}, page=detail, follow_redirects=True)
    assert f"Iscrizione alla procedura {auction.code} ritirata." in page_text(response)
    assert dbs.get(Enrolment, enrolment.id).state == "ritirata"
    assert "Iscriviti di nuovo" in page_text(client.get(detail))
    again = submit(client, f"/aste/{auction.id}/iscrizione", enrol_data(), follow_redirects=True)
    assert "inviata" in page_text(again)
    assert dbs.get(Enrolment, enrolment.id).state == "inviata" and dbs.count(Enrolment) == 1
    assert dbs.count(EnrolmentDocument) == 1


def test_withdraw_refused_after_the_window(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs, window="closed")
    enrolment = add_enrolment(dbs, auction, operator, operator_user)
    login_as(operator_user)
    page = page_text(client.get(f"/aste/{auction.id}"))
    assert "Ritira l'iscrizione" not in page
    response = client.post(f"/aste/{auction.id}/ritiro", data={"csrf_token": _token(client)}, follow_redirects=True)
    assert "non è più possibile ritirarsi" in page_text(response)
    assert dbs.get(Enrolment, enrolment.id).state == "inviata"
    assert client.post(f"/aste/{auction.id}/ritiro", data={}).status_code == 400


def test_withdraw_without_enrolment_or_twice(client, dbs, operator, operator_user, login_as):
    auction = add_auction(dbs)
    login_as(operator_user)
    assert client.post(f"/aste/{auction.id}/ritiro", data={"csrf_token": _token(client)}).status_code == 404
    add_enrolment(dbs, auction, operator, operator_user, state="ritirata")
    response = client.post(f"/aste/{auction.id}/ritiro", data={"csrf_token": _token(client)}, follow_redirects=True)
    assert "non può essere ritirata" in page_text(response)


def test_other_operators_enrolment_and_document_are_404_and_audited(
    client, dbs, operator, operator_user, make_user, make_operator, login_as
):
    auction = add_auction(dbs)
    theirs = add_enrolment(dbs, auction, operator, operator_user)
    document = dbs.scalar(select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == theirs.id))
    login_as(make_user(operator=make_operator()))
    assert client.get(f"/aste/iscrizioni/{theirs.id}").status_code == 404
    assert client.get(f"/aste/documenti/{document.id}").status_code == 404
    events = dbs.scalars(select(AuditEvent).where(AuditEvent.event == "access.cross_operator"))
    assert {(e.object_type, str(e.object_id)) for e in events} == {
        ("Enrolment", str(theirs.id)),
        ("EnrolmentDocument", str(document.id)),
    }
    assert "Non sei iscritto" in page_text(client.get(f"/aste/{auction.id}"))
    assert client.get("/aste/iscrizioni/999999").status_code == 404
    assert client.get("/aste/documenti/999999").status_code == 404


def test_list_queries_do_not_grow(app, client, dbs, operator, operator_user, login_as):
    for window in ("open", "upcoming", "closed"):
        add_enrolment(dbs, add_auction(dbs, window=window), operator, operator_user)
    login_as(operator_user)
    client.get("/aste")
    with counting_queries(app) as few:
        assert client.get("/aste").status_code == 200
    for index in range(30):
        auction = add_auction(dbs, window=("open", "upcoming", "closed")[index % 3])
        if index % 2:
            add_enrolment(dbs, auction, operator, operator_user)
    with counting_queries(app) as many:
        assert client.get("/aste").status_code == 200
    assert len(many) == len(few)


def test_home_tile(client, dbs, operator, operator_user, login_as):
    add_auction(dbs)
    add_enrolment(dbs, add_auction(dbs), operator, operator_user)
    add_enrolment(dbs, add_auction(dbs, window="closed"), operator, operator_user, state="ritirata")
    login_as(operator_user)
    page = page_text(client.get("/"))
    assert "2 procedure aperte · 1 tua iscrizione" in page

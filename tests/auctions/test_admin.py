"""Administrators' side of auctions: publishing procedures, reviewing enrolments, the export; demo data."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.auctions.demo import load_demo
from myportal.auctions.models import PROCEDURE_TYPES, Auction, Enrolment, EnrolmentDocument
from myportal.models import as_utc, utcnow
from myportal.operators.models import Operator
from myportal.security.models import AuditEvent
from tests.auctions import PDF, add_auction, add_enrolment
from tests.conftest import counting_queries, field_error, login_admin, make_admin, page_text, submit


@pytest.fixture
def admin(app, make_user):
    return make_admin(app, make_user, username="admin.aste")


@pytest.fixture
def admin_client(client, admin):
    return login_admin(client, admin)


GOOD = {
    "code": "cm-2029-madre",
    "title": "Mercato della capacità – asta madre 2029",
    "procedure_type": "capacity_madre",
    "product": "Capacità disponibile in probabilità",
    "delivery_start": "2029-01-01",
    "delivery_end": "31/12/2029",
    "opens_at": "2026-12-01T09:00",
    "closes_at": "15/12/2026 12:00",
    "declarations": "Accetto il regolamento.\n\nDichiaro il possesso dei requisiti.",
    "required_documents": "Visura camerale\nProcura",
    "minimum_guarantee": "100.000,00",
}


def test_operators_cannot_open_the_back_office(client, make_user, login_as):
    login_as(make_user())
    for path in ("/admin/aste", "/admin/aste/nuova"):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("procedure_type", list(PROCEDURE_TYPES))
def test_admin_creates_and_publishes_a_procedure(admin_client, dbs, make_user, login_as, procedure_type):
    response = submit(
        admin_client, "/admin/aste/nuova", {**GOOD, "procedure_type": procedure_type}, follow_redirects=True
    )
    assert "Procedura CM-2029-MADRE creata" in page_text(response)
    auction = dbs.scalar(select(Auction).where(Auction.code == "CM-2029-MADRE"))
    assert auction.procedure_type == procedure_type and not auction.published
    assert as_utc(auction.opens_at) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Rome
    assert as_utc(auction.closes_at) == datetime(2026, 12, 15, 11, 0, tzinfo=UTC)
    assert auction.delivery_end == date(2029, 12, 31) and auction.minimum_guarantee == Decimal("100000.00")
    assert auction.declaration_list == ["Accetto il regolamento.", "Dichiaro il possesso dei requisiti."]
    assert auction.document_list == ["Visura camerale", "Procura"]
    detail = f"/admin/aste/{auction.id}"
    published = submit(admin_client, f"/admin/aste/{auction.id}/pubblica", {}, page=detail, follow_redirects=True)
    assert "pubblicata" in page_text(published) and dbs.get(Auction, auction.id).published
    assert dbs.count(AuditEvent, AuditEvent.event.in_(("auction.created", "auction.published"))) == 2


def test_unpublish_and_edit(admin_client, dbs):
    auction = add_auction(dbs, code="CCC-2027-01")
    detail = f"/admin/aste/{auction.id}"
    submit(admin_client, f"/admin/aste/{auction.id}/ritira-pubblicazione", {}, page=detail)
    assert not dbs.get(Auction, auction.id).published
    form = page_text(admin_client.get(f"/admin/aste/{auction.id}/modifica"))
    assert 'value="CCC-2027-01"' in form
    response = submit(
        admin_client,
        f"/admin/aste/{auction.id}/modifica",
        {**GOOD, "code": "CCC-2027-01", "title": "Titolo corretto", "minimum_guarantee": "0"},
        follow_redirects=True,
    )
    assert "Procedura CCC-2027-01 aggiornata." in page_text(response)
    assert dbs.get(Auction, auction.id).title == "Titolo corretto"
    clash = add_auction(dbs, code="CCC-2027-02")
    bad = submit(admin_client, f"/admin/aste/{clash.id}/modifica", {**GOOD, "code": "CCC-2027-01"})
    assert "Esiste già una procedura con questo codice." in field_error(page_text(bad), "code")
    assert dbs.get(Auction, clash.id).code == "CCC-2027-02"
    assert admin_client.post(f"/admin/aste/{auction.id}/pubblica", data={}).status_code == 400
    assert admin_client.get("/admin/aste/999999").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": ""}, "code", "Indica il codice"),
        ({"code": "X" * 31}, "code", "Al massimo 30"),
        ({"code": "EXISTING"}, "code", "Esiste già"),
        ({"title": " "}, "title", "Indica il titolo"),
        ({"procedure_type": ""}, "procedure_type", "Scegli il tipo"),
        ({"procedure_type": "asta_segreta"}, "procedure_type", ""),
        ({"product": "p" * 201}, "product", "Al massimo 200"),
        ({"delivery_start": ""}, "delivery_start", "Indica l'inizio"),
        ({"delivery_start": "2029-02-30"}, "delivery_start", "Data non valida"),
        ({"delivery_end": "2028-12-31"}, "delivery_end", "non può precedere"),
        ({"opens_at": ""}, "opens_at", "Indica l'apertura"),
        ({"opens_at": "domani alle nove"}, "opens_at", "Data e ora non valide"),
        ({"closes_at": "2026-12-01T09:00"}, "closes_at", "deve seguire"),
        ({"closes_at": "2026-11-30T09:00"}, "closes_at", "deve seguire"),
        ({"minimum_guarantee": ""}, "minimum_guarantee", "Indica la garanzia minima"),
        ({"minimum_guarantee": "-1"}, "minimum_guarantee", "non può essere negativa"),
        ({"minimum_guarantee": "tanti"}, "minimum_guarantee", "Inserisci un importo"),
        ({"declarations": "d" * 10001}, "declarations", "Al massimo 10000"),
        ({"required_documents": "d" * 5001}, "required_documents", "Al massimo 5000"),
    ],
)
def test_procedure_form_bad_inputs(admin_client, dbs, changes, field, message):
    if changes.get("code") == "EXISTING":
        add_auction(dbs, code="EXISTING")
    before = dbs.count(Auction)
    response = submit(admin_client, "/admin/aste/nuova", {**GOOD, **changes})
    assert response.status_code == 200
    error = field_error(page_text(response), field)
    assert error and message in error
    assert dbs.count(Auction) == before


def test_unpublished_procedure_is_invisible_to_operators(client, dbs, make_user, login_as):
    auction = add_auction(dbs, published=False, published_at=None, title="Bozza riservata")
    login_as(make_user())
    assert "Bozza riservata" not in page_text(client.get("/aste"))
    assert client.get(f"/aste/{auction.id}").status_code == 404
    assert client.get(f"/aste/{auction.id}/iscrizione").status_code == 404


def test_approve_sends_an_email(admin_client, dbs, mailbox, make_operator, make_user):
    operator = make_operator(name="Ligure Energia S.p.A.")
    submitter = make_user(operator=operator, email="aste@ligure.example")
    auction = add_auction(dbs, code="MACSE-2030")
    enrolment = add_enrolment(dbs, auction, operator, submitter)
    listing = page_text(admin_client.get(f"/admin/aste/{auction.id}"))
    assert "Ligure Energia S.p.A." in listing
    page = f"/admin/aste/iscrizioni/{enrolment.id}"
    assert "Visura camerale" in page_text(admin_client.get(page))
    assert admin_client.post(f"{page}/approva", data={}).status_code == 400  # no CSRF token
    assert admin_client.post(f"{page}/respingi", data={"reason": "x"}).status_code == 400
    assert dbs.get(Enrolment, enrolment.id).state == "inviata"
    document = dbs.scalar(select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == enrolment.id))
    download = admin_client.get(f"/admin/aste/documenti/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert admin_client.get("/admin/aste/documenti/999999").status_code == 404
    response = submit(admin_client, f"{page}/approva", {}, page=page, follow_redirects=True)
    assert "Iscrizione di Ligure Energia S.p.A. approvata." in page_text(response)
    stored = dbs.get(Enrolment, enrolment.id)
    assert stored.state == "approvata" and stored.decided_at is not None
    message = mailbox.last("aste@ligure.example")
    assert message["Subject"] == "Iscrizione approvata: MACSE-2030"
    assert "è stata approvata" in mailbox.body(message) and f"/aste/{auction.id}" in mailbox.body(message)
    again = submit(admin_client, f"{page}/approva", {}, page=f"/admin/aste/{auction.id}", follow_redirects=True)
    assert "Si possono approvare solo" in page_text(again)
    assert len(mailbox) == 1


def test_reject_needs_a_reason_and_sends_it(admin_client, client, dbs, mailbox, make_operator, make_user):
    operator = make_operator()
    submitter = make_user(operator=operator, email="gare@operatore.example")
    auction = add_auction(dbs)
    enrolment = add_enrolment(dbs, auction, operator, submitter)
    page = f"/admin/aste/iscrizioni/{enrolment.id}"
    for reason, message in (("   ", "Indica il motivo del rifiuto."), ("r" * 2001, "al massimo 2000 caratteri")):
        response = submit(admin_client, f"{page}/respingi", {"reason": reason}, page=page)
        assert response.status_code == 200 and message in field_error(page_text(response), "reason")
    assert dbs.get(Enrolment, enrolment.id).state == "inviata" and len(mailbox) == 0
    response = submit(
        admin_client,
        f"{page}/respingi",
        {"reason": "Visura camerale più vecchia di sei mesi."},
        page=page,
        follow_redirects=True,
    )
    assert "respinta" in page_text(response)
    stored = dbs.get(Enrolment, enrolment.id)
    assert stored.state == "respinta" and stored.rejection_reason == "Visura camerale più vecchia di sei mesi."
    body = mailbox.body(mailbox.last("gare@operatore.example"))
    assert "è stata respinta" in body and "Visura camerale più vecchia di sei mesi." in body
    assert dbs.count(AuditEvent, AuditEvent.event == "auction.enrolment_rejected") == 1


def test_operator_follows_the_state(app, dbs, make_operator, make_user, login_as, client):
    operator = make_operator()
    user = make_user(operator=operator)
    auction = add_auction(dbs)
    add_enrolment(
        dbs, auction, operator, user, state="respinta", rejection_reason="Manca la procura.", decided_at=utcnow()
    )
    login_as(user)
    page = page_text(client.get(f"/aste/{auction.id}"))
    assert "Respinta" in page and "Manca la procura." in page


def test_decisions_on_withdrawn_enrolment_are_refused(admin_client, dbs, make_operator, make_user):
    operator = make_operator()
    enrolment = add_enrolment(dbs, add_auction(dbs), operator, make_user(operator=operator), state="ritirata")
    page = f"/admin/aste/iscrizioni/{enrolment.id}"
    response = submit(admin_client, f"{page}/respingi", {"reason": "no"}, page="/admin/aste", follow_redirects=True)
    assert response.status_code == 200 and "Si possono respingere solo" in page_text(response)
    approve = submit(admin_client, f"{page}/approva", {}, page="/admin/aste", follow_redirects=True)
    assert "Si possono approvare solo" in page_text(approve)
    assert dbs.get(Enrolment, enrolment.id).state == "ritirata"
    assert admin_client.get("/admin/aste/iscrizioni/999999").status_code == 404


def test_export_of_admitted_operators(admin_client, dbs, make_operator, make_user):
    auction = add_auction(dbs, code="CM-2030-AGG")
    admitted = make_operator(name="=Alfa Energia S.p.A.")
    second = make_operator(name="Beta Accumuli S.r.l.")
    refused = make_operator(name="Gamma Trading S.p.A.")
    add_enrolment(dbs, auction, admitted, state="approvata")
    add_enrolment(dbs, auction, second, state="approvata")
    add_enrolment(dbs, auction, refused, state="respinta", rejection_reason="no")
    add_enrolment(dbs, add_auction(dbs), refused, state="approvata")  # another procedure
    response = admin_client.get(f"/admin/aste/{auction.id}/ammessi.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=ammessi-CM-2030-AGG.csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Ragione sociale", "Partita IVA", "Data iscrizione", "Stato"]
    assert [row[0] for row in rows[1:]] == ["'=Alfa Energia S.p.A.", "Beta Accumuli S.r.l."]
    assert rows[1][1] == admitted.vat_number and rows[1][3] == "Approvata"
    assert dbs.count(AuditEvent, AuditEvent.event == "auction.export") == 1
    empty = admin_client.get(f"/admin/aste/{add_auction(dbs).id}/ammessi.csv")
    assert empty.data.decode("utf-8-sig").strip() == "Ragione sociale;Partita IVA;Data iscrizione;Stato"


def test_enrolment_filter(admin_client, dbs, make_operator):
    auction = add_auction(dbs)
    add_enrolment(dbs, auction, make_operator(name="Approvata Uno S.p.A."), state="approvata")
    add_enrolment(dbs, auction, make_operator(name="Inviata Due S.p.A."), state="inviata")
    page = page_text(admin_client.get(f"/admin/aste/{auction.id}?state=inviata"))
    assert "Inviata Due" in page and "Approvata Uno" not in page
    assert admin_client.get(f"/admin/aste/{auction.id}?state=boh&page=x").status_code == 200


def test_back_office_queries_do_not_grow(app, admin_client, dbs, make_operator):
    auction = add_auction(dbs)
    add_enrolment(dbs, auction, make_operator())
    admin_client.get("/admin/aste")
    admin_client.get(f"/admin/aste/{auction.id}")
    with counting_queries(app) as few_list:
        admin_client.get("/admin/aste")
    with counting_queries(app) as few_detail:
        admin_client.get(f"/admin/aste/{auction.id}")
    for _ in range(30):
        add_enrolment(dbs, add_auction(dbs), make_operator())
        add_enrolment(dbs, auction, make_operator())
    with counting_queries(app) as many_list:
        assert admin_client.get("/admin/aste").status_code == 200
    with counting_queries(app) as many_detail:
        assert admin_client.get(f"/admin/aste/{auction.id}").status_code == 200
    assert len(many_list) == len(few_list) and len(many_detail) == len(few_detail)


def test_admin_home_tile(admin_client, dbs, make_operator):
    auction = add_auction(dbs)
    add_enrolment(dbs, auction, make_operator())
    add_enrolment(dbs, auction, make_operator())
    add_enrolment(dbs, auction, make_operator(), state="approvata")
    assert "2 iscrizioni da valutare" in page_text(admin_client.get("/"))


def test_demo_is_idempotent_and_covers_every_window(app, dbs, make_operator, make_user):
    operators = [make_operator(), make_operator()]
    for operator in operators:
        make_user(operator=operator)
    for _ in range(2):
        with dbs.session():
            load_demo([dbs.get(Operator, o.id) for o in operators])
    auctions = dbs.scalars(select(Auction))
    assert len(auctions) == 7 and all(a.published for a in auctions)
    assert {a.window() for a in auctions} == {"aperta", "prossima", "chiusa"}
    enrolments = dbs.scalars(select(Enrolment))
    assert len(enrolments) == 8
    assert {e.operator_id for e in enrolments} == {o.id for o in operators}
    assert {e.state for e in enrolments} == {"inviata", "approvata", "respinta"}

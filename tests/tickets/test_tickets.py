"""Tickets: opening with attachments, conversation from both sides, e-mail, scoping and the staff queue."""

import io

import openpyxl
import pytest
from sqlalchemy import select

from myportal.security.models import AuditEvent
from myportal.tickets.attachments import MAX_ATTACHMENT_BYTES
from myportal.tickets.demo import load_demo
from myportal.tickets.models import OPEN_STATES, Ticket, TicketAttachment, TicketMessage
from tests.conftest import counting_queries, login, submit

NEW = "/ticket/nuovo"
SUPPORT = "assistenza@myportal.localhost"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["POD", "kWh"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def operator_user(make_operator, make_user):
    return make_user(role="operator", operator=make_operator(), full_name="Rossi Mario")


def client_for(app, user):
    """A new browser, logged in as ``user``."""
    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    return browser


def _open(
    client,
    *,
    subject="Fattura di marzo",
    body="La fattura di marzo riporta un consumo errato.",
    category="fatturazione",
    attachment=None,
):
    data = {"category": category, "subject": subject, "body": body}
    if attachment is not None:
        data["attachment"] = attachment
    return submit(client, NEW, data)


def _ticket_of(dbs, user) -> Ticket:
    return dbs.scalar(select(Ticket).where(Ticket.created_by_id == user.id).order_by(Ticket.id.desc()))


def test_open_a_ticket_with_an_attachment(client, operator_user, login_as, dbs, mailbox):
    login_as(operator_user)
    response = _open(client, attachment=(io.BytesIO(PDF), "fattura marzo.pdf"))
    assert response.status_code == 302
    ticket = _ticket_of(dbs, operator_user)
    assert (ticket.state, ticket.category, ticket.operator_id) == (
        "aperto",
        "fatturazione",
        operator_user.operator_id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fattura di marzo" in page and "consumo errato" in page and "fattura_marzo.pdf" in page

    attachment = dbs.scalar(select(TicketAttachment))
    download = client.get(f"/ticket/allegati/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]

    message = mailbox.last(SUPPORT)
    assert f"ticket n. {ticket.id}" in message["Subject"].lower()
    assert "consumo errato" in mailbox.body(message)
    assert dbs.count(AuditEvent, AuditEvent.event == "ticket.opened", AuditEvent.user_id == operator_user.id) == 1


@pytest.mark.parametrize("filename", ["dati.xlsx", "letture.csv", "nota.txt", "foto.png", "foto.jpg"])
def test_allowed_types_are_accepted(client, operator_user, login_as, dbs, filename):
    content = {
        "xlsx": _xlsx(),
        "csv": b"POD;kWh\nIT001E12345678;1.234,5\n",
        "txt": "Lettura del contatore: F1 1234".encode("cp1252"),
        "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
        "jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 32,
    }[filename.rsplit(".", 1)[1]]
    login_as(operator_user)
    assert _open(client, attachment=(io.BytesIO(content), filename)).status_code == 302
    assert dbs.scalar(select(TicketAttachment.filename)) == filename


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("programma.exe", b"MZ\x90\x00", "Tipo di file non ammesso"),
        ("fattura.pdf", b"MZ\x90\x00 not really a pdf", "non corrisponde"),
        ("dati.xlsx", b"PK\x03\x04 broken zip", "non corrisponde"),
        ("nota.txt", b"\x00\x01\x02binary", "non corrisponde"),
        ("grande.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "5 MB"),
    ],
)
def test_bad_attachments_are_refused_next_to_the_field(
    client, operator_user, login_as, dbs, mailbox, filename, content, message
):
    login_as(operator_user)
    response = _open(client, attachment=(io.BytesIO(content), filename))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="attachment-error"' in page and message in page
    assert 'value="Fattura di marzo"' in page  # what was typed is kept
    assert dbs.count(Ticket) == 0 and dbs.count(TicketMessage) == 0
    assert len(mailbox) == 0


def test_missing_fields_are_shown_next_to_them(client, operator_user, login_as, dbs):
    login_as(operator_user)
    response = _open(client, subject="  ", body="", category="")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("category", "subject", "body"):
        assert f'id="{field}-error"' in page
    assert "Indica l&#39;oggetto della richiesta." in page
    response = _open(client, subject="x" * 201, category="inventata")
    page = response.get_data(as_text=True)
    assert 'id="subject-error"' in page and 'id="category-error"' in page
    assert dbs.count(Ticket) == 0


def test_list_with_state_filter_and_empty_state(client, make_operator, make_user, login_as, dbs):
    operator = make_operator()
    operator_user = make_user(role="operator", operator=operator)
    colleague = make_user(role="operator_admin", operator=operator)
    login_as(operator_user)
    assert "Nessun ticket" in client.get("/ticket").get_data(as_text=True)
    _open(client, subject="Primo ticket")
    _open(client, subject="Secondo ticket")
    first = dbs.scalar(select(Ticket).where(Ticket.subject == "Primo ticket"))
    assert submit(client, f"/ticket/{first.id}/chiudi", {}, page=f"/ticket/{first.id}").status_code == 302
    assert dbs.get(Ticket, first.id).state == "chiuso"

    page = client.get("/ticket").get_data(as_text=True)
    assert "Primo ticket" in page and "Secondo ticket" in page
    page = client.get("/ticket?state=chiuso").get_data(as_text=True)
    assert "Primo ticket" in page and "Secondo ticket" not in page
    assert client.get("/ticket?state=inventato&page=99").status_code == 200

    other = client_for(client.application, colleague)  # the company's other users see its tickets
    assert "Secondo ticket" in other.get("/ticket").get_data(as_text=True)


def test_another_operators_ticket_and_attachment_are_404_and_audited(
    app, client, operator_user, make_user, login_as, dbs
):
    login_as(operator_user)
    _open(client, attachment=(io.BytesIO(PDF), "privato.pdf"))
    ticket = _ticket_of(dbs, operator_user)
    attachment = dbs.scalar(select(TicketAttachment))

    stranger = make_user(role="operator_admin")
    other = client_for(app, stranger)
    assert other.get(f"/ticket/{ticket.id}").status_code == 404
    assert other.get(f"/ticket/allegati/{attachment.id}").status_code == 404
    assert submit(other, f"/ticket/{ticket.id}", {"body": "intrusione"}, page=NEW).status_code == 404
    assert submit(other, f"/ticket/{ticket.id}/chiudi", {}, page=NEW).status_code == 404
    events = dbs.scalars(
        select(AuditEvent).where(AuditEvent.event == "access.cross_operator", AuditEvent.user_id == stranger.id)
    )
    assert {(e.object_type, e.object_id) for e in events} == {
        ("Ticket", str(ticket.id)),
        ("TicketAttachment", str(attachment.id)),
    }
    assert len(events) == 4
    assert dbs.count(TicketMessage) == 1 and dbs.get(Ticket, ticket.id).state == "aperto"


def test_operator_reply_emails_the_support_address(client, app, operator_user, login_as, dbs, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPORT_EMAIL", "helpdesk@example.com")
    login_as(operator_user)
    _open(client)
    ticket = _ticket_of(dbs, operator_user)
    response = submit(
        client,
        f"/ticket/{ticket.id}",
        {"body": "Allego la lettura.", "attachment": (io.BytesIO(b"F1;1234\n"), "lettura.csv")},
    )
    assert response.status_code == 302
    message = mailbox.last("helpdesk@example.com")
    assert "risposta dell'operatore" in message["Subject"]
    assert "Allego la lettura." in mailbox.body(message)
    assert f"/assistenza/ticket/{ticket.id}" in mailbox.body(message)
    assert dbs.count(TicketMessage, TicketMessage.ticket_id == ticket.id) == 2

    response = submit(client, f"/ticket/{ticket.id}", {"body": ""})
    assert response.status_code == 200 and 'id="body-error"' in response.get_data(as_text=True)
    assert dbs.count(TicketMessage, TicketMessage.ticket_id == ticket.id) == 2


def test_staff_reply_emails_the_creator_and_changes_state(
    client, app, operator_user, make_user, login_as, dbs, mailbox
):
    login_as(operator_user)
    _open(client, subject="Lettura contatore")
    ticket = _ticket_of(dbs, operator_user)
    staff = make_user(role="support")
    operator_client, client = client, client_for(app, staff)
    page = client.get(f"/assistenza/ticket/{ticket.id}").get_data(as_text=True)
    assert "Lettura contatore" in page and "Rossi Mario" in page

    response = submit(
        client,
        f"/assistenza/ticket/{ticket.id}",
        {
            "body": "Abbiamo corretto la lettura.",
            "state": "in_lavorazione",
            "attachment": (io.BytesIO(PDF), "rettifica.pdf"),
        },
    )
    assert response.status_code == 302
    saved = dbs.get(Ticket, ticket.id)
    assert saved.state == "in_lavorazione"
    reply = dbs.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id, TicketMessage.from_staff))
    assert reply.author_id == staff.id
    message = mailbox.last(operator_user.email)
    assert "Risposta al tuo ticket" in message["Subject"]
    assert "Abbiamo corretto la lettura." in mailbox.body(message)
    assert f"/ticket/{ticket.id}" in mailbox.body(message)

    staff_download = client.get(f"/assistenza/ticket/allegati/{dbs.scalar(select(TicketAttachment.id))}")
    assert staff_download.status_code == 200 and staff_download.data == PDF

    response = submit(
        client,
        f"/assistenza/ticket/{ticket.id}/stato",
        {"new_state": "chiuso"},
        page=f"/assistenza/ticket/{ticket.id}",
    )
    assert response.status_code == 302
    assert dbs.get(Ticket, ticket.id).state == "chiuso"
    response = submit(
        client,
        f"/assistenza/ticket/{ticket.id}/stato",
        {"new_state": "chiuso"},
        page=f"/assistenza/ticket/{ticket.id}",
    )
    assert response.status_code == 200 and "già nello stato" in response.get_data(as_text=True)
    events = set(dbs.scalars(select(AuditEvent.event).where(AuditEvent.user_id == staff.id)))
    assert {"ticket.staff_replied", "ticket.state_changed"} <= events

    # the operator sees the answer; a reply reopens the closed ticket
    page = operator_client.get(f"/ticket/{ticket.id}").get_data(as_text=True)
    assert "Abbiamo corretto la lettura." in page and "Assistenza" in page
    submit(operator_client, f"/ticket/{ticket.id}", {"body": "Grazie, ma manca ancora F3."})
    assert dbs.get(Ticket, ticket.id).state == "aperto"


def test_staff_list_filters_and_shows_the_operator(client, app, make_operator, make_user, login_as, dbs):
    first = make_user(role="operator", operator=make_operator(name="Solare Adriatico S.p.A."))
    second = make_user(role="operator", operator=make_operator(name="Rete Valpadana S.p.A."))
    _open(client_for(app, first), subject="Domanda sulle misure", category="misure")
    _open(client_for(app, second), subject="Domanda sui contratti", category="contratti")
    login_as(make_user(role="admin"))
    page = client.get("/assistenza/ticket").get_data(as_text=True)
    assert "Solare Adriatico S.p.A." in page and "Rete Valpadana S.p.A." in page
    page = client.get("/assistenza/ticket?category=misure").get_data(as_text=True)
    assert "Domanda sulle misure" in page and "Domanda sui contratti" not in page
    page = client.get("/assistenza/ticket?state=chiuso").get_data(as_text=True)
    assert "Nessun ticket" in page


def test_roles(client, app, operator_user, make_user, login_as):
    login_as(operator_user)
    assert client.get("/assistenza/ticket").status_code == 403
    staff = client_for(app, make_user(role="support"))
    assert staff.get("/ticket").status_code == 403
    assert staff.get(NEW).status_code == 403


def test_prefill_from_query_parameters(client, operator_user, login_as):
    login_as(operator_user)
    page = client.get(f"{NEW}?category=dati_anagrafici&subject=Modifica&message=Nuova+sede").get_data(as_text=True)
    assert 'selected value="dati_anagrafici"' in page
    assert 'value="Modifica"' in page and "Nuova sede" in page
    page = client.get(f"{NEW}?category=inventata").get_data(as_text=True)
    assert 'selected value="inventata"' not in page


def test_demo_loader(operator_user, make_user, dbs):
    from myportal.operators.models import Operator

    make_user(role="support")
    operator = dbs.get(Operator, operator_user.operator_id)
    with dbs.session():
        load_demo([operator])
        load_demo([operator])
    assert dbs.count(Ticket, Ticket.operator_id == operator.id) == 2
    assert dbs.count(TicketMessage, TicketMessage.from_staff) == 2
    assert dbs.count(Ticket, Ticket.operator_id == operator.id, Ticket.state.in_(OPEN_STATES)) == 1


# --- queries ----------------------------------------------------------------------------------------


def _add_tickets(dbs, user, count):
    with dbs.session() as session:
        for number in range(count):
            session.add(
                Ticket(
                    operator_id=user.operator_id,
                    created_by_id=user.id,
                    category="altro",
                    subject=f"Richiesta {number}",
                )
            )


@pytest.mark.parametrize(("path", "staff"), [("/ticket", False), ("/assistenza/ticket", True)])
def test_ticket_lists_run_the_same_queries_with_2_and_20_tickets(
    client, app, make_operator, make_user, login_as, dbs, path, staff
):
    users = [make_user(role="operator", operator=make_operator()) for _ in range(3)]
    viewer = make_user(role="support") if staff else users[0]
    login_as(viewer)
    _add_tickets(dbs, users[0], 2)
    client.get(path)
    with counting_queries(app) as few:
        assert client.get(path).status_code == 200
    for user in users:
        _add_tickets(dbs, user, 6)
    with counting_queries(app) as many:
        page = client.get(path).get_data(as_text=True)
    assert page.count("Richiesta ") >= 8
    assert len(few) == len(many), (few, many)


def test_subject_on_several_lines_becomes_one(client, operator_user, login_as, dbs, mailbox):
    login_as(operator_user)
    assert _open(client, subject="Fattura\r\nBcc: altri@example.com").status_code == 302
    assert dbs.scalar(select(Ticket.subject)) == "Fattura Bcc: altri@example.com"
    assert "\n" not in mailbox.last(SUPPORT)["Subject"]

"""The administrators' side of EIC: approval (the code is issued), rejection with a reason, the register."""

import csv
import io
import re

import pytest
from stdnum.eu import eic

from myportal.eic.models import EicCode, EicRequest
from myportal.security.models import AuditEvent
from tests.conftest import page_text, submit
from tests.eic import add_request, counting_statements, login_user


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", username="admin.eic")


@pytest.fixture
def requester(make_user, make_operator):
    return make_user(role="operator", operator=make_operator(name="Solare Adriatico S.p.A."), email="req@example.com")


def _detail(request_id):
    return f"/admin/eic/richieste/{request_id}"


def approve(client, request_id):
    return submit(client, f"{_detail(request_id)}/approva", {}, page=_detail(request_id))


def reject(client, request_id, reason):
    return submit(client, f"{_detail(request_id)}/respingi", {"reason": reason}, page=_detail(request_id))


def as_user(app, dbs, user):
    """A new browser logged in as ``user``."""
    return login_user(app.test_client(), dbs, user)


def test_admin_pages_are_for_admins(app, client, dbs, make_user, requester):
    eic_request = add_request(dbs, requester.operator_id, requester.id)
    paths = ("/admin/eic", _detail(eic_request.id), "/admin/eic/registro", "/admin/eic/registro.csv")
    for path in paths:
        assert client.get(path).status_code == 302
    for role in ("operator", "support"):
        client = as_user(app, dbs, make_user(role=role))
        for path in paths:
            assert client.get(path).status_code == 403
        assert client.post(f"{_detail(eic_request.id)}/approva").status_code in (400, 403)
    assert dbs.get(EicRequest, eic_request.id).state == "richiesta"


def test_approval_issues_a_valid_code_and_tells_the_requester(app, client, dbs, admin, requester, login_as, mailbox):
    eic_request = add_request(
        dbs,
        requester.operator_id,
        requester.id,
        display_name="UP-FOGGIA-PV1",
        parent_eic="10X1001A1001A345",
        vat_code="01234567890",
    )
    login_as(admin)
    queue = page_text(client.get("/admin/eic"))
    assert "UP-FOGGIA-PV1" in queue and "Solare Adriatico S.p.A." in queue
    response = approve(client, eic_request.id)
    assert response.status_code == 302
    stored = dbs.get(EicRequest, eic_request.id)
    assert stored.state == "approvata" and stored.decided_by_id == admin.id and stored.decided_at
    record = dbs.get(EicCode, stored.eic_code_id)
    assert eic.validate(record.code) == record.code
    assert record.code.startswith("26W") and len(record.code) == 16
    assert record.code[3:15] == "UP-FOGGIA-PV"
    assert record.code[15] == eic.calc_check_digit(record.code[:15])
    assert (record.display_name, record.responsible_party, record.parent, record.status) == (
        "UP-FOGGIA-PV1",
        "Solare Adriatico S.p.A.",
        "10X1001A1001A345",
        "Active",
    )
    assert record.operator_id == requester.operator_id
    assert dbs.count(AuditEvent, AuditEvent.event == "eic.approved") == 1

    message = mailbox.last("req@example.com")
    assert "UP-FOGGIA-PV1" in message["Subject"]
    body = mailbox.body(message)
    assert record.code in body
    assert f"/eic/richieste/{eic_request.id}" in body

    page = page_text(as_user(app, dbs, requester).get("/eic"))
    assert record.code in page and "Approvata" in page


def test_issuing_office_comes_from_the_configuration(app, client, dbs, admin, requester, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "EIC_ISSUING_OFFICE", "10")
    eic_request = add_request(dbs, requester.operator_id, requester.id, object_type="X", function="Producer")
    login_as(admin)
    approve(client, eic_request.id)
    code = dbs.get(EicCode, dbs.get(EicRequest, eic_request.id).eic_code_id).code
    assert code.startswith("10X") and eic.is_valid(code)


def test_rejection_needs_a_reason_and_tells_the_requester(app, client, dbs, admin, requester, login_as, mailbox):
    eic_request = add_request(dbs, requester.operator_id, requester.id, display_name="UP-BARI-BESS")
    login_as(admin)
    for reason in ("", "   "):
        response = reject(client, eic_request.id, reason)
        assert response.status_code == 200
        page = page_text(response)
        assert "Indica il motivo del rifiuto." in page.split('id="reason-error"', 1)[1]
    response = reject(client, eic_request.id, "x" * 2001)
    assert "al massimo 2000 caratteri" in page_text(response)
    response = reject(client, eic_request.id, "Motivo\x1bnascosto")
    assert response.status_code == 200 and "caratteri non ammessi" in page_text(response)
    assert dbs.get(EicRequest, eic_request.id).state == "richiesta"
    assert len(mailbox) == 0

    response = reject(client, eic_request.id, "Unità non ancora censita in Gaudì.")
    assert response.status_code == 302
    stored = dbs.get(EicRequest, eic_request.id)
    assert (stored.state, stored.rejection_reason, stored.eic_code_id) == (
        "respinta",
        "Unità non ancora censita in Gaudì.",
        None,
    )
    assert dbs.count(EicCode) == 0
    assert dbs.count(AuditEvent, AuditEvent.event == "eic.rejected") == 1
    body = mailbox.body(mailbox.last("req@example.com"))
    assert "Unità non ancora censita in Gaudì." in body and "respinta" in body

    detail = page_text(as_user(app, dbs, requester).get(f"/eic/richieste/{eic_request.id}"))
    assert "Respinta" in detail and "Unità non ancora censita in Gaudì." in detail


def test_a_decided_request_cannot_be_decided_again(client, dbs, admin, requester, login_as, mailbox):
    eic_request = add_request(dbs, requester.operator_id, requester.id)
    login_as(admin)
    assert reject(client, eic_request.id, "Dati incompleti.").status_code == 302
    sent = len(mailbox)
    assert "già stata decisa" in page_text(client.get(_detail(eic_request.id)))
    for action, data in (("approva", {}), ("respingi", {"reason": "Ancora"})):
        # The page has no decision forms any more: the token comes from the page's log-out form.
        response = submit(client, f"{_detail(eic_request.id)}/{action}", data, page=_detail(eic_request.id))
        assert response.status_code == 302
        assert "già stata decisa" in page_text(client.get(response.headers["Location"]))
    stored = dbs.get(EicRequest, eic_request.id)
    assert (stored.state, stored.rejection_reason, stored.eic_code_id) == ("respinta", "Dati incompleti.", None)
    assert dbs.count(EicCode) == 0
    assert len(mailbox) == sent


def test_decisions_need_the_csrf_token(client, dbs, admin, requester, login_as):
    eic_request = add_request(dbs, requester.operator_id, requester.id)
    login_as(admin)
    assert client.post(f"{_detail(eic_request.id)}/approva").status_code == 400
    assert client.post(f"{_detail(eic_request.id)}/respingi", data={"reason": "No"}).status_code in (200, 400)
    assert dbs.get(EicRequest, eic_request.id).state == "richiesta"
    assert dbs.count(EicCode) == 0


def test_unknown_request_is_404(client, admin, login_as):
    login_as(admin)
    assert client.get(_detail(999999)).status_code == 404
    assert submit(client, f"{_detail(999999)}/approva", {}, page="/admin/eic").status_code == 404


def test_approval_refused_when_the_name_was_issued_meanwhile(client, dbs, admin, requester, login_as, mailbox):
    """A code with the same display name issued outside the queue: the approval says so and writes nothing."""
    eic_request = add_request(dbs, requester.operator_id, requester.id, display_name="UP-CLASH")
    with dbs.session() as session:
        from myportal.eic.services import issue_code

        other = add_request(dbs, requester.operator_id, requester.id, display_name="UP-OTHER", state="respinta")
        record = issue_code(session.get(EicRequest, other.id))
        record.display_name = "UP-CLASH"
    login_as(admin)
    response = approve(client, eic_request.id)
    assert response.status_code == 302
    assert "UP-CLASH è già assegnato" in page_text(client.get(response.headers["Location"]))
    assert dbs.get(EicRequest, eic_request.id).state == "richiesta"
    assert dbs.count(EicCode) == 1
    assert len(mailbox) == 0


def test_queue_filters_and_constant_queries(app, client, dbs, admin, make_user, login_as):
    login_as(admin)

    def grow(start, stop):
        for number in range(start, stop):
            user = make_user(role="operator")
            add_request(dbs, user.operator_id, user.id, display_name=f"Q-{number:04d}")
            add_request(
                dbs, user.operator_id, user.id, display_name=f"R-{number:04d}", state="respinta", rejection_reason="No"
            )

    grow(0, 2)
    for url in ("/admin/eic", "/admin/eic?state=all"):
        client.get(url)
    with counting_statements(app) as small:
        client.get("/admin/eic?state=all")
    grow(2, app.config["PAGE_SIZE"] + 2)
    with counting_statements(app) as large:
        page = page_text(client.get("/admin/eic?state=all"))
    assert len(small) == len(large)
    assert "Pagina 1 di 3" in page
    pending = page_text(client.get("/admin/eic"))  # the open requests by default
    assert re.search(r"\bQ-\d{4}", pending) and not re.search(r"\bR-\d{4}", pending)
    rejected = page_text(client.get("/admin/eic?state=respinta"))
    assert re.search(r"\bR-\d{4}", rejected) and not re.search(r"\bQ-\d{4}", rejected)
    assert client.get("/admin/eic?state=bogus&page=zz").status_code == 200
    assert "Nessuna richiesta in questo stato." in page_text(client.get("/admin/eic?state=approvata"))


def test_register_page_and_csv_export(client, dbs, admin, requester, login_as):
    with dbs.session() as session:
        from myportal.eic.services import issue_code

        for name, long_name in (("UP-ONE", "Impianto, uno"), ("UP-TWO", 'Impianto "due"')):
            item = add_request(
                dbs,
                requester.operator_id,
                requester.id,
                display_name=name,
                long_name=long_name,
                vat_code="01234567890",
                state="respinta",
            )
            issue_code(session.get(EicRequest, item.id))
    login_as(admin)
    page = page_text(client.get("/admin/eic/registro"))
    assert "UP-ONE" in page and "UP-TWO" in page and 'href="/admin/eic/registro.csv"' in page

    response = client.get("/admin/eic/registro.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    content = response.get_data(as_text=True)
    assert not content.startswith("\ufeff")
    assert content.splitlines()[0] == (
        "EicCode,EicDisplayName,EicLongName,EicParent,EicResponsibleParty,EicStatus,MarketParticipantPostalCode,"
        "MarketParticipantIsoCountryCode,MarketParticipantVatCode,EicTypeFunctionList"
    )
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["EicDisplayName"] for row in rows] == ["UP-ONE", "UP-TWO"]
    assert rows[0]["EicLongName"] == "Impianto, uno" and rows[1]["EicLongName"] == 'Impianto "due"'
    for row in rows:
        assert eic.is_valid(row["EicCode"])
        assert (
            row["EicResponsibleParty"],
            row["EicStatus"],
            row["MarketParticipantIsoCountryCode"],
            row["MarketParticipantVatCode"],
            row["EicTypeFunctionList"],
            row["EicParent"],
        ) == ("Solare Adriatico S.p.A.", "Active", "IT", "01234567890", "Production Unit", "")


def test_empty_register(client, admin, login_as):
    login_as(admin)
    assert "Nessun codice EIC assegnato." in page_text(client.get("/admin/eic/registro"))
    content = client.get("/admin/eic/registro.csv").get_data(as_text=True)
    assert content.count("\r\n") == 1 and content.startswith("EicCode,")


def test_register_page_runs_constant_queries(app, client, dbs, admin, requester, login_as):
    from myportal.eic.services import issue_code

    def grow(start, stop):
        with dbs.session() as session:
            for number in range(start, stop):
                item = add_request(
                    dbs, requester.operator_id, requester.id, display_name=f"REG-{number:04d}", state="respinta"
                )
                issue_code(session.get(EicRequest, item.id))

    login_as(admin)
    grow(0, 2)
    client.get("/admin/eic/registro")
    with counting_statements(app) as small:
        client.get("/admin/eic/registro")
    grow(2, app.config["PAGE_SIZE"] + 5)
    with counting_statements(app) as large:
        assert "Pagina 1 di 2" in page_text(client.get("/admin/eic/registro"))
    assert len(small) == len(large)

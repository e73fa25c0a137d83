"""A small world for the checks over every endpoint: two operators, one user per role, and one object of
every kind owned by operator A (built through the models), plus helpers to name URLs and snapshot the
database."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pyotp
import pytest
from sqlalchemy import func, select

from myportal.extensions import db
from myportal.models import Base, utcnow
from myportal.privacy.models import ClosureRequest
from tests.admin.test_requests import new_request
from tests.conftest import csrf_from, enrol_second_factor, login, make_supply_point
from tests.invoicing import make_invoice
from tests.registration import add_join
from tests.security.forms import parse_forms

ROLES = ("anonymous", "operator_a", "operator_admin_a", "operator_b", "support", "admin")
BOGUS_TOKEN = "x" * 43  # the shape of a real token, matching nothing


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role name -> User
    ids: dict = field(default_factory=dict)  # object name -> id
    operator_a: int = 0
    operator_b: int = 0
    totp_secrets: dict = field(default_factory=dict)  # role name -> TOTP secret of an enrolled second factor


def build_objects(session, operator_id: int, user_id: int, seed: int) -> dict:
    """One object of every kind an operator owns, and the public objects their pages show."""
    from myportal.auctions.models import PROCEDURE_TYPES, Auction, Enrolment, EnrolmentDocument
    from myportal.content.models import LIBRARY_CATEGORIES, PERSONAL, Document, NewsItem
    from myportal.contracts.models import Contract
    from myportal.eic.models import FUNCTIONS, EicRequest
    from myportal.gstat.models import SOURCES, MonthlyReport, Plant
    from myportal.guarantees.models import GUARANTEE_TYPES, Guarantee
    from myportal.notifications.models import OutboxMessage
    from myportal.tickets.models import CATEGORIES, Ticket, TicketAttachment, TicketMessage

    today = date.today()
    now = utcnow()
    point = make_supply_point(session, operator_id, pod=f"IT001E{seed:09d}")
    contract = Contract(
        operator_id=operator_id,
        supply_point_id=point.id,
        number=f"CTR-SEC-{seed}",
        contract_type="dispacciamento",
        start_date=today - timedelta(days=400),
    )
    invoice = make_invoice(session, operator_id, f"SEC{seed:08d}", today - timedelta(days=40), point=point)
    ticket = Ticket(
        operator_id=operator_id, created_by_id=user_id, category=next(iter(CATEGORIES)), subject="Richiesta di verifica"
    )
    message = TicketMessage(ticket=ticket, author_id=user_id, body="Testo della richiesta")
    attachment = TicketAttachment(
        message=message, filename="nota.pdf", content_type="application/pdf", size=8, data=b"%PDF-1.4"
    )
    personal = Document(
        title="Documento personale",
        category=PERSONAL,
        operator_id=operator_id,
        filename="personale.pdf",
        content_type="application/pdf",
        size=8,
        data=b"%PDF-1.4",
    )
    library = Document(
        title="Documento pubblico",
        category=next(iter(LIBRARY_CATEGORIES)),
        operator_id=None,
        filename="pubblico.pdf",
        content_type="application/pdf",
        size=8,
        data=b"%PDF-1.4",
    )
    news = NewsItem(title="Notizia", summary="Sintesi", body="Testo", published=True, published_at=now)
    guarantee = Guarantee(
        operator_id=operator_id,
        contract_id=None,
        reference=f"GAR-{seed}",
        guarantee_type=next(iter(GUARANTEE_TYPES)),
        issuer="Banca Esempio S.p.A.",
        amount=Decimal("100000.00"),
        valid_from=today - timedelta(days=30),
        valid_to=today + timedelta(days=300),
    )
    eic_request = EicRequest(
        operator_id=operator_id,
        requested_by_id=user_id,
        object_type="X",
        display_name=f"SEC-{seed}"[:16],
        long_name="Operatore di prova",
        function=FUNCTIONS["X"][0],
        address="Via Roma 1, Roma",
        postal_code="00100",
        country="IT",
    )
    plant = Plant(
        operator_id=operator_id,
        gaudi_code=f"UP_SEC_{seed}",
        name="Impianto di prova",
        source=next(iter(SOURCES)),
        capacity_mw=Decimal("10.000"),
    )
    report_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    report = MonthlyReport(
        plant=plant,
        operator_id=operator_id,
        year=report_month.year,
        month=report_month.month,
        state="bozza",
        gross_production_mwh=Decimal("10"),
        net_production_mwh=Decimal("9"),
        auxiliary_consumption_mwh=Decimal("1"),
        pumping_consumption_mwh=Decimal("0"),
    )
    auction = Auction(
        code=f"ASTA-SEC-{seed}",
        title="Asta di prova",
        procedure_type=next(iter(PROCEDURE_TYPES)),
        delivery_start=today + timedelta(days=60),
        delivery_end=today + timedelta(days=425),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=20),
        published=True,
        published_at=now - timedelta(days=1),
    )
    enrolment = Enrolment(auction=auction, operator_id=operator_id, user_id=user_id)
    enrolment_document = EnrolmentDocument(
        enrolment=enrolment, requirement="Dichiarazione", filename="dichiarazione.pdf", size=8, data=b"%PDF-1.4"
    )
    outbox = OutboxMessage(recipient="someone@example.com", subject="Oggetto", body="Testo")
    session.add_all(
        [
            contract,
            ticket,
            personal,
            library,
            news,
            guarantee,
            eic_request,
            plant,
            report,
            auction,
            enrolment,
            enrolment_document,
            outbox,
        ]
    )
    session.flush()
    return {
        "supply_point": point.id,
        "contract": contract.id,
        "invoice": invoice.id,
        "ticket": ticket.id,
        "attachment": attachment.id,
        "personal_document": personal.id,
        "library_document": library.id,
        "news": news.id,
        "guarantee": guarantee.id,
        "eic_request": eic_request.id,
        "plant": plant.id,
        "report": report.id,
        "report_year": report.year,
        "report_month": report.month,
        "auction": auction.id,
        "enrolment": enrolment.id,
        "enrolment_document": enrolment_document.id,
        "outbox": outbox.id,
    }


_seed = iter(range(500_000, 10_000_000, 7))


@pytest.fixture
def world(make_operator, make_user, dbs) -> World:
    operator_a, operator_b = make_operator(), make_operator()
    result = World(operator_a=operator_a.id, operator_b=operator_b.id)
    result.users = {
        "operator_a": make_user("operator", operator_a),
        "operator_admin_a": make_user("operator_admin", operator_a),
        "colleague_a": make_user("operator", operator_a),
        "operator_b": make_user("operator", operator_b),
        "operator_admin_b": make_user("operator_admin", operator_b),
        "support": make_user("support", False),
        "admin": make_user("admin", False),
    }
    seed = next(_seed)
    with dbs.session() as session:
        result.ids = build_objects(session, operator_a.id, result.users["operator_a"].id, seed)
    result.ids["registration_request"] = new_request(dbs, seed).id
    result.ids["join_request"] = add_join(dbs, operator_a.id, f"aderente.{seed}").id
    for role in ("support", "admin"):
        secret = enrol_second_factor(dbs, result.users[role])
        if secret:
            result.totp_secrets[role] = secret
    result.ids["colleague"] = result.users["colleague_a"].id
    with dbs.session() as session:
        closure = ClosureRequest(user_id=result.users["colleague_a"].id, reason="Ho cambiato lavoro")
        session.add(closure)
        session.flush()
        result.ids["closure_request"] = closure.id
    return result


# --- URLs of every endpoint -------------------------------------------------------------------------------------

# The object each URL argument names, by argument; (endpoint, argument) entries override it.
ARGUMENTS = {
    "supply_point_id": "supply_point",
    "contract_id": "contract",
    "invoice_id": "invoice",
    "ticket_id": "ticket",
    "attachment_id": "attachment",
    "news_id": "news",
    "guarantee_id": "guarantee",
    "plant_id": "plant",
    "report_id": "report",
    "year": "report_year",
    "month": "report_month",
    "auction_id": "auction",
    "enrolment_id": "enrolment",
    "message_id": "outbox",
    "user_id": "colleague",
    "document_id": "personal_document",
    "request_id": "registration_request",
    "closure_id": "closure_request",
    "join_id": "join_request",
}
ARGUMENT_OVERRIDES = {
    ("auctions.document", "document_id"): "enrolment_document",
    ("auctions.admin_document", "document_id"): "enrolment_document",
    ("eic.request_detail", "request_id"): "eic_request",
    ("eic.admin_detail", "request_id"): "eic_request",
    ("eic.approve", "request_id"): "eic_request",
    ("eic.reject", "request_id"): "eic_request",
}
CONSTANT_ARGUMENTS = {"token": BOGUS_TOKEN, "filename": "css/portal.css"}


def url_for_rule(rule, world: World) -> str:
    """The path of ``rule`` with its arguments naming operator A's objects."""
    values = {}
    for name in rule.arguments:
        if name in CONSTANT_ARGUMENTS:
            values[name] = CONSTANT_ARGUMENTS[name]
        elif name == "operator_id":
            values[name] = world.operator_a
        elif name == "category":
            from myportal.content.models import LIBRARY_CATEGORIES

            values[name] = next(iter(LIBRARY_CATEGORIES))
        else:
            key = ARGUMENT_OVERRIDES.get((rule.endpoint, name)) or ARGUMENTS.get(name)
            assert key, f"{rule.endpoint}: no object for the URL argument {name!r} (add it to ARGUMENTS)"
            values[name] = world.ids[key]
    _, path = rule.build(values, append_unknown=False)
    return path


def all_rules(app):
    """Every rule of the URL map (the library has two rules for one endpoint: both are checked)."""
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))


def methods_of(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


# --- log-in and outcomes --------------------------------------------------------------------------------------


def is_logged_in(client) -> bool:
    response = client.get("/cambio-password")
    response.close()
    return response.status_code == 200


def client_for(app, world: World, role: str):
    """A client logged in as ``role`` through the real pages, second factor included when asked for."""
    client = app.test_client()
    if role == "anonymous":
        return client
    response = login(client, world.users[role].username)
    assert response.status_code == 302, f"log-in of {role} failed"
    if not is_logged_in(client) and role in world.totp_secrets:
        location = response.headers["Location"]
        html = client.get(location).get_data(as_text=True)
        forms = [form for form in parse_forms(html, location) if "code" in form.fields]
        assert forms, f"log-in of {role}: no second-factor code form at {location}"
        code = pyotp.TOTP(world.totp_secrets[role]).now()
        client.post(forms[0].action, data={**forms[0].defaults(), "code": code})
    assert is_logged_in(client), f"log-in of {role} did not start a session"
    return client


def token_for(client) -> str:
    """A valid CSRF token of this client's session (from the log-in page or the log-out form)."""
    html = client.get("/cambio-password").get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/accedi").get_data(as_text=True)
    return csrf_from(html)


def outcome(response) -> str:
    """login (redirect to the log-in page), forbidden, not_found, error (5xx) or ok."""
    if response.status_code in (301, 302, 303, 307, 308):
        if urlparse(response.headers.get("Location", "")).path == "/accedi":
            return "login"
        return "ok"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404:
        return "not_found"
    if response.status_code >= 500:
        return "error"
    return "ok"


# --- the database, whole -------------------------------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows of every table (inside an app context)."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables
    }


def snapshot() -> dict[str, list]:
    """Every row of every table, as sorted tuples of text (inside an app context)."""
    result = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        result[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return result


def counts(app) -> dict[str, int]:
    with app.app_context():
        return row_counts()


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in set(before) | set(after) if before.get(name) != after.get(name)}

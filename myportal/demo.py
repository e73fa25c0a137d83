"""``myportal demo-data``: demo operators, users of every role and records to try every registration path.

Idempotent: what exists already (looked up by VAT number, user name or natural key) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from stdnum import luhn
from stdnum.it import codicefiscale

from .extensions import db
from .features import feature_modules
from .models import utcnow
from .operators.models import ROLE_LABELS, Operator, User, username_key
from .operators.services import add_operator_user, create_user, get_or_create_operator
from .registration.imports import (
    CUSTOMERS,
    GECO_PRACTICES,
    LEGACY_CREDENTIALS,
    ImportResult,
    csv_lines,
    import_customers,
    import_geco_practices,
    import_legacy_credentials,
)
from .registration.models import RegistrationRequest
from .security.passwords import hash_password, normalise_secret_answer

# Published demo secrets, printed for newcomers: never used outside demo data.
DEMO_PASSWORD = "demo-portale-2025"  # noqa: S105
DEMO_LEGACY_PASSWORD = "vecchio-portale-2019"  # noqa: S105
DEMO_SECRET_ANSWER = "Scuola Collodi"  # noqa: S105


def demo_vat(body: str) -> str:
    """A valid Partita IVA: seven digits, the three-digit office code, then the check digit."""
    return body + luhn.calc_check_digit(body)


def demo_fiscal_code(body: str) -> str:
    """A valid codice fiscale from its first fifteen characters."""
    return body + codicefiscale.calc_check_digit(body)


# --- operators and users ----------------------------------------------------------------------------------

PRODUCER = {
    "name": "Solare Adriatico S.p.A.",
    "vat_number": demo_vat("0450001072"),
    "registered_address": "Via Giovanni Amendola 172, 70126 Bari (BA)",
    "email": "info.solareadriatico@example.com",
}
TRADER = {
    "name": "Energia Tirrenica Trading S.r.l.",
    "vat_number": demo_vat("0310002015"),
    "registered_address": "Corso Buenos Aires 54, 20124 Milano (MI)",
    "email": "info.tirrenica@example.com",
}
DISTRIBUTOR = {
    "name": "Rete Elettrica Valpadana S.p.A.",
    "vat_number": demo_vat("0280003020"),
    "registered_address": "Via Principe Amedeo 30, 46100 Mantova (MN)",
    "email": "info.valpadana@example.com",
    "customer_code": "004512",
}
PERSON = {
    "name": "Luca Verdi",
    "kind": "fisica",
    "fiscal_code": demo_fiscal_code("VRDLCU78B15L219"),
    "registered_address": "Via Nizza 88, 10126 Torino (TO)",
    "email": "luca.verdi@example.com",
}

# (role, user name, e-mail, full name[, operator])
STAFF = (
    ("admin", "admin", "admin@example.com", "Amministratore Demo"),
    ("support", "assistenza", "assistenza@example.com", "Assistenza Demo"),
)
OPERATOR_USERS = (
    ("operator_admin", "tirrenica.admin", "tirrenica.admin@example.com", "Referente Tirrenica", TRADER),
    ("operator", "tirrenica.operatore", "tirrenica.operatore@example.com", "Operatore Tirrenica", TRADER),
    ("operator_admin", "004512", "clienti.valpadana@example.com", "Ufficio Clienti Valpadana", DISTRIBUTOR),
)

# --- records of the registration paths (not registered yet) -------------------------------------------------

LEGACY_ROWS = (
    (
        demo_vat("0520004025"),
        "Idroelettrica Alpina S.r.l.",
        "Via Feltre 12, 32100 Belluno (BL)",
        "idroalpina",
        DEMO_LEGACY_PASSWORD,
        "idroalpina@example.com",
    ),
    (
        demo_vat("0530005062"),
        "Eolica Sannita S.r.l.",
        "Contrada Piano 5, 82100 Benevento (BN)",
        "eolica.sannita",
        DEMO_LEGACY_PASSWORD,
        "",
    ),
)
GECO_ROWS = (
    (
        "GECO-2023-00451",
        demo_vat("0610006053"),
        demo_fiscal_code("SPSPLA75C10F839"),
        "Fotovoltaica Maremma S.r.l.",
        "Strada Provinciale 3 km 4, 58100 Grosseto (GR)",
        "In lavorazione",
        "impianti@fotovoltaicamaremma.example.com",
    ),
    (
        "GECO-2024-01187",
        demo_vat("0630007080"),
        demo_fiscal_code("RMNFNC82H63H501"),
        "Accumuli Sud S.p.A.",
        "Via Marina 40, 89125 Reggio Calabria (RC)",
        "Preventivo accettato",
        "",
    ),
)
CUSTOMER_ROWS = (
    (
        "017345",
        demo_vat("0410008016"),
        "Cartiere Lombarde S.p.A.",
        "Via dell'Industria 8, 24100 Bergamo (BG)",
        "amministrazione.cartiere@example.com",
    ),
    (
        "023981",
        demo_fiscal_code("FRRNNA90E52D612"),
        "Anna Ferrari",
        "Via dei Serragli 21, 50124 Firenze (FI)",
        "anna.ferrari@example.com",
    ),
)

_REQUEST_COMMON = {"country": "IT", "secret_question": "school"}
PENDING_REQUESTS = (
    {
        "username": "giulia.bianchi",
        "full_name": "Giulia Bianchi",
        "fiscal_code": demo_fiscal_code("BNCGLI85M41F205"),
        "company_role": "Responsabile impianti",
        "email": "giulia.bianchi@example.com",
        "phone": "+39 080 555 0142",
        "mobile": "+39 333 555 0142",
        "person_kind": "giuridica",
        "vat_number": PRODUCER["vat_number"],
        "company_name": PRODUCER["name"],
    },
    {
        "username": "giuseppe.conti",
        "full_name": "Giuseppe Conti",
        "fiscal_code": demo_fiscal_code("CNTGPP70T20A944"),
        "company_role": "Titolare",
        "email": "giuseppe.conti@example.com",
        "phone": None,
        "mobile": "+39 347 555 0170",
        "person_kind": "fisica",
        "vat_number": None,
        "company_name": None,
    },
)
APPROVED_REQUEST = {
    "username": "luca.verdi",
    "full_name": PERSON["name"],
    "fiscal_code": PERSON["fiscal_code"],
    "company_role": "Titolare",
    "email": PERSON["email"],
    "phone": None,
    "mobile": "+39 320 555 0188",
    "person_kind": "fisica",
    "vat_number": None,
    "company_name": None,
}


@dataclass
class DemoReport:
    """What ``load_demo_data`` created, for the summary printed at the end."""

    created_users: list[str] = field(default_factory=list)
    created_requests: list[str] = field(default_factory=list)
    imports: list[ImportResult] = field(default_factory=list)


class _Hashes:
    """Each secret hashed at most once per run (argon2 is deliberately slow)."""

    def __init__(self):
        self._known: dict[str, str] = {}

    def remember(self, secret: str, hashed: str) -> None:
        self._known.setdefault(secret, hashed)

    def __call__(self, secret: str) -> str:
        if secret not in self._known:
            self._known[secret] = hash_password(secret)
        return self._known[secret]


def _find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username_key(username)))


def _find_request(username: str) -> RegistrationRequest | None:
    return db.session.scalar(select(RegistrationRequest).where(RegistrationRequest.username == username).limit(1))


def _load_users(report: DemoReport, hashes: _Hashes) -> None:
    for role, username, email, full_name in STAFF:
        if _find_user(username) is None:
            user = create_user(role=role, username=username, email=email, password=DEMO_PASSWORD, full_name=full_name)
            hashes.remember(DEMO_PASSWORD, user.password_hash)
            report.created_users.append(username)
    for role, username, email, full_name, operator_data in OPERATOR_USERS:
        operator = get_or_create_operator(actor=None, **operator_data)
        if _find_user(username) is None:
            add_operator_user(
                operator,
                actor=None,
                username=username,
                email=email,
                role=role,
                full_name=full_name,
                status="active",
                password_hash=hashes(DEMO_PASSWORD),
            )
            report.created_users.append(username)


def _load_paths(report: DemoReport) -> None:
    for importer, spec, rows in (
        (import_legacy_credentials, LEGACY_CREDENTIALS, LEGACY_ROWS),
        (import_geco_practices, GECO_PRACTICES, GECO_ROWS),
        (import_customers, CUSTOMERS, CUSTOMER_ROWS),
    ):
        result = importer(csv_lines(spec.names, rows), origin="demo-data", audit_unchanged=False)
        report.imports.append(result)
    for result in report.imports:
        if not result.ok:  # the rows above are fixed: an error here is a bug of this module
            raise RuntimeError("; ".join(str(error) for error in result.errors))


def _load_requests(report: DemoReport, hashes: _Hashes) -> None:
    answer = normalise_secret_answer(DEMO_SECRET_ANSWER)
    for data in PENDING_REQUESTS:
        if _find_request(data["username"]) is None:
            db.session.add(
                RegistrationRequest(
                    status="pending",
                    privacy_accepted_at=utcnow(),
                    secret_answer_hash=hashes(answer),
                    **_REQUEST_COMMON,
                    **data,
                )
            )
            report.created_requests.append(data["username"])

    person = get_or_create_operator(actor=None, **PERSON)
    data = APPROVED_REQUEST
    user = _find_user(data["username"])
    if user is None:
        user = add_operator_user(
            person,
            actor=None,
            username=data["username"],
            email=data["email"],
            status="active",
            password_hash=hashes(DEMO_PASSWORD),
            secret_answer_hash=hashes(answer),
            full_name=data["full_name"],
            fiscal_code=data["fiscal_code"],
            company_role=data["company_role"],
            mobile=data["mobile"],
            **_REQUEST_COMMON,
        )
        report.created_users.append(user.username)
    if _find_request(data["username"]) is None:
        now = utcnow()
        db.session.add(
            RegistrationRequest(
                status="approved",
                privacy_accepted_at=now,
                decided_at=now,
                decided_by=_find_user("admin"),
                user=user,
                operator=person,
                secret_answer_hash=hashes(answer),
                **_REQUEST_COMMON,
                **data,
            )
        )
        report.created_requests.append(data["username"])
    db.session.flush()


def load_demo_data() -> DemoReport:
    """Create whatever demo data is missing; the caller commits."""
    report = DemoReport()
    hashes = _Hashes()
    get_or_create_operator(actor=None, **PRODUCER)
    _load_users(report, hashes)
    _load_paths(report)
    _load_requests(report, hashes)
    _load_features()
    return report


def _load_features() -> None:
    """Each feature's ``demo.load_demo(operators)`` fills its area for the demo operators."""
    operators = list(db.session.scalars(select(Operator).order_by(Operator.id)))
    for module in feature_modules("demo"):
        module.load_demo(operators)
        db.session.flush()


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, user name, password) of every demo user."""
    rows = [(ROLE_LABELS[role], username, DEMO_PASSWORD) for role, username, *_ in STAFF]
    rows += [(ROLE_LABELS[role], username, DEMO_PASSWORD) for role, username, *_ in OPERATOR_USERS]
    rows.append((ROLE_LABELS["operator_admin"], APPROVED_REQUEST["username"], DEMO_PASSWORD))
    return rows


def demo_instructions() -> str:
    """The demo log-ins and the data to try each registration path, as printed by ``myportal demo-data``."""
    lines = ["Demo log-ins (http://127.0.0.1:5000/accedi):"]
    lines += [f"  {role:<26} {username:<22} {password}" for role, username, password in demo_logins()]
    lines.append("  (004512 is a customer code used as user name.)")
    lines.append("  Administrators and support staff set up two-step verification (an authenticator app, TOTP)")
    lines.append("  at their first log-in; the portal shows a QR code and the key as text.")
    lines += [
        "",
        "Registration paths to try (Registrati), records not registered yet:",
        "  1. Credenziali Portale Procedure Informatiche Terna: Partita IVA, login, password",
    ]
    lines += [f"     {row[0]}  {row[3]:<16} {row[4]}   ({row[1]})" for row in LEGACY_ROWS]
    lines.append("  2. Pratica Ge.Co.: Partita IVA, ID pratica, codice fiscale del richiedente")
    lines += [f"     {row[1]}  {row[0]:<16} {row[2]}   ({row[3]})" for row in GECO_ROWS]
    lines.append("  3. Codice cliente: codice cliente, codice fiscale o Partita IVA")
    lines += [f"     {row[0]}  {row[1]:<16}   ({row[2]})" for row in CUSTOMER_ROWS]
    pending = ", ".join(data["username"] for data in PENDING_REQUESTS)
    lines += [
        "  4. Nuovo utente: fill in the form with any data; requests already awaiting approval",
        f"     in the administrators' queue (log in as admin): {pending}.",
    ]
    return "\n".join(lines)


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load demo operators, users of every role and records for every registration path (idempotent)."""
    from .transaction import commit

    report = load_demo_data()
    commit()
    counts = ", ".join(f"{result.kind}: {result.summary}" for result in report.imports)
    created = len(report.created_users) + len(report.created_requests)
    click.echo(f"Demo data loaded ({created} users and requests created; {counts}).")
    click.echo("")
    click.echo(demo_instructions())

"""Fixtures: the app, a database rolled back after each test, a real SMTP server, factories, log-in."""

import email
import email.policy
import html
import itertools
import os
import re
import socket
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pyotp
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import event, func, orm, select
from stdnum import luhn
from stdnum.it import codicefiscale

from config import TestingConfig
from myportal import create_app
from myportal.contracts.models import SupplyPoint
from myportal.extensions import db, limiter
from myportal.models import utcnow
from myportal.operators.models import Operator, User, username_key
from myportal.security.mfa import decrypt_secret, encrypt_secret, new_recovery_codes, recovery_hash
from myportal.security.models import RecoveryCode
from myportal.security.passwords import hash_password

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


# --- identifiers -------------------------------------------------------------------------------------------


def make_vat(seed: int | None = None) -> str:
    """A valid Partita IVA, different for each seed (digits 8-10 are a province office code: 058, Rome)."""
    number = seed if seed is not None else next(_counter)
    base = f"{number % 9_999_999 + 1:07d}058"
    return base + luhn.calc_check_digit(base)


def make_fiscal_code(seed: int | None = None) -> str:
    """A valid 16-character codice fiscale."""
    number = seed if seed is not None else next(_counter)
    surname = "RSS"
    name = "MRA"
    body = f"{surname}{name}{80 + number % 20:02d}A{1 + number % 28:02d}H501"
    return body + codicefiscale.calc_check_digit(body)


# --- SMTP ---------------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    handler = _Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller
    controller.stop()


class Mailbox:
    """The messages the SMTP server received during a test."""

    def __init__(self, handler: _Collector):
        self._handler = handler
        handler.messages.clear()

    @property
    def messages(self):
        return list(self._handler.messages)

    def __len__(self):
        return len(self._handler.messages)

    def to(self, address: str):
        return [m for m in self._handler.messages if address.lower() in m["To"].lower()]

    def last(self, address: str | None = None):
        messages = self.to(address) if address else self.messages
        assert messages, f"no e-mail received{' for ' + address if address else ''}"
        return messages[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, address: str, path_prefix: str) -> str:
        """The path of the last link beginning with ``path_prefix`` in the last message to ``address``."""
        body = self.body(self.last(address))
        found = re.findall(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]*)", body)
        assert found, f"no link {path_prefix} in:\n{body}"
        return found[-1]


@pytest.fixture
def mailbox(smtp_server):
    return Mailbox(smtp_server.handler)


# --- application and database --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app(smtp_server):
    database_url = os.environ.get("TEST_DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{tempfile.mkdtemp(prefix='myportal-tests-')}/test.sqlite3"

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MAIL_SERVER = "127.0.0.1"
        MAIL_PORT = smtp_server.port
        RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")

    application = create_app(Config)
    with application.app_context():
        if db.engine.dialect.name == "postgresql":
            # Start from an empty schema, whatever an earlier run (of any version) left behind.
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        else:
            db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.engine.dispose()


class _ConnectionBoundSession(orm.Session):
    """Flask-SQLAlchemy's Session picks its engine itself; this one honours ``bind`` (the test's connection)."""

    def __init__(self, db=None, **options):
        super().__init__(**options)


@pytest.fixture(autouse=True)
def _database(app, request):
    """Each test runs inside a transaction rolled back at its end; commits become savepoints.

    Browser journeys are left out: their server runs in other threads on a database of its own."""
    if "/e2e/" in f"/{request.node.nodeid}":
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {
            "class_": _ConnectionBoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "expire_on_commit": False,
        }
    )
    with app.app_context():
        limiter.reset()
    yield
    db.session = original
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


class DatabaseAccess:
    """Reads and writes for a test, each in its own short app context (never one kept open, which
    requests would share). Objects come back detached, their loaded attributes readable."""

    def __init__(self, app):
        self.app = app

    def _call(self, name, *args, **kwargs):
        with self.app.app_context():
            return getattr(db.session, name)(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def scalar(self, *args, **kwargs):
        return self._call("scalar", *args, **kwargs)

    def scalars(self, *args, **kwargs):
        with self.app.app_context():
            return db.session.scalars(*args, **kwargs).all()

    def count(self, model, *where) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    @contextmanager
    def session(self):
        """A session whose changes are committed when the block ends."""
        with self.app.app_context():
            yield db.session
            db.session.commit()


@pytest.fixture
def dbs(app):
    return DatabaseAccess(app)


# --- factories -------------------------------------------------------------------------------------------------

_PASSWORD_HASH = None


def default_password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)
    return _PASSWORD_HASH


@pytest.fixture
def make_operator(app):
    def factory(**fields) -> Operator:
        number = next(_counter)
        fields.setdefault("name", f"Energia Demo {number} S.p.A.")
        fields.setdefault("vat_number", make_vat(number))
        fields.setdefault("registered_address", f"Via Roma {number}, 00100 Roma (RM)")
        fields.setdefault("kind", "giuridica")
        with app.app_context():
            operator = Operator(**fields)
            db.session.add(operator)
            db.session.commit()
            return operator

    return factory


@pytest.fixture
def make_user(app, make_operator):
    def factory(role: str = "operator", operator: Operator | None | bool = None, **fields) -> User:
        number = next(_counter)
        if operator is None and role in ("operator", "operator_admin"):
            operator = make_operator()
        username = fields.pop("username", f"user{number}")
        fields.setdefault("email", f"{username}@example.com")
        fields.setdefault("full_name", f"Utente {number}")
        fields.setdefault("status", "active")
        if "password" in fields:
            fields["password_hash"] = hash_password(fields.pop("password"))
        else:
            fields.setdefault("password_hash", default_password_hash())
        with app.app_context():
            user = User(
                username=username,
                username_key=username_key(username),
                role=role,
                operator_id=operator.id if operator else None,
                **fields,
            )
            db.session.add(user)
            db.session.commit()
            return user

    return factory


_supply_points = itertools.count(1)


def make_supply_point(session, operator, **fields) -> SupplyPoint:
    """A supply point of ``operator`` (an Operator or its id) added to ``session`` and flushed; every field
    has a plausible default, the POD and meter serial numbered so that points never collide."""
    number = next(_supply_points)
    values = {
        "operator_id": getattr(operator, "id", operator),
        "pod": f"IT001E{70000000 + number:08d}",
        "address": f"Via Emilia {number}",
        "postal_code": "48121",
        "city": "Ravenna",
        "province": "RA",
        "voltage_level": "BT",
        "voltage_v": 400,
        "contracted_power_kw": Decimal("6"),
        "available_power_kw": Decimal("6.6"),
        "meter_serial": f"MEC{number:09d}",
        "remotely_read": False,
        "distributor": "e-distribuzione S.p.A.",
        "active_since": date(2020, 1, 1),
    }
    values.update(fields)
    point = SupplyPoint(**values)
    session.add(point)
    session.flush()
    return point


def add_supply_point(dbs, operator, **fields) -> SupplyPoint:
    """``make_supply_point`` in a session of its own, committed."""
    with dbs.session() as session:
        return make_supply_point(session, operator, **fields)


# --- HTTP helpers ------------------------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def submit(client, url: str, data: dict, *, page: str | None = None, follow_redirects: bool = False):
    """Open ``page`` (default ``url``) like a browser, then post ``data`` with the page's CSRF token."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data}, follow_redirects=follow_redirects)


def page_text(page) -> str:
    """The HTML of ``page`` (a response or a string) with its entities decoded (apostrophes come back as ')."""
    return html.unescape(page if isinstance(page, str) else page.get_data(as_text=True))


def field_error(page, field: str) -> str:
    """The message shown next to the form field ``field`` of ``page`` (a response or HTML); '' when none."""
    source = page if isinstance(page, str) else page.get_data(as_text=True)
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', source, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


def login(client, username: str, password: str = DEFAULT_PASSWORD, follow_redirects: bool = False):
    return submit(client, "/accedi", {"username": username, "password": password}, follow_redirects=follow_redirects)


@pytest.fixture
def login_as(client):
    def do_login(user: User, password: str = DEFAULT_PASSWORD):
        response = login(client, user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


def make_admin(app, make_user, role: str = "admin", **fields) -> User:
    """An administrator (or ``role``) with a confirmed second factor, its TOTP secret in ``totp_secret``."""
    secret = pyotp.random_base32(32)
    with app.app_context():
        fields.update(mfa_secret=encrypt_secret(secret), mfa_enabled_at=utcnow())
    user = make_user(role=role, **fields)
    user.totp_secret = secret
    return user


def login_admin(client, admin):
    """Log ``admin`` (from ``make_admin``) in through the real pages, answering the code step if asked."""
    response = login(client, admin.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/accedi/codice"):
        response = submit(client, "/accedi/codice", {"code": pyotp.TOTP(admin.totp_secret).now()})
        assert response.status_code == 302 and "/accedi" not in response.headers["Location"], response.headers
    return client


def wait_for(predicate, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# --- counting SQL statements -------------------------------------------------------------------------------

HARNESS_STATEMENTS = ("SAVEPOINT", "RELEASE", "ROLLBACK")


@contextmanager
def counting_queries(app):
    """The SQL statements a request runs inside the block (the test harness's savepoints left out)."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(HARNESS_STATEMENTS):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- the second factor ---------------------------------------------------------------------------------


def user_secret(app, user_id: int) -> str:
    with app.app_context():
        return decrypt_secret(db.session.scalar(select(User.mfa_secret).where(User.id == user_id)))


def totp_code(app, user_id: int, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` 30-second steps later, still accepted once)."""
    totp = pyotp.TOTP(user_secret(app, user_id))
    return totp.generate_otp(totp.timecode(utcnow()) + steps_ahead)


def enrol_second_factor(dbs, user) -> str:
    """Give ``user`` a confirmed TOTP factor (staff log in with one); return its secret."""
    secret = pyotp.random_base32(32)
    with dbs.session() as session:
        row = session.get(User, user.id)
        row.mfa_secret = encrypt_secret(secret)
        row.mfa_enabled_at = utcnow()
    return secret


@pytest.fixture
def enable_mfa(app):
    """Turn MFA on for ``user`` as if enrolled; return the recovery codes."""

    def do_enable(user) -> list[str]:
        codes = new_recovery_codes()
        with app.app_context():
            row = db.session.get(User, user.id)
            row.mfa_secret = encrypt_secret(pyotp.random_base32(32))
            row.mfa_enabled_at = utcnow()
            db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_hash(user.id, c)) for c in codes)
            db.session.commit()
        return codes

    return do_enable

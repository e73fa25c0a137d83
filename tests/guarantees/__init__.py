"""Helpers of the guarantees tests: guarantees and exposures written straight to the database."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from myportal.guarantees.models import Exposure, Guarantee

_numbers = itertools.count(1)


def days(offset: int) -> date:
    return date.today() + timedelta(days=offset)


def add_guarantee(dbs, operator, **fields) -> Guarantee:
    number = next(_numbers)
    values = {
        "operator_id": operator.id,
        "reference": f"FB-TEST-{number:05d}",
        "guarantee_type": "fideiussione_bancaria",
        "issuer": "Banca di Prova S.p.A.",
        "amount": Decimal("100000.00"),
        "currency": "EUR",
        "valid_from": days(-100),
        "valid_to": days(300),
        "state": "attiva",
    }
    values.update(fields)
    values["amount"] = Decimal(str(values["amount"]))
    with dbs.session() as session:
        guarantee = Guarantee(**values)
        session.add(guarantee)
    return guarantee


def add_exposure(dbs, operator, amount, as_of: date | None = None, note: str = "") -> Exposure:
    with dbs.session() as session:
        exposure = Exposure(
            operator_id=operator.id, amount=Decimal(str(amount)), as_of=as_of or date.today(), note=note
        )
        session.add(exposure)
    return exposure


def make_admin(app, make_user, role: str = "admin", **fields):
    """An administrator (or ``role``) who can log in: with a confirmed second factor when the portal has one."""
    from myportal.operators.models import User

    if hasattr(User, "mfa_secret"):
        import pyotp

        from myportal.models import utcnow
        from myportal.security.mfa import encrypt_secret

        secret = pyotp.random_base32(32)
        with app.app_context():
            fields.update(mfa_secret=encrypt_secret(secret), mfa_enabled_at=utcnow())
        user = make_user(role=role, **fields)
        user.totp_secret = secret
        return user
    return make_user(role=role, **fields)


def login_admin(client, admin):
    """Log ``admin`` in, answering the code step if the portal asks for one."""
    from tests.conftest import login, submit

    response = login(client, admin.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/accedi/codice"):
        import pyotp

        code = pyotp.TOTP(admin.totp_secret).now()
        response = submit(client, "/accedi/codice", {"code": code})
        assert response.status_code == 302 and "/accedi" not in response.headers["Location"], response.headers
    return client

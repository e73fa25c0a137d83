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

"""Helpers of the EIC tests: a valid request form, direct records, and a SQL statement counter."""

import itertools

import pyotp

from myportal.eic.models import EicRequest
from tests.conftest import counting_queries as counting_statements  # noqa: F401 (re-exported)
from tests.conftest import csrf_from, enrol_second_factor, login

NEW = "/eic/nuova"
_numbers = itertools.count(1)


def form_data(**changes) -> dict:
    data = {
        "object_type": "W",
        "display_name": "UP-TEST-PV1",
        "long_name": "Impianto fotovoltaico di prova",
        "function": "Production Unit",
        "parent_eic": "",
        "address": "Viale Egidio Galbani 70, Roma",
        "postal_code": "00156",
        "country": "IT",
        "vat_code": "",
    }
    data.update(changes)
    return data


def add_request(dbs, operator_id: int, user_id: int | None = None, **fields) -> EicRequest:
    """An open request written straight into the database."""
    number = next(_numbers)
    values = {
        "operator_id": operator_id,
        "requested_by_id": user_id,
        "object_type": "W",
        "display_name": f"UNIT-{number:05d}",
        "long_name": f"Unità di prova {number}",
        "function": "Production Unit",
        "address": "Via Roma 1, Milano",
        "postal_code": "20121",
        "country": "IT",
        "state": "richiesta",
    }
    values.update(fields)
    with dbs.session() as session:
        eic_request = EicRequest(**values)
        session.add(eic_request)
    return eic_request


def logged_in(client) -> bool:
    response = client.get("/cambio-password")
    response.close()
    return response.status_code == 200


def login_user(client, dbs, user):
    """Log ``client`` in as ``user`` through the real pages, with the second factor when one is asked for."""
    secret = enrol_second_factor(dbs, user) if user.role in ("admin", "support") else None
    response = login(client, user.username)
    assert response.status_code == 302, response.get_data(as_text=True)
    if not logged_in(client) and secret:
        html = client.get("/accedi/codice").get_data(as_text=True)
        client.post("/accedi/codice", data={"csrf_token": csrf_from(html), "code": pyotp.TOTP(secret).now()})
    assert logged_in(client), f"log-in of {user.username} did not start a session"
    return client

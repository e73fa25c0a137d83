"""Helpers shared by the registration tests: records of the legacy systems, page reading, service calls."""

import re
from contextlib import contextmanager

from myportal.extensions import db
from myportal.models import utcnow
from myportal.registration.models import (
    CustomerRecord,
    GecoPractice,
    JoinRequest,
    LegacyCredential,
    RegistrationRequest,
)
from myportal.security.passwords import hash_password, normalise_secret_answer
from myportal.transaction import commit
from tests.conftest import make_fiscal_code, page_text, submit

GENERIC = "I dati inseriti non corrispondono ai nostri archivi"
NEW_PASSWORD = "una frase lunga e tutta mia"
LEGACY_PASSWORD = "vecchia-password-legacy"


def wrong_check_digit(code: str) -> str:
    """``code`` with its last character changed, so that only its checksum is wrong."""
    last = code[-1]
    return code[:-1] + (str((int(last) + 1) % 10) if last.isdigit() else ("A" if last != "A" else "B"))


def form_error(response) -> str:
    found = re.search(r'<div class="alert alert--error" role="alert">(.*?)</div>', page_text(response), re.S)
    return found.group(1) if found else ""


def add_legacy(
    dbs,
    *,
    vat: str,
    login: str = "acme.legacy",
    email: str | None = "uffici@acme.example",
    name: str = "Acme Energia S.p.A.",
    password: str = LEGACY_PASSWORD,
) -> LegacyCredential:
    with dbs.session() as session:
        record = LegacyCredential(
            login=login,
            vat_number=vat,
            company_name=name,
            registered_address="Via Roma 1, 00100 Roma (RM)",
            password_hash=hash_password(password),
            email=email,
        )
        session.add(record)
    return record


def add_practice(
    dbs,
    *,
    vat: str,
    requester: str,
    practice_id: str = "GC-2024-0001",
    name: str = "Solare Lucano S.r.l.",
    requester_email: str | None = None,
) -> GecoPractice:
    with dbs.session() as session:
        record = GecoPractice(
            practice_id=practice_id,
            vat_number=vat,
            requester_fiscal_code=requester,
            requester_email=requester_email,
            company_name=name,
            registered_address="Via Appia 10, 85100 Potenza (PZ)",
            status="In istruttoria",
        )
        session.add(record)
    return record


def add_customer(
    dbs,
    *,
    tax_code: str,
    customer_code: str = "005007",
    name: str = "Bianchi Mario",
    email: str | None = "mario.bianchi@example.com",
) -> CustomerRecord:
    with dbs.session() as session:
        record = CustomerRecord(
            customer_code=customer_code,
            tax_code=tax_code,
            company_name=name,
            registered_address="Via Prova 5, 48124 Ravenna (RA)",
            email=email,
        )
        session.add(record)
    return record


def add_request(dbs, **fields) -> RegistrationRequest:
    """A new-user request as the form stores it (default: a legal person, pending)."""
    values = {
        "status": "pending",
        "username": "nuovo.utente",
        "full_name": "Verdi Anna",
        "fiscal_code": None,
        "country": "IT",
        "company_role": "Legale rappresentante",
        "email": "anna.verdi@example.com",
        "phone": None,
        "mobile": "+39 333 1234567",
        "secret_question": "pet",
        "secret_answer_hash": hash_password(normalise_secret_answer("Fido")),
        "person_kind": "giuridica",
        "vat_number": None,
        "company_name": "Verdi Energia S.r.l.",
        "privacy_accepted_at": utcnow(),
    }
    values.update(fields)
    with dbs.session() as session:
        request = RegistrationRequest(**values)
        session.add(request)
    return request


LEGACY = "/registrazione/credenziali-legacy"
GECO = "/registrazione/pratica-geco"
CUSTOMER = "/registrazione/codice-cliente"
CONFIRM = "/registrazione/conferma"


def add_record(dbs, path: str, vat: str, *, email: str | None = None, seed: int = 1):
    """The record of ``path`` for the operator with Partita IVA ``vat``, its address on file ``email``; returns
    what the matching form needs (``username`` None where the applicant chooses it)."""
    if path == "legacy":
        add_legacy(dbs, vat=vat, login=f"legacy.{seed}", email=email)
        return {"vat_number": vat, "login": f"legacy.{seed}", "password": LEGACY_PASSWORD}
    if path == "geco":
        requester = make_fiscal_code(seed)
        add_practice(dbs, vat=vat, requester=requester, practice_id=f"GC-{seed}", requester_email=email)
        return {"vat_number": vat, "practice_id": f"GC-{seed}", "fiscal_code": requester}
    code = f"{seed % 1_000_000:06d}"
    add_customer(dbs, tax_code=vat, customer_code=code, name="Acme Energia S.p.A.", email=email)
    return {"customer_code": code, "tax_code": vat}


MATCH_PAGES = {"legacy": LEGACY, "geco": GECO, "customer": CUSTOMER}


def register(client, path: str, match: dict, email: str, username: str = "nuovo.referente"):
    """Match the record through the path's form, then confirm with ``email`` (and ``username`` for Ge.Co.);
    returns the confirmation's response."""
    response = submit(client, MATCH_PAGES[path], match)
    assert response.status_code == 302, page_text(response)
    data = {"privacy": "y", "email": email, **({"username": username} if path == "geco" else {})}
    return submit(client, CONFIRM, data)


def add_join(dbs, operator_id: int, username: str, **fields) -> JoinRequest:
    """A pending request to join the operator, as a registration of path 2 leaves it."""
    values = {
        "decider": "company",
        "path": "geco",
        "reference": f"GC-{username}"[:64],
        "email": f"{username}@example.com",
        **fields,
    }
    with dbs.session() as session:
        join = JoinRequest(operator_id=operator_id, username=username, username_key=username.casefold(), **values)
        session.add(join)
    return join


@contextmanager
def in_request(app):
    """Call services as a view would: inside a request; commit and send the queued e-mails at the end."""
    with app.test_request_context(method="POST"):  # services are called by writing requests
        yield db.session
        commit()

"""Helpers shared by the registration tests: records of the legacy systems, page reading, service calls."""

import re
from contextlib import contextmanager

from myportal.extensions import db
from myportal.models import utcnow
from myportal.registration.models import CustomerRecord, GecoPractice, LegacyCredential, RegistrationRequest
from myportal.security.passwords import hash_password, normalise_secret_answer
from myportal.transaction import commit
from tests.conftest import page_text

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
    dbs, *, vat: str, requester: str, practice_id: str = "GC-2024-0001", name: str = "Solare Lucano S.r.l."
) -> GecoPractice:
    with dbs.session() as session:
        record = GecoPractice(
            practice_id=practice_id,
            vat_number=vat,
            requester_fiscal_code=requester,
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


@contextmanager
def in_request(app):
    """Call services as a view would: inside a request; commit and send the queued e-mails at the end."""
    with app.test_request_context(method="POST"):  # services are called by writing requests
        yield db.session
        commit()

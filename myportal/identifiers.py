"""What people type as an identifier (Partita IVA, codice fiscale, customer code, ...): one parser that says
what it is, normalises it and, when it is wrong, names the real fault; and the e-mail addresses."""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from stdnum import exceptions as stdnum_errors
from stdnum import luhn
from stdnum.it import codicefiscale, iva

from .errors import DomainError

CUSTOMER_CODE_RE = re.compile(r"^\d{6}$", re.ASCII)
PRACTICE_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9._@-]{3,64}$")
DEFAULT_PEC_MARKERS = ("pec.", "legalmail.", "postacert.", "cert.", "pec-", "arubapec.", "sicurezzapostale.")

VAT = "vat"  # a Partita IVA: 11 digits, also the codice fiscale of a company (a legal person)
FISCAL_CODE = "fiscal_code"  # the 16-character codice fiscale of a natural person
CUSTOMER_CODE = "customer_code"  # six digits, as printed on the invoices
ANY = (VAT, FISCAL_CODE, CUSTOMER_CODE)
NATURAL_PERSON, LEGAL_PERSON = "fisica", "giuridica"

_SEPARATORS_RE = re.compile(r"[\s.\-:/]")
_LENGTHS = {VAT: 11, FISCAL_CODE: 16, CUSTOMER_CODE: 6}

VAT_OR_FISCAL_CODE = "Inserisci una Partita IVA di 11 cifre o un codice fiscale di 16 caratteri."
ANY_IDENTIFIER = (
    "Inserisci una Partita IVA (11 cifre, anche preceduta da IT), un codice fiscale (16 caratteri) "
    "o un codice cliente (6 cifre)."
)
CUSTOMER_CODE_MESSAGE = "Il codice cliente è composto da sei cifre, come riportato in fattura."


class IdentifierError(DomainError, ValueError):
    """A value that is not a valid identifier; the message, shown to the user, names the fault."""


@dataclass(frozen=True)
class Identifier:
    """A recognised identifier: ``kind`` (VAT, FISCAL_CODE or CUSTOMER_CODE) and its normalised ``value``."""

    kind: str
    value: str

    @property
    def person_kind(self) -> str | None:
        """NATURAL_PERSON for a 16-character codice fiscale, LEGAL_PERSON for a Partita IVA (or a company's
        numeric codice fiscale); None for a customer code, which says nothing about the person."""
        return {FISCAL_CODE: NATURAL_PERSON, VAT: LEGAL_PERSON}.get(self.kind)

    @property
    def natural_person(self) -> bool:
        return self.kind == FISCAL_CODE


def compact(value: str) -> str:
    """``value`` without spaces, dots, dashes, colons or slashes, in upper case."""
    return _SEPARATORS_RE.sub("", value or "").upper()


def parse_identifier(value: str, accept: tuple[str, ...] = ANY) -> Identifier:
    """What ``value`` is among the kinds in ``accept``, normalised and checked (an ``IT`` before a Partita IVA
    is dropped); IdentifierError with the real fault otherwise: a wrong check digit is called so, not a wrong
    length."""
    code = compact(value)
    prefixed = code.startswith("IT") and _digits(code[2:]) and VAT in accept
    if prefixed:
        code = code[2:]
    if _digits(code):
        if len(code) == _LENGTHS[VAT] and VAT in accept:
            return Identifier(VAT, _checked_vat(code))
        if len(code) == _LENGTHS[CUSTOMER_CODE] and CUSTOMER_CODE in accept and not prefixed:
            return Identifier(CUSTOMER_CODE, code)
        raise IdentifierError(_wrong_digit_count(len(code), accept, prefixed))
    if FISCAL_CODE in accept and code.isalnum() and code.isascii():
        if len(code) == _LENGTHS[FISCAL_CODE]:
            return Identifier(FISCAL_CODE, _checked_fiscal_code(code))
        if accept == (FISCAL_CODE,) or len(code) > _LENGTHS[VAT]:
            raise IdentifierError(f"Il codice fiscale è di 16 caratteri (lettere e cifre): ne hai scritti {len(code)}.")
    raise IdentifierError(_expected(accept))


def _digits(code: str) -> bool:
    return code.isascii() and code.isdigit()


def _expected(accept: tuple[str, ...]) -> str:
    """What to type, for a value that is none of the kinds in ``accept``."""
    kinds = set(accept)
    if kinds == {VAT}:
        return "La Partita IVA è composta da 11 cifre (anche preceduta da IT)."
    if kinds == {CUSTOMER_CODE}:
        return CUSTOMER_CODE_MESSAGE
    if kinds == {FISCAL_CODE}:
        return "Il codice fiscale è di 16 caratteri (lettere e cifre)."
    if kinds == {VAT, FISCAL_CODE}:
        return VAT_OR_FISCAL_CODE
    return ANY_IDENTIFIER


def _wrong_digit_count(count: int, accept: tuple[str, ...], prefixed: bool) -> str:
    kinds = set(accept)
    if kinds == {CUSTOMER_CODE}:
        return CUSTOMER_CODE_MESSAGE
    if kinds == {FISCAL_CODE}:
        if count == _LENGTHS[VAT]:
            return (
                "Il codice fiscale di una persona è di 16 caratteri (lettere e cifre): 11 cifre sono il codice "
                "fiscale di una società."
            )
        return f"Il codice fiscale è di 16 caratteri (lettere e cifre): ne hai scritti {count}."
    if prefixed or kinds <= {VAT, FISCAL_CODE}:
        return f"La Partita IVA è composta da 11 cifre: ne hai scritte {count}."
    written = "una cifra" if count == 1 else f"{count} cifre"
    return f"{ANY_IDENTIFIER[:-1]}: hai scritto {written}."


def _checked_vat(code: str) -> str:
    """11 digits that make a valid Partita IVA, or the fault: zeros, check digit, office code."""
    if int(code[:7]) == 0:
        raise IdentifierError("Partita IVA non valida: le prime sette cifre non possono essere tutte zero.")
    if not luhn.is_valid(code):
        raise IdentifierError("Partita IVA non valida: la cifra di controllo non corrisponde.")
    try:
        return iva.validate(code)
    except stdnum_errors.ValidationError as error:
        raise IdentifierError(
            "Partita IVA non valida: le cifre 8-10 non indicano un ufficio delle entrate esistente."
        ) from error


def _checked_fiscal_code(code: str) -> str:
    """16 letters and digits that make a valid codice fiscale (omocodic ones too), or the fault."""
    try:
        return codicefiscale.validate(code)
    except stdnum_errors.InvalidFormat as error:
        raise IdentifierError(
            "Codice fiscale non valido: lettere e cifre non sono al loro posto (ad esempio RSSMRA85T10A562S)."
        ) from error
    except stdnum_errors.InvalidChecksum as error:
        raise IdentifierError("Codice fiscale non valido: il carattere di controllo non corrisponde.") from error
    except stdnum_errors.ValidationError as error:
        raise IdentifierError("Codice fiscale non valido: la data di nascita che contiene non esiste.") from error


# --- the cleaners of form fields and import columns -----------------------------------------------------------


def clean_vat(value: str) -> str:
    """The 11 digits of a Partita IVA given with or without ``IT``, spaces or dots."""
    return parse_identifier(value, (VAT,)).value


def clean_fiscal_code(value: str) -> str:
    """A 16-character codice fiscale in upper case (omocodic codes accepted), or an 11-digit one."""
    return parse_identifier(value, (VAT, FISCAL_CODE)).value


def clean_personal_fiscal_code(value: str) -> str:
    """The 16-character codice fiscale of a natural person."""
    return parse_identifier(value, (FISCAL_CODE,)).value


def clean_tax_code(value: str) -> str:
    """A Partita IVA (11 digits, ``IT`` allowed) or a 16-character codice fiscale."""
    return parse_identifier(value, (VAT, FISCAL_CODE)).value


def clean_customer_code(value: str) -> str:
    return parse_identifier(value, (CUSTOMER_CODE,)).value


def clean_practice_id(value: str) -> str:
    compact = (value or "").strip().upper()
    if not PRACTICE_ID_RE.match(compact):
        raise IdentifierError("L'ID pratica contiene solo lettere, cifre e trattini (al massimo 20 caratteri).")
    return compact


def pec_markers() -> tuple[str, ...]:
    if has_app_context():
        return current_app.config.get("PEC_DOMAIN_MARKERS", DEFAULT_PEC_MARKERS)
    return DEFAULT_PEC_MARKERS


def clean_email(value: str, *, allow_pec: bool = False) -> str:
    """A syntactically valid e-mail address (normalised); PEC mailboxes refused unless allowed."""
    try:
        email = validate_email((value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise IdentifierError("Indirizzo e-mail non valido.") from error
    if not allow_pec:
        domain = email.rsplit("@", 1)[1].lower()
        if any(domain.startswith(marker) or f".{marker}" in f".{domain}" for marker in pec_markers()):
            raise IdentifierError(
                "Non indicare un indirizzo PEC: le caselle di posta certificata spesso rifiutano la posta "
                "ordinaria e non riceveresti le nostre comunicazioni."
            )
    return email

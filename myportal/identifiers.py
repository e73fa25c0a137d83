"""Italian identifiers and e-mail addresses: normalisation and checks shared by forms and imports."""

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from stdnum import exceptions as stdnum_errors
from stdnum.it import codicefiscale, iva

CUSTOMER_CODE_RE = re.compile(r"^\d{6}$")
PRACTICE_ID_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
USERNAME_RE = re.compile(r"^[A-Za-z0-9._@-]{3,64}$")
DEFAULT_PEC_MARKERS = ("pec.", "legalmail.", "postacert.", "cert.", "pec-", "arubapec.", "sicurezzapostale.")


class IdentifierError(ValueError):
    """A value that is not a valid identifier; the message is shown to the user."""


def clean_vat(value: str) -> str:
    """The 11 digits of a Partita IVA given with or without ``IT``, spaces or dots."""
    compact = iva.compact(value or "")
    if compact.upper().startswith("IT"):
        compact = compact[2:]
    try:
        return iva.validate(compact)
    except stdnum_errors.InvalidChecksum as error:
        raise IdentifierError("Partita IVA non valida: la cifra di controllo non corrisponde.") from error
    except stdnum_errors.ValidationError as error:
        raise IdentifierError("La Partita IVA deve essere composta da 11 cifre.") from error


def clean_fiscal_code(value: str) -> str:
    """A 16-character codice fiscale in upper case (omocodic codes accepted), or an 11-digit one."""
    compact = codicefiscale.compact(value or "")
    if len(compact) == 11 and compact.isdigit():
        return clean_vat(compact)
    try:
        return codicefiscale.validate(compact)
    except stdnum_errors.InvalidChecksum as error:
        raise IdentifierError("Codice fiscale non valido: il carattere di controllo non corrisponde.") from error
    except stdnum_errors.ValidationError as error:
        raise IdentifierError("Il codice fiscale deve essere di 16 caratteri (lettere e cifre).") from error


def clean_tax_code(value: str) -> str:
    """A Partita IVA (11 digits, ``IT`` allowed) or a 16-character codice fiscale."""
    compact = re.sub(r"[\s.\-]", "", value or "").upper()
    if compact.startswith("IT") and len(compact) == 13:
        compact = compact[2:]
    if compact.isdigit():
        return clean_vat(compact)
    if len(compact) == 16:
        return clean_fiscal_code(compact)
    raise IdentifierError("Inserisci una Partita IVA di 11 cifre o un codice fiscale di 16 caratteri.")


def clean_customer_code(value: str) -> str:
    compact = (value or "").strip()
    if not CUSTOMER_CODE_RE.match(compact):
        raise IdentifierError("Il codice cliente è composto da sei cifre, come riportato in fattura.")
    return compact


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

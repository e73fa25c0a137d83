"""Forms of EIC: the request and the administrators' decisions."""

import re

from babel import Locale
from flask_wtf import FlaskForm
from stdnum import exceptions as stdnum_errors
from stdnum.eu import eic as stdnum_eic
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import check_printable, strip, strip_upper
from ..identifiers import IdentifierError, clean_vat
from .models import FUNCTIONS, OBJECT_TYPES

DISPLAY_NAME_RE = re.compile(r"^[A-Z0-9-]+$")
VAT_RE = re.compile(r"^[A-Z0-9]{2,20}$")
TYPE_CHOICES = [("", "— Scegli il tipo di oggetto —")] + [
    (letter, f"{letter} – {label}") for letter, label in OBJECT_TYPES.items()
]
FUNCTION_CHOICES = [("", "— Scegli la funzione —")] + [
    (function, f"{function} ({letter})") for letter, functions in FUNCTIONS.items() for function in functions
]
_NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "ZZ"}  # regions in CLDR's territory list, not countries
_COUNTRIES = {
    code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
}
POSTAL_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def _compact(value):
    return re.sub(r"[\s.]", "", value).upper() if isinstance(value, str) else value


def check_display_name(form, field):
    if field.data and not DISPLAY_NAME_RE.match(field.data):
        raise ValidationError(
            "Il Display Name può contenere solo lettere maiuscole A-Z, cifre 0-9 e il trattino '-' "
            "(niente spazi, accenti o altri simboli)."
        )


def check_parent_eic(form, field):
    if not field.data:
        return
    try:
        field.data = stdnum_eic.validate(field.data)
    except stdnum_errors.InvalidChecksum as error:
        raise ValidationError("Codice EIC padre non valido: il carattere di controllo non corrisponde.") from error
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            "Il codice EIC padre è di 16 caratteri (lettere maiuscole, cifre e '-'), ad esempio 10X1001A1001A345."
        ) from error


def check_country(form, field):
    if field.data and field.data not in _COUNTRIES:
        raise ValidationError("Indica il codice ISO del paese di due lettere, ad esempio IT.")


def check_postal_code(form, field):
    if not field.data:
        return
    if form.country.data == "IT" and not re.fullmatch(r"\d{5}", field.data):
        raise ValidationError("Il CAP italiano è di 5 cifre, ad esempio 00156.")
    if not POSTAL_CODE_RE.match(field.data.upper()):
        raise ValidationError("Il codice postale contiene solo lettere, cifre, spazi e trattini.")


def check_object_type(form, field):
    if field.data and field.data not in OBJECT_TYPES:
        raise ValidationError("Scegli uno dei tipi di oggetto dell'elenco (X, Y, Z, W, T, V, A).")


def check_function(form, field):
    letter = form.object_type.data
    if field.data and not any(field.data in functions for functions in FUNCTIONS.values()):
        raise ValidationError("Scegli una delle funzioni dell'elenco.")
    if field.data and letter in FUNCTIONS and field.data not in FUNCTIONS[letter]:
        allowed = ", ".join(FUNCTIONS[letter])
        raise ValidationError(f"Per il tipo {letter} scegli una di queste funzioni: {allowed}.")


def check_vat(form, field):
    if not field.data:
        return
    if form.country.data == "IT":
        try:
            field.data = clean_vat(field.data)
        except IdentifierError as error:
            raise ValidationError(str(error)) from error
    elif not VAT_RE.match(field.data):
        raise ValidationError("Il codice IVA contiene solo lettere e cifre (al massimo 20).")


class EicRequestForm(FlaskForm):
    object_type = SelectField(
        "Tipo di oggetto",
        choices=TYPE_CHOICES,
        validate_choice=False,
        validators=[DataRequired("Scegli il tipo di oggetto da identificare."), check_object_type],
    )
    display_name = StringField(
        "Display Name",
        filters=[strip_upper],
        validators=[
            DataRequired("Indica il Display Name."),
            Length(max=16, message="Il Display Name è di al massimo 16 caratteri."),
            check_display_name,
        ],
    )
    long_name = StringField(
        "Long Name (denominazione completa)",
        filters=[strip],
        validators=[
            DataRequired("Indica la denominazione completa."),
            Length(max=70, message="La denominazione completa è di al massimo 70 caratteri."),
            check_printable,
        ],
    )
    function = SelectField(
        "Funzione (EicTypeFunctionList)",
        choices=FUNCTION_CHOICES,
        validate_choice=False,
        validators=[DataRequired("Scegli la funzione."), check_function],
    )
    parent_eic = StringField("Codice EIC padre", filters=[_compact], validators=[Optional(), check_parent_eic])
    address = StringField(
        "Indirizzo",
        filters=[strip],
        validators=[
            DataRequired("Indica l'indirizzo."),
            Length(max=300, message="L'indirizzo è di al massimo 300 caratteri."),
            check_printable,
        ],
    )
    postal_code = StringField(
        "CAP",
        filters=[strip],
        validators=[
            DataRequired("Indica il codice postale."),
            Length(max=10, message="Il codice postale è di al massimo 10 caratteri."),
            check_postal_code,
        ],
    )
    country = StringField(
        "Paese (codice ISO)",
        filters=[strip_upper],
        default="IT",
        validators=[DataRequired("Indica il paese."), check_country],
    )
    vat_code = StringField("Codice IVA", filters=[_compact], validators=[Optional(), check_vat])

    def request_data(self) -> dict:
        return {
            name: (self[name].data or None)
            for name in (
                "object_type",
                "display_name",
                "long_name",
                "function",
                "parent_eic",
                "address",
                "postal_code",
                "country",
                "vat_code",
            )
        }

"""Forms of guarantees: recording a guarantee or an exposure, state changes, the administrators' filters.

The money field is shared with the auctions' forms (it lives in :mod:`myportal.forms`).
"""

from decimal import Decimal

from babel.numbers import list_currencies
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import ItalianDateField, MoneyField, NotBefore, VatNumber, required_choice, strip
from .models import GUARANTEE_STATES, GUARANTEE_TYPES


class Currency:
    def __call__(self, form, field):
        value = (field.data or "").strip().upper()
        if len(value) != 3 or value not in list_currencies():
            raise ValidationError("Indica la valuta con il codice ISO di tre lettere, ad esempio EUR.")
        field.data = value


class PositiveAmount:
    def __init__(self, allow_zero: bool = False):
        self.allow_zero = allow_zero

    def __call__(self, form, field):
        if field.data is None:
            return
        if field.data < 0 or (field.data == 0 and not self.allow_zero):
            raise ValidationError(
                "L'importo non può essere negativo." if self.allow_zero else "L'importo deve essere maggiore di zero."
            )
        if field.data >= Decimal("1e12"):
            raise ValidationError("L'importo è troppo grande.")


def _vat_field():
    return StringField(
        "Partita IVA dell'operatore",
        filters=[strip],
        validators=[DataRequired("Indica la Partita IVA dell'operatore."), VatNumber()],
    )


class GuaranteeForm(FlaskForm):
    operator_vat = _vat_field()
    guarantee_type = SelectField(
        "Tipo di garanzia",
        choices=[("", "— Scegli il tipo —"), *GUARANTEE_TYPES.items()],
        validators=required_choice(GUARANTEE_TYPES, "Scegli il tipo di garanzia.", "Tipo non valido."),
    )
    issuer = StringField(
        "Emittente (banca, assicurazione, società garante)",
        filters=[strip],
        validators=[
            DataRequired("Indica l'emittente."),
            Length(max=200, message="Al massimo 200 caratteri."),
        ],
    )
    reference = StringField(
        "Numero di riferimento",
        filters=[strip],
        validators=[
            DataRequired("Indica il numero di riferimento."),
            Length(max=50, message="Al massimo 50 caratteri."),
        ],
    )
    amount = MoneyField("Importo", validators=[InputRequired("Indica l'importo."), PositiveAmount()])
    currency = StringField(
        "Valuta", default="EUR", filters=[strip], validators=[DataRequired("Indica la valuta."), Currency()]
    )
    valid_from = ItalianDateField("Valida dal", validators=[InputRequired("Indica la data di decorrenza.")])
    valid_to = ItalianDateField(
        "Valida fino al",
        validators=[
            InputRequired("Indica la data di scadenza."),
            NotBefore("valid_from", "La data di scadenza non può precedere la data di decorrenza."),
        ],
    )
    contract_number = StringField(
        "Numero del contratto coperto",
        filters=[strip],
        validators=[Optional(), Length(max=30, message="Al massimo 30 caratteri.")],
    )


class StateForm(FlaskForm):
    state = SelectField(
        "Nuovo stato",
        choices=list(GUARANTEE_STATES.items()),
        validators=[AnyOf(list(GUARANTEE_STATES), message="Stato non valido.")],
    )


class ExposureForm(FlaskForm):
    operator_vat = _vat_field()
    amount = MoneyField(
        "Esposizione", validators=[InputRequired("Indica l'esposizione."), PositiveAmount(allow_zero=True)]
    )
    as_of = ItalianDateField("Alla data", validators=[InputRequired("Indica la data di riferimento.")])
    note = TextAreaField(
        "Nota",
        filters=[strip],
        validators=[Optional(), Length(max=1000, message="Al massimo 1000 caratteri.")],
    )


class AdminFilterForm(FlaskForm):
    class Meta:
        csrf = False

    vat = StringField("Partita IVA", filters=[strip], validators=[Optional(), VatNumber()])
    state = SelectField("Stato", choices=[("", "Tutti"), *GUARANTEE_STATES.items()], validators=[Optional()])

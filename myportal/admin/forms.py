"""Forms of the back office: decisions on registration requests and the filters of the lists."""

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import VatNumber
from ..operators.models import ROLE_LABELS, USER_STATE_LABELS

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) pairs
    SelectChoice = None


def _choices(pairs) -> list:
    """Select options from (value, label) pairs, in the form the installed WTForms prefers."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A POST button: only the CSRF token."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Motivo del rifiuto",
        validators=[DataRequired("Indica il motivo del rifiuto."), Length(max=2000)],
    )


class InformationForm(FlaskForm):
    message = TextAreaField(
        "Informazioni richieste",
        validators=[DataRequired("Scrivi le informazioni da chiedere al richiedente."), Length(max=2000)],
    )


class FilterForm(FlaskForm):
    """A GET form of list filters (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    def valid_data(self) -> dict:
        """The data of the fields without errors (call after validate())."""
        return {name: field.data for name, field in self._fields.items() if not field.errors}


class UserFilterForm(FilterForm):
    q = StringField("Cerca", validators=[Optional(), Length(max=100)])
    role = SelectField(
        "Ruolo", choices=_choices([("", "Tutti"), *ROLE_LABELS.items()]), validate_choice=False, default=""
    )
    state = SelectField(
        "Stato",
        choices=_choices([("", "Tutti"), *USER_STATE_LABELS.items()]),
        validate_choice=False,
        default="",
    )
    locked = SelectField(
        "Blocco accesso",
        choices=_choices([("", "Tutti"), ("yes", "Bloccati"), ("no", "Non bloccati")]),
        validate_choice=False,
        default="",
    )


class ItalianDateField(StringField):
    """A date typed as gg/mm/aaaa or sent by a date picker as aaaa-mm-gg; ``data`` is a date or None."""

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y")

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        for pattern in self.FORMATS:
            try:
                self.data = datetime.strptime(self.raw, pattern).date()
                return
            except ValueError:
                continue
        raise ValueError("Data non valida: usa il formato gg/mm/aaaa.")

    def _value(self):
        if self.data:
            return self.data.isoformat()
        return getattr(self, "raw", "") or ""


class AuditFilterForm(FilterForm):
    username = StringField("Nome utente", validators=[Optional(), Length(max=64)])
    vat_number = StringField("Partita IVA", validators=[Optional(), VatNumber()])
    event = StringField("Evento", validators=[Optional(), Length(max=50)])
    date_from = ItalianDateField("Dal")
    date_to = ItalianDateField("Al")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("La data finale precede quella iniziale.")


class OutboxFilterForm(FilterForm):
    recipient = StringField("Destinatario", validators=[Optional(), Length(max=254)])

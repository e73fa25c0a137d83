"""Forms of the back office: decisions on registration requests and the filters of the lists."""

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms import ItalianDateField, select_choices
from ..identifiers import IdentifierError, clean_vat
from ..operators.models import ROLE_LABELS, USER_STATE_LABELS


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
        "Ruolo", choices=select_choices([("", "Tutti"), *ROLE_LABELS.items()]), validate_choice=False, default=""
    )
    state = SelectField(
        "Stato",
        choices=select_choices([("", "Tutti"), *USER_STATE_LABELS.items()]),
        validate_choice=False,
        default="",
    )
    locked = SelectField(
        "Blocco accesso",
        choices=select_choices([("", "Tutti"), ("yes", "Bloccati"), ("no", "Non bloccati")]),
        validate_choice=False,
        default="",
    )


_EVENT_RE = re.compile(r"[a-z0-9_.]+")
_VAT_LIKE_RE = re.compile(r"(it)?[\d .]+", re.IGNORECASE)


class AuditFilterForm(FilterForm):
    username = StringField("Nome utente", validators=[Optional(), Length(max=64)])
    operator = StringField("Operatore (Partita IVA o nome)", validators=[Optional(), Length(max=200)])
    event = StringField("Evento", validators=[Optional(), Length(max=50)])
    date_from = ItalianDateField("Dal")
    date_to = ItalianDateField("Al")

    def validate_operator(self, field):
        """A Partita IVA (checked, then normalised) or at least two letters of the name."""
        value = (field.data or "").strip()
        if _VAT_LIKE_RE.fullmatch(value):
            try:
                field.data = clean_vat(value)
            except IdentifierError as error:
                raise ValidationError(str(error)) from error
            return
        if len(value) < 2:
            raise ValidationError("Scrivi almeno due caratteri del nome dell'operatore.")
        field.data = value

    def operator_filter(self) -> dict:
        """{"vat_number": ...} or {"operator_name": ...} for the service, from a valid operator field."""
        value = self.operator.data if not self.operator.errors else ""
        if not value:
            return {}
        return {"vat_number": value} if value.isdigit() else {"operator_name": value}

    def validate_event(self, field):
        field.data = (field.data or "").strip().lower()
        if field.data and not _EVENT_RE.fullmatch(field.data):
            raise ValidationError("Evento non valido: usa lettere minuscole, cifre, punti e trattini bassi.")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("La data finale precede quella iniziale.")


class OutboxFilterForm(FilterForm):
    recipient = StringField("Destinatario", validators=[Optional(), Length(max=254)])

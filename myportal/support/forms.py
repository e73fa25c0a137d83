"""Forms of the help desk."""

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length

from .services import SupportError, recognise_query


class SearchForm(FlaskForm):
    """GET search: a Partita IVA, a codice fiscale or a customer code; ``kind`` and ``value`` once valid."""

    class Meta:
        csrf = False

    q = StringField(
        "Partita IVA, codice fiscale o codice cliente",
        validators=[
            DataRequired("Inserisci la Partita IVA, il codice fiscale o il codice cliente."),
            Length(max=40, message="Il valore inserito è troppo lungo."),
        ],
    )
    kind = value = None

    def validate_q(self, field):
        try:
            self.kind, self.value = recognise_query(field.data)
        except SupportError as error:
            raise ValidationError(str(error)) from error


class ActionForm(FlaskForm):
    """A POST button: only the CSRF token."""


class SecretAnswerForm(FlaskForm):
    answer = StringField(
        "Risposta data da chi chiama",
        validators=[DataRequired("Inserisci la risposta data da chi chiama."), Length(max=200)],
    )

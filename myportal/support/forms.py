"""Forms of the help desk."""

from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length

from ..identifiers import Identifier, IdentifierError, parse_identifier


class SearchForm(FlaskForm):
    """GET search: a Partita IVA, a codice fiscale or a customer code; ``identifier`` once valid."""

    class Meta:
        csrf = False

    q = StringField(
        "Partita IVA, codice fiscale o codice cliente",
        validators=[
            DataRequired("Inserisci la Partita IVA, il codice fiscale o il codice cliente."),
            Length(max=40, message="Il valore inserito è troppo lungo."),
        ],
    )
    identifier: Identifier | None = None

    def validate_q(self, field):
        try:
            self.identifier = parse_identifier(field.data)
        except IdentifierError as error:
            raise ValidationError(str(error)) from error


class SecretAnswerForm(FlaskForm):
    answer = StringField(
        "Risposta data da chi chiama",
        validators=[DataRequired("Inserisci la risposta data da chi chiama."), Length(max=200)],
    )

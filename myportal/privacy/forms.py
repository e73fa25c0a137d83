"""Forms of privacy: the notice's acknowledgement box (shared by the registration forms), closure requests
and the back office's decisions."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms import strip

MAX_REASON = 2000


def acknowledgement_field() -> BooleanField:
    """ "Ho letto l'informativa": required; recorded with the notice's version by the view that saves."""
    return BooleanField(
        "Ho letto l'informativa sul trattamento dei dati personali.",
        validators=[DataRequired("Per proseguire devi dichiarare di aver letto l'informativa privacy.")],
    )


def _reason(label: str, *validators):
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            *validators,
            Length(max=MAX_REASON, message=f"Il testo può contenere al massimo {MAX_REASON} caratteri."),
        ],
    )


class ClosureRequestForm(FlaskForm):
    reason = _reason("Motivo (facoltativo)")
    understood = BooleanField(
        "Ho capito che, una volta chiuso, l'account non potrà più essere usato né riattivato.",
        validators=[DataRequired("Conferma di aver capito che la chiusura è definitiva.")],
    )
    password = PasswordField(
        "Password attuale",
        validators=[DataRequired("Inserisci la tua password per confermare."), Length(max=256)],
    )


class CloseAccountForm(FlaskForm):
    note = _reason("Nota per il registro (facoltativa)")


class RejectClosureForm(FlaskForm):
    reason = _reason("Motivo", DataRequired("Indica il motivo: sarà comunicato all'utente."))

"""Forms of log-in and credentials."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import StrongPassword


class LoginForm(FlaskForm):
    username = StringField("Nome utente", validators=[DataRequired("Inserisci il nome utente."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Inserisci la password."), Length(max=256)])


class ForgotPasswordForm(FlaskForm):
    username = StringField(
        "Nome utente o codice cliente",
        validators=[DataRequired("Inserisci il nome utente o il codice cliente."), Length(max=64)],
    )


class SetPasswordForm(FlaskForm):
    """Choose a password (activation and reset); ``username_for_policy`` is set by the view."""

    password = PasswordField("Nuova password", validators=[DataRequired("Scegli una password."), StrongPassword()])
    confirm = PasswordField(
        "Conferma password",
        validators=[DataRequired("Ripeti la password."), EqualTo("password", "Le due password non coincidono.")],
    )

    def __init__(self, *args, username: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.username_for_policy = username


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(
        "Password attuale", validators=[DataRequired("Inserisci la password attuale."), Length(max=256)]
    )


class CodeForm(FlaskForm):
    """A code of the authenticator app, or a recovery code."""

    code = StringField(
        "Codice di verifica",
        validators=[DataRequired("Inserisci il codice di verifica."), Length(max=32, message="Codice non valido.")],
    )


class DisableMfaForm(CodeForm):
    password = PasswordField("Password", validators=[DataRequired("Inserisci la password."), Length(max=256)])


class CompanyMfaForm(FlaskForm):
    required = BooleanField("Richiedi la verifica in due passaggi a tutti gli utenti dell'azienda")

"""Forms of the company data (Dati anagrafici) and of the company users."""

import re

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from ..forms import Email, strip
from ..identifiers import USERNAME_RE
from ..security.access import OPERATOR
from .models import ROLE_LABELS

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ./-]{4,24}$")
PHONE_MESSAGE = "Indica il numero con cifre, spazi e il prefisso + facoltativo (da 5 a 25 caratteri)."
USERNAME_MESSAGE = "Il nome utente è di 3-64 caratteri: lettere, cifre e i segni . _ @ -"
COMPANY_ROLES = {role: ROLE_LABELS[role] for role in OPERATOR}


def _phone_field(label: str) -> StringField:
    return StringField(label, filters=[strip], validators=[Optional(), Regexp(PHONE_RE, message=PHONE_MESSAGE)])


class ContactForm(FlaskForm):
    """The numbers a user may change alone."""

    phone = _phone_field("Telefono fisso")
    mobile = _phone_field("Cellulare")
    fax = _phone_field("Fax")


class EmailChangeForm(FlaskForm):
    email = StringField(
        "Nuovo indirizzo e-mail",
        filters=[strip],
        validators=[
            DataRequired("Indica il nuovo indirizzo e-mail."),
            Length(max=254, message="L'indirizzo può contenere al massimo 254 caratteri."),
            Email(),
        ],
    )


class InviteForm(FlaskForm):
    full_name = StringField(
        "Cognome e Nome",
        filters=[strip],
        validators=[
            DataRequired("Indica cognome e nome del collega."),
            Length(max=200, message="Al massimo 200 caratteri."),
        ],
    )
    email = StringField(
        "Email (non PEC)",
        filters=[strip],
        validators=[DataRequired("Indica l'indirizzo e-mail del collega."), Length(max=254), Email()],
    )
    role = SelectField(
        "Ruolo",
        choices=COMPANY_ROLES,
        default="operator",
        validators=[AnyOf(list(COMPANY_ROLES), message="Ruolo non valido.")],
    )
    username = StringField(
        "Nome utente",
        filters=[strip],
        validators=[DataRequired("Scegli un nome utente."), Regexp(USERNAME_RE, message=USERNAME_MESSAGE)],
    )


class RoleForm(FlaskForm):
    role = SelectField(
        "Ruolo",
        choices=COMPANY_ROLES,
        validators=[AnyOf(list(COMPANY_ROLES), message="Ruolo non valido.")],
    )

"""Forms of the four registration paths and of the completion of a new-user request."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation, ValidationError

from ..forms import (
    CustomerCode,
    Email,
    FiscalCode,
    PersonalFiscalCode,
    PracticeId,
    TaxCode,
    VatNumber,
    required_choice,
    strip,
)
from ..identifiers import CUSTOMER_CODE_RE, USERNAME_RE
from ..privacy.forms import acknowledgement_field
from .joins import DECISIONS, NOTE_MAX_LENGTH
from .models import SECRET_QUESTIONS
from .services import REQUEST_FIELDS

PHONE_RE = re.compile(r"^[0-9+ ]{1,20}$")
PHONE_MESSAGE = "Indica il numero con sole cifre, spazi e il segno +, al massimo 20 caratteri."
USERNAME_MESSAGE = "Il nome utente è di 3-64 caratteri: lettere, cifre e i segni . _ @ -"

# ISO 3166-1 alpha-2: Italy first, then the other EU countries and a few neighbours.
COUNTRIES = [
    ("IT", "Italia"),
    ("AT", "Austria"),
    ("BE", "Belgio"),
    ("BG", "Bulgaria"),
    ("CY", "Cipro"),
    ("HR", "Croazia"),
    ("DK", "Danimarca"),
    ("EE", "Estonia"),
    ("FI", "Finlandia"),
    ("FR", "Francia"),
    ("DE", "Germania"),
    ("GR", "Grecia"),
    ("IE", "Irlanda"),
    ("LV", "Lettonia"),
    ("LT", "Lituania"),
    ("LU", "Lussemburgo"),
    ("MT", "Malta"),
    ("NL", "Paesi Bassi"),
    ("PL", "Polonia"),
    ("PT", "Portogallo"),
    ("CZ", "Repubblica Ceca"),
    ("RO", "Romania"),
    ("SK", "Slovacchia"),
    ("SI", "Slovenia"),
    ("ES", "Spagna"),
    ("SE", "Svezia"),
    ("HU", "Ungheria"),
    ("AL", "Albania"),
    ("ME", "Montenegro"),
    ("NO", "Norvegia"),
    ("GB", "Regno Unito"),
    ("SM", "San Marino"),
    ("RS", "Serbia"),
    ("CH", "Svizzera"),
    ("US", "Stati Uniti"),
    ("VA", "Città del Vaticano"),
]
PERSON_KINDS = [("fisica", "Persona Fisica"), ("giuridica", "Persona Giuridica")]
QUESTION_CHOICES = [("", "— Scegli una domanda —"), *SECRET_QUESTIONS.items()]


class RequiredWhen:
    """Required when another field has a given value; otherwise optional (the chain stops when empty)."""

    def __init__(self, other: str, value: str, message: str):
        self.other = other
        self.value = value
        self.message = message
        self.field_flags = {}

    def __call__(self, form, field):
        if field.data:
            return
        if form[self.other].data == self.value:
            raise StopValidation(self.message)
        field.errors[:] = []
        raise StopValidation()


def _fiscal_code_by_country(form, field):
    """Italian residents: a checked 16-character codice fiscale; others: letters and digits, no check."""
    value = re.sub(r"\s", "", field.data or "").upper()
    if form.country.data == "IT":
        PersonalFiscalCode()(form, field)
        return
    if not re.fullmatch(r"[A-Z0-9]{1,16}", value):
        raise ValidationError("Il codice fiscale contiene solo lettere e cifre, al massimo 16.")
    field.data = value


def _fiscal_code_required(form, field):
    """Required in Italy, and for a natural person anywhere (it identifies the operator); else optional."""
    if field.data:
        return
    if form.country.data == "IT":
        raise StopValidation("Inserisci il codice fiscale: è obbligatorio per chi risiede in Italia.")
    if form.person_kind.data == "fisica":
        raise StopValidation(
            "Una persona fisica indica il codice fiscale anche se risiede all'estero: identifica l'operatore."
        )
    field.errors[:] = []
    raise StopValidation()


def _not_a_customer_code(form, field):
    """Six digits are the customer codes' user names (path 3): a rule, the same for every such name."""
    if field.data and CUSTOMER_CODE_RE.match(field.data):
        raise ValidationError(
            _l("I nomi utente di sei cifre sono riservati ai codici cliente: aggiungi almeno una lettera.")
        )


def _username_field(label: str) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[
            DataRequired("Scegli un nome utente."),
            Regexp(USERNAME_RE, message=USERNAME_MESSAGE),
            _not_a_customer_code,
        ],
    )


# --- paths 1-3 -----------------------------------------------------------------------------------------


class LegacyCredentialsForm(FlaskForm):
    """ "Sono in possesso delle Credenziali di accesso al Portale Procedure Informatiche Terna"."""

    vat_number = StringField(
        "Partita IVA", filters=[strip], validators=[DataRequired("Inserisci la Partita IVA."), VatNumber()]
    )
    login = StringField(
        "Login",
        filters=[strip],
        validators=[DataRequired("Inserisci la login del Portale Procedure Informatiche."), Length(max=64)],
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Inserisci la password del Portale Procedure Informatiche."), Length(max=256)],
    )


class GecoPracticeForm(FlaskForm):
    """ "Sono titolare di una pratica di Richiesta di Connessione RTN (Ge.Co.)"."""

    vat_number = StringField(
        "Partita IVA", filters=[strip], validators=[DataRequired("Inserisci la Partita IVA."), VatNumber()]
    )
    practice_id = StringField(
        "ID pratica", filters=[strip], validators=[DataRequired("Inserisci l'ID pratica."), PracticeId()]
    )
    fiscal_code = StringField(
        "Codice fiscale del richiedente",
        filters=[strip],
        validators=[DataRequired("Inserisci il codice fiscale del richiedente."), FiscalCode()],
    )


class CustomerCodeForm(FlaskForm):
    """ "Sei un cliente e vuoi registrarti?"."""

    customer_code = StringField(
        "Codice cliente",
        filters=[strip],
        validators=[DataRequired("Inserisci il codice cliente presente in fattura."), CustomerCode()],
    )
    tax_code = StringField(
        "Codice fiscale o Partita IVA",
        filters=[strip],
        validators=[DataRequired("Inserisci il codice fiscale o la Partita IVA."), TaxCode()],
    )


class ConfirmRegistrationForm(FlaskForm):
    """ "Conferma registrazione": the e-mail that receives the credentials; ``choose_username`` for Ge.Co."""

    username = _username_field("Nome utente")
    email = StringField(
        "E-mail",
        filters=[strip],
        validators=[DataRequired("Indica l'indirizzo e-mail a cui inviare le credenziali."), Email()],
    )
    privacy = acknowledgement_field()

    def __init__(self, *args, choose_username: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not choose_username:
            del self.username


# --- path 4 --------------------------------------------------------------------------------------------


class RequestDetailsForm(FlaskForm):
    """The applicant's data of a new-user request (also corrected when an administrator asks)."""

    full_name = StringField(
        "Cognome e Nome",
        filters=[strip],
        validators=[DataRequired("Inserisci cognome e nome."), Length(max=200)],
    )
    country = SelectField(
        "Nazione",
        choices=COUNTRIES,
        default="IT",
        validate_choice=False,
        validators=required_choice(COUNTRIES, "Scegli la nazione.", "Scegli una nazione dell'elenco."),
    )
    fiscal_code = StringField(
        "Codice Fiscale", filters=[strip], validators=[_fiscal_code_required, _fiscal_code_by_country]
    )
    company_role = StringField(
        "Ruolo Aziendale",
        filters=[strip],
        validators=[DataRequired("Indica il tuo ruolo aziendale."), Length(max=100)],
    )
    email = StringField("Email", filters=[strip], validators=[DataRequired("Inserisci l'indirizzo e-mail."), Email()])
    phone = StringField(
        "Telefono fisso", filters=[strip], validators=[Optional(), Regexp(PHONE_RE, message=PHONE_MESSAGE)]
    )
    mobile = StringField(
        "Cellulare",
        filters=[strip],
        validators=[DataRequired("Inserisci il numero di cellulare."), Regexp(PHONE_RE, message=PHONE_MESSAGE)],
    )
    person_kind = RadioField(
        "Persona Fisica / Persona Giuridica",
        choices=PERSON_KINDS,
        validate_choice=False,
        validators=required_choice(PERSON_KINDS, "Indica se ti registri come persona fisica o giuridica."),
    )
    vat_number = StringField(
        "Partita IVA",
        filters=[strip],
        validators=[
            RequiredWhen("person_kind", "giuridica", "Una persona giuridica deve indicare la Partita IVA."),
            VatNumber(),
        ],
    )
    company_name = StringField(
        "Ragione sociale",
        filters=[strip],
        validators=[
            RequiredWhen("person_kind", "giuridica", "Una persona giuridica deve indicare la ragione sociale."),
            Length(max=200),
        ],
    )

    def details(self) -> dict:
        return {name: self[name].data for name in REQUEST_FIELDS}


class NewUserForm(RequestDetailsForm):
    """ "Non dispongo/ricordo le credenziali di accesso al portale sistemi legacy Terna"."""

    username = _username_field("Nome Utente")
    secret_question = SelectField(
        "Domanda segreta",
        choices=QUESTION_CHOICES,
        validate_choice=False,
        validators=required_choice(QUESTION_CHOICES, "Scegli una delle domande segrete."),
    )
    secret_answer = StringField(
        "Risposta",
        filters=[strip],
        validators=[DataRequired("Scrivi la risposta alla domanda segreta."), Length(max=200)],
    )
    privacy = acknowledgement_field()


class CompleteRequestForm(RequestDetailsForm):
    """The applicant's answer to an administrator's request for more information."""

    reply = TextAreaField(
        "Risposta agli amministratori",
        filters=[strip],
        validators=[DataRequired("Scrivi una risposta per gli amministratori."), Length(max=4000)],
    )


class ChooseUsernameForm(FlaskForm):
    """Another user name, chosen through the link e-mailed when the one asked for was not free."""

    username = _username_field(_l("Nuovo nome utente"))


# --- requests to join ----------------------------------------------------------------------------------

DECISION_MESSAGE = _l("Scegli se approvare o rifiutare la richiesta.")
NOTE_TOO_LONG = _l("Al massimo %(n)d caratteri.", n=NOTE_MAX_LENGTH)


class JoinDecisionForm(FlaskForm):
    """A company administrator's decision: the button pressed, and a message for the applicant."""

    decision = StringField(
        _l("Decisione"),
        validators=required_choice(DECISIONS, DECISION_MESSAGE),
    )
    note = TextAreaField(
        _l("Messaggio per il richiedente (facoltativo)"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=NOTE_MAX_LENGTH, message=NOTE_TOO_LONG),
        ],
    )


class BackOfficeJoinForm(JoinDecisionForm):
    """The back office's decision in place of the company: the reason stays in the audit log."""

    note = TextAreaField(
        _l("Motivo della decisione"),
        filters=[strip],
        validators=[
            DataRequired(_l("Indica il motivo della decisione: resta nel registro delle attività.")),
            Length(max=NOTE_MAX_LENGTH, message=NOTE_TOO_LONG),
        ],
    )


class AddressDecisionForm(FlaskForm):
    """The answer of the address on file: the button pressed."""

    decision = StringField(
        _l("Decisione"),
        validators=required_choice(DECISIONS, DECISION_MESSAGE),
    )

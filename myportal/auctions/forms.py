"""Forms of auctions: the procedure, the enrolment (built from the procedure), decisions and filters."""

from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..dates import from_local, local_time
from ..forms import After, ItalianDateField, MoneyField, NotBefore, required_choice, strip, strip_upper
from .models import ENROLMENT_STATES, PROCEDURE_TYPES
from .services import MAX_DOCUMENT_BYTES, AuctionError, check_pdf


class RomeDateTimeField(ItalianDateField):
    """Date and time in Italian time (aaaa-mm-ggThh:mm from a picker, or gg/mm/aaaa hh:mm); data in UTC."""

    FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")
    MESSAGE = "Data e ora non valide: usa il formato gg/mm/aaaa hh:mm."

    def convert(self, parsed: datetime) -> datetime:
        return from_local(parsed)

    def shown(self) -> str | None:
        return local_time(self.data).strftime("%Y-%m-%dT%H:%M") if isinstance(self.data, datetime) else None


class NotNegative:
    def __call__(self, form, field):
        if field.data is not None and field.data < 0:
            raise ValidationError("La garanzia minima non può essere negativa.")


class AuctionForm(FlaskForm):
    code = StringField(
        "Codice",
        filters=[strip_upper],
        validators=[
            DataRequired("Indica il codice della procedura."),
            Length(max=30, message="Al massimo 30 caratteri."),
        ],
    )
    title = StringField(
        "Titolo",
        filters=[strip],
        validators=[DataRequired("Indica il titolo."), Length(max=200, message="Al massimo 200 caratteri.")],
    )
    procedure_type = SelectField(
        "Tipo di procedura",
        choices=[("", "— Scegli il tipo —"), *PROCEDURE_TYPES.items()],
        validators=required_choice(PROCEDURE_TYPES, "Scegli il tipo di procedura.", "Tipo non valido."),
    )
    product = StringField(
        "Prodotto",
        filters=[strip],
        validators=[Optional(), Length(max=200, message="Al massimo 200 caratteri.")],
    )
    delivery_start = ItalianDateField("Inizio del periodo di consegna", validators=[InputRequired("Indica l'inizio.")])
    delivery_end = ItalianDateField(
        "Fine del periodo di consegna",
        validators=[
            InputRequired("Indica la fine."),
            NotBefore("delivery_start", "La fine del periodo di consegna non può precedere l'inizio."),
        ],
    )
    opens_at = RomeDateTimeField("Apertura delle iscrizioni", validators=[InputRequired("Indica l'apertura.")])
    closes_at = RomeDateTimeField(
        "Chiusura delle iscrizioni",
        validators=[
            InputRequired("Indica la chiusura."),
            After("opens_at", "La chiusura delle iscrizioni deve seguire la loro apertura."),
        ],
    )
    declarations = TextAreaField(
        "Dichiarazioni richieste",
        filters=[strip],
        validators=[Optional(), Length(max=10000, message="Al massimo 10000 caratteri.")],
    )
    required_documents = TextAreaField(
        "Documenti richiesti",
        filters=[strip],
        validators=[Optional(), Length(max=5000, message="Al massimo 5000 caratteri.")],
    )
    minimum_guarantee = MoneyField(
        "Garanzia minima (EUR)",
        default=0,
        validators=[InputRequired("Indica la garanzia minima (0 se nessuna)."), NotNegative()],
    )


class EnrolmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField("Stato", choices=[("", "Tutti"), *ENROLMENT_STATES.items()], validators=[Optional()])


class PdfDocument:
    """A required PDF; the checked file is kept on ``field.checked``."""

    def __call__(self, form, field):
        field.checked = None
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            raise ValidationError("Allega il documento richiesto (PDF).")
        data = storage.read(MAX_DOCUMENT_BYTES + 1)
        try:
            field.checked = check_pdf(storage.filename, data)
        except AuctionError as error:
            raise ValidationError(str(error)) from error


def enrolment_form(auction, **kwargs) -> FlaskForm:
    """The enrolment form of ``auction``: a required checkbox per declaration, a PDF per document."""

    class EnrolmentForm(FlaskForm):
        pass

    for index, text in enumerate(auction.declaration_list):
        setattr(
            EnrolmentForm,
            f"declaration_{index}",
            BooleanField(text, validators=[DataRequired("Per iscriverti devi accettare la dichiarazione.")]),
        )
    for index, label in enumerate(auction.document_list):
        setattr(EnrolmentForm, f"document_{index}", FileField(label, validators=[PdfDocument()]))
    form = EnrolmentForm(**kwargs)
    form.declaration_fields = [form[f"declaration_{i}"] for i in range(len(auction.declaration_list))]
    form.document_fields = [form[f"document_{i}"] for i in range(len(auction.document_list))]
    return form

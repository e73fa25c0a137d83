"""Forms of tickets: opening, replying, state change and the lists' filters."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from ..forms import required_choice, strip
from .attachments import MAX_ATTACHMENT_BYTES, AttachmentError, check_attachment
from .models import CATEGORIES, STATES

CATEGORY_CHOICES = {"": "— Scegli una categoria —", **CATEGORIES}
MAX_BODY = 5000


class Attachment:
    """Optional file checked by extension, size and content; the result is kept on ``field.checked``."""

    def __call__(self, form, field):
        field.checked = None
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            return
        data = storage.read(MAX_ATTACHMENT_BYTES + 1)
        try:
            field.checked = check_attachment(storage.filename, data)
        except AttachmentError as error:
            raise ValidationError(str(error)) from error


def _attachment_field():
    return FileField(
        "Allegato",
        validators=[Attachment()],
        description="Facoltativo. PDF, PNG, JPEG, TXT, CSV o XLSX, al massimo 5 MB.",
    )


def _body_field(label="Messaggio"):
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            DataRequired("Scrivi il messaggio."),
            Length(max=MAX_BODY, message=f"Il messaggio può contenere al massimo {MAX_BODY} caratteri."),
        ],
    )


class TicketForm(FlaskForm):
    category = SelectField(
        "Categoria",
        choices=CATEGORY_CHOICES,
        validators=required_choice(CATEGORIES, "Scegli una categoria.", "Categoria non valida."),
    )
    subject = StringField(
        "Oggetto",
        filters=[strip],
        validators=[
            DataRequired("Indica l'oggetto della richiesta."),
            Length(max=200, message="L'oggetto può contenere al massimo 200 caratteri."),
        ],
    )
    body = _body_field()
    attachment = _attachment_field()


class ReplyForm(FlaskForm):
    body = _body_field("Risposta")
    attachment = _attachment_field()


class StaffReplyForm(ReplyForm):
    state = SelectField(
        "Stato dopo la risposta",
        choices=dict(STATES),
        default="in_lavorazione",
        validators=[AnyOf(list(STATES), message="Stato non valido.")],
    )


class StateForm(FlaskForm):
    new_state = SelectField(
        "Stato", choices=dict(STATES), validators=[AnyOf(list(STATES), message="Stato non valido.")]
    )


class TicketFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField("Stato", choices={"": "Tutti", **STATES}, validators=[Optional()])


class StaffFilterForm(TicketFilterForm):
    category = SelectField("Categoria", choices={"": "Tutte", **CATEGORIES}, validators=[Optional()])

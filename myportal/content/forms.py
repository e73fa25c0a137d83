"""Forms of content publishing: news and document upload."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import VatNumber, select_choices
from .models import CATEGORY_LABELS


class NewsForm(FlaskForm):
    title = StringField("Titolo", validators=[DataRequired("Inserisci il titolo."), Length(max=200)])
    summary = TextAreaField(
        "Sommario",
        validators=[DataRequired("Scrivi un breve sommario."), Length(max=500, message="Al massimo 500 caratteri.")],
    )
    body = TextAreaField(
        "Testo",
        validators=[DataRequired("Scrivi il testo della notizia."), Length(max=20000)],
    )


class NewNewsForm(NewsForm):
    publish = BooleanField("Pubblica subito")


class DocumentForm(FlaskForm):
    title = StringField("Titolo", validators=[DataRequired("Inserisci il titolo."), Length(max=200)])
    description = TextAreaField("Descrizione", validators=[Optional(), Length(max=2000)])
    category = SelectField(
        "Categoria",
        choices=select_choices([("", "— scegli —"), *CATEGORY_LABELS.items()]),
        validators=[DataRequired("Scegli una categoria.")],
    )
    operator_vat = StringField(
        "Partita IVA dell'operatore",
        validators=[Optional(), VatNumber()],
    )
    file = FileField(
        "File",
        validators=[FileRequired("Scegli il file da pubblicare.")],
    )

"""Forms of GSTAT: the monthly report of a plant, the CSV upload, the administrators' forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from ..formatting import ITALIAN, month_names
from ..forms import Cleaned, VatNumber, YearField, strip
from .imports import clean_capacity, clean_gaudi_code
from .models import FUEL_UNITS, SOURCES
from .validation import FIGURES


class ReportForm(FlaskForm):
    """The figures of one plant and month; the rules live in services.validate_report."""

    gross_production_mwh = StringField("Produzione lorda (MWh)", filters=[strip])
    net_production_mwh = StringField("Produzione netta (MWh)", filters=[strip])
    auxiliary_consumption_mwh = StringField("Consumi dei servizi ausiliari (MWh)", filters=[strip])
    pumping_consumption_mwh = StringField("Consumi per pompaggio (MWh)", filters=[strip])
    fuel_type = SelectField(
        "Unità del combustibile",
        choices=[("", "—"), *FUEL_UNITS.items()],
        validate_choice=False,
    )
    fuel_quantity = StringField("Quantità di combustibile", filters=[strip])

    def __init__(self, *args, plant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plant = plant
        if plant is not None and not plant.is_thermal:
            del self.fuel_type
            del self.fuel_quantity

    def raw(self) -> dict:
        names = [*FIGURES, "fuel_type", "fuel_quantity"]
        return {name: (self[name].data or "") if name in self else "" for name in names}


class UploadForm(FlaskForm):
    file = FileField("File CSV")
    submit_now = BooleanField("Invia direttamente (i report non restano in bozza)")

    def validate_file(self, field):
        storage = field.data
        if storage is None or not getattr(storage, "filename", ""):
            raise ValidationError("Scegli il file CSV da caricare.")
        if not storage.filename.lower().endswith((".csv", ".txt")):
            raise ValidationError("Il file deve essere un CSV (estensione .csv).")


class MonthForm(FlaskForm):
    """The month chosen in the administrators' pages (a GET form)."""

    class Meta:
        csrf = False

    year = YearField("Anno", render_kw={"inputmode": "numeric"})
    month = SelectField(
        "Mese",
        choices=[(str(number), name) for number, name in enumerate(month_names(ITALIAN), 1)],
        validate_choice=False,
        validators=[AnyOf([str(number) for number in range(1, 13)], message="Scegli un mese dall'elenco.")],
    )

    def chosen(self) -> tuple[int, int] | None:
        """(year, month) of a valid form, else None (the fields say why)."""
        if not self.validate() or self.year.data is None:
            return None
        return self.year.data, int(self.month.data)


class PlantForm(FlaskForm):
    vat_number = StringField(
        "Partita IVA dell'operatore",
        filters=[strip],
        validators=[DataRequired("Indica la Partita IVA dell'operatore."), VatNumber()],
    )
    gaudi_code = StringField(
        "Codice GAUDÌ",
        filters=[strip],
        validators=[DataRequired("Indica il codice GAUDÌ."), Cleaned(clean_gaudi_code)],
    )
    name = StringField(
        "Denominazione",
        filters=[strip],
        validators=[DataRequired("Indica la denominazione dell'impianto."), Length(max=200)],
    )
    source = SelectField(
        "Fonte",
        choices=[("", "— Scegli la fonte —"), *SOURCES.items()],
        validators=[DataRequired("Scegli la fonte.")],
    )
    capacity_mw = StringField(
        "Potenza (MW)",
        filters=[strip],
        validators=[DataRequired("Indica la potenza in MW."), Cleaned(clean_capacity)],
    )

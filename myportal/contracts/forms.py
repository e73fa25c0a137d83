"""Forms of the operator's area: the measurement period and the meter self-reading."""

from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import TextInput

from .. import dates
from ..csvimport import NotANumber, parse_decimal
from ..forms import ItalianDateField
from .models import SupplyPoint


class QuantityField(DecimalField):
    """A non-negative quantity with at most three decimals, read the Italian way (``1.234,5``; see
    :func:`myportal.csvimport.parse_decimal`)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("places", None)
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "")
        if not text:
            self.data = None
            return
        try:
            value = parse_decimal(text)
        except NotANumber as error:
            self.data = None
            raise ValueError(f"Inserisci un numero, ad esempio 1234,5 ({str(error).rstrip('.')}).") from None
        if value.as_tuple().exponent < -3:
            self.data = None
            raise ValueError("Al massimo tre cifre decimali.")
        self.data = value


def _quantity(label: str, missing: str, maximum: int) -> QuantityField:
    return QuantityField(
        label,
        validators=[
            InputRequired(missing),
            NumberRange(min=0, message="Il valore non può essere negativo."),
            NumberRange(max=maximum, message="Il valore è troppo grande."),
        ],
    )


class FilterForm(FlaskForm):
    """A GET form (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False


class MeasurementFilterForm(FilterForm):
    """The period of the measurements; the rules on the period are in services.check_period."""

    date_from = ItalianDateField("Dal", validators=[Optional()])
    date_to = ItalianDateField("Al", validators=[Optional()])


class SelfReadingForm(FlaskForm):
    """Autolettura contatore: readings by band, and the power only where the contracted power asks for it."""

    reading_date = ItalianDateField(
        "Data lettura", validators=[InputRequired("Indica la data della lettura.")], default=dates.today
    )
    f1_kwh = _quantity("Lettura F1 (kWh)", "Indica la lettura della fascia F1.", 10**11)
    f2_kwh = _quantity("Lettura F2 (kWh)", "Indica la lettura della fascia F2.", 10**11)
    f3_kwh = _quantity("Lettura F3 (kWh)", "Indica la lettura della fascia F3.", 10**11)
    power_kw = _quantity("Potenza massima (kW)", "Indica la potenza massima letta sul contatore.", 10**7)

    def __init__(self, *args, supply_point: SupplyPoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.supply_point = supply_point
        if not supply_point.needs_power_reading:
            del self.power_kw

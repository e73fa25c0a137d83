"""WTForms pieces shared by every feature: the view idiom for refusals, the filters, the action and reject forms,
identifier fields, dates, amounts of money, comparisons and the password policy."""

import operator
import unicodedata
from datetime import date, datetime

from flask import flash
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, ValidationError
from wtforms.validators import AnyOf, DataRequired, Length
from wtforms.widgets import DateInput

from . import dates
from .csvimport import NotANumber, parse_decimal
from .errors import DomainError
from .identifiers import (
    IdentifierError,
    clean_customer_code,
    clean_email,
    clean_fiscal_code,
    clean_personal_fiscal_code,
    clean_practice_id,
    clean_tax_code,
    clean_vat,
)
from .security.passwords import password_problem
from .transaction import discard_changes

try:
    from wtforms.fields.choices import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) pairs
    SelectChoice = None


def show_error(form, error) -> None:
    """A service's error next to the field it names (``error.field``), or above the form when none; an error
    made of several (``error.errors``, e.g. every wrong figure of a report) shows each one on its field."""
    for one in getattr(error, "errors", None) or (error,):
        if getattr(one, "field", None) and one.field in form:
            form[one.field].errors = [*form[one.field].errors, str(one)]
        else:
            form.form_errors.append(str(one))


def form_values(form, *left_out: str, **overrides) -> dict:
    """The data of the form's fields by name, without its CSRF token and the fields ``left_out``, as the keyword
    arguments of the service the form feeds; ``overrides`` replace or add values (an upload read into bytes,
    a figure converted)::

        plant = record_plant(acting_user(), **form_values(form, capacity_mw=Decimal(form.capacity_mw.data)))
    """
    values = {name: value for name, value in form.data.items() if name != "csrf_token" and name not in left_out}
    values.update(overrides)
    return values


class refusals:  # noqa: N801 (used as a statement: ``with refusals(form) as outcome:``)
    """The view idiom around a service call: a :class:`DomainError` raised inside the block rolls the
    request back (nothing it wrote is committed, no queued e-mail is sent) and is shown on its form field,
    above the form, or as a flash message when there is no form. After the block, ``outcome.refused`` says
    whether it was refused and ``outcome.error`` holds the error::

        with refusals(form) as outcome:
            guarantee = record_guarantee(...)
        if not outcome.refused:
            return redirect(...)

    ``keep_changes=True`` is for a refusal that records the attempt (a wrong password or code counts towards
    the lock-out and is audited): what the service wrote before refusing is committed as usual.
    """

    def __init__(self, form=None, category: str = "danger", *, keep_changes: bool = False):
        self.form = form
        self.category = category
        self.keep_changes = keep_changes
        self.error: DomainError | None = None

    @property
    def refused(self) -> bool:
        return self.error is not None

    def __enter__(self) -> "refusals":
        return self

    def __exit__(self, kind, error, _traceback) -> bool:
        if error is None or not isinstance(error, DomainError):
            return False
        self.error = error
        if not self.keep_changes:
            discard_changes()
        if self.form is not None:
            show_error(self.form, error)
        else:
            flash(str(error), self.category)
        return True


def strip(value):
    """Filter: the text without surrounding spaces (other data as it is)."""
    return value.strip() if isinstance(value, str) else value


def strip_upper(value):
    """Filter: the text without surrounding spaces, in upper case (codes)."""
    return value.strip().upper() if isinstance(value, str) else value


def select_choices(pairs) -> list:
    """Select options from (value, label) pairs, in the form the installed WTForms prefers."""
    return [SelectChoice(value, label) if SelectChoice else (value, label) for value, label in pairs]


def required_choice(choices, missing: str, wrong: str | None = None) -> list:
    """The validators of a choice that must be made: ``missing`` when none was, ``wrong`` (or ``missing``) for
    a value that is not offered. ``choices`` is a mapping, values or (value, label) pairs; the empty value of a
    prompt ("— scegli —") is no choice."""
    values = [choice[0] if isinstance(choice, tuple) else choice for choice in choices]
    return [DataRequired(missing), AnyOf([value for value in values if value], message=wrong or missing)]


def check_printable(form, field):
    """Refuse control characters (a NUL byte cannot even be stored by PostgreSQL); line breaks are allowed."""
    if field.data and any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in field.data):
        raise ValidationError("Il testo contiene caratteri non ammessi (caratteri di controllo).")


class ActionForm(FlaskForm):
    """A POST button (approve, close, unlock, ...): only the CSRF token."""


class RejectForm(FlaskForm):
    """The back office's refusal of a request (registration, enrolment, EIC code): the reason, told to them."""

    reason = TextAreaField(
        "Motivo del rifiuto",
        filters=[strip],
        validators=[
            DataRequired("Indica il motivo del rifiuto."),
            Length(max=2000, message="Il motivo è di al massimo 2000 caratteri."),
            check_printable,
        ],
    )


class Cleaned:
    """Validator that normalises the field's data with ``cleaner`` or shows its message next to the field."""

    def __init__(self, cleaner, **options):
        self.cleaner = cleaner
        self.options = options

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = self.cleaner(field.data, **self.options)
        except IdentifierError as error:
            raise ValidationError(str(error)) from error


VatNumber = lambda: Cleaned(clean_vat)  # noqa: E731
FiscalCode = lambda: Cleaned(clean_fiscal_code)  # noqa: E731
PersonalFiscalCode = lambda: Cleaned(clean_personal_fiscal_code)  # noqa: E731
TaxCode = lambda: Cleaned(clean_tax_code)  # noqa: E731
CustomerCode = lambda: Cleaned(clean_customer_code)  # noqa: E731
PracticeId = lambda: Cleaned(clean_practice_id)  # noqa: E731
Email = lambda allow_pec=False: Cleaned(clean_email, allow_pec=allow_pec)  # noqa: E731


class StrongPassword:
    """The password policy of the security baseline; ``username_field`` names a field to compare with."""

    def __init__(self, username_field: str | None = None, username: str = ""):
        self.username_field = username_field
        self.username = username

    def __call__(self, form, field):
        username = self.username
        if self.username_field:
            username = form[self.username_field].data or ""
        username = username or getattr(form, "username_for_policy", "") or ""
        problem = password_problem(field.data or "", username=username)
        if problem:
            raise ValidationError(problem)


def year_range_message(what: str = "date"):
    """The refusal of a date (``what="date"``), a month or a year outside the portal's years
    (:data:`myportal.dates.FIRST_YEAR` to :data:`~myportal.dates.LAST_YEAR`)."""
    years = {"first": dates.FIRST_YEAR, "last": dates.LAST_YEAR}
    if what == "year":
        return lazy_gettext("Indica un anno tra il %(first)d e il %(last)d.", **years)
    if what == "month":
        return lazy_gettext("Indica un mese tra il %(first)d e il %(last)d.", **years)
    return lazy_gettext("Indica una data tra il %(first)d e il %(last)d.", **years)


class ItalianDateField(StringField):
    """A date sent by a date picker (aaaa-mm-gg) or typed as gg/mm/aaaa; ``data`` is a date or None.

    Subclasses for other moments set ``FORMATS`` and ``MESSAGE`` and say how a parsed value becomes ``data``
    (``convert``) and how ``data`` is shown back in the input (``shown``)."""

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
    MESSAGE = "Data non valida: usa il formato gg/mm/aaaa."
    widget = DateInput()  # a date picker; subclasses' templates ask for another type

    def convert(self, parsed: datetime):
        return parsed.date()

    def shown(self) -> str | None:
        return self.data.isoformat() if isinstance(self.data, date) else None

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        for pattern in self.FORMATS:
            try:
                parsed = datetime.strptime(self.raw, pattern)
            except ValueError:
                continue
            if not dates.year_in_range(parsed.year):
                raise ValueError(year_range_message())
            self.data = self.convert(parsed)
            return
        raise ValueError(self.MESSAGE)

    def _value(self):
        shown = self.shown()
        return shown if shown is not None else getattr(self, "raw", "") or ""


class YearField(StringField):
    """A year of four digits within the portal's years; ``data`` is an int, or None when left empty."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = valuelist[0].strip()
        self.data = None
        if not self.raw:
            return
        if not (self.raw.isascii() and self.raw.isdigit() and len(self.raw) == 4):
            raise ValueError(lazy_gettext("Indica l'anno con quattro cifre, per esempio 2024."))
        if not dates.year_in_range(int(self.raw)):
            raise ValueError(year_range_message("year"))
        self.data = int(self.raw)

    def _value(self):
        return str(self.data) if self.data is not None else getattr(self, "raw", "")


class MoneyField(StringField):
    """An amount with at most two decimals, typed the Italian way (``150.000,50``) or with a decimal point
    (``150000.50``); read by :func:`myportal.csvimport.parse_decimal`, so ``150.000`` is refused as ambiguous."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip().replace(" ", "")
        self.data = None
        if not self.raw:
            return
        try:
            value = parse_decimal(self.raw)
        except NotANumber as error:
            raise ValueError(
                f"Inserisci un importo in cifre, ad esempio 150000,00 ({str(error).rstrip('.')})."
            ) from None
        if value.as_tuple().exponent < -2:
            raise ValueError("Indica l'importo con al massimo due decimali.")
        self.data = value

    def _value(self):
        if getattr(self, "raw", None) is not None and self.raw:
            return self.raw
        return "" if self.data is None else f"{self.data:.2f}".replace(".", ",")


class ComparedWith:
    """The value must stand after (``strictly``) or not before the value of another field of the form."""

    def __init__(self, other: str, message: str, strictly: bool = False):
        self.other = other
        self.message = message
        self.refused = operator.le if strictly else operator.lt

    def __call__(self, form, field):
        other = form[self.other].data
        if field.data is not None and other is not None and self.refused(field.data, other):
            raise ValidationError(self.message)


def NotBefore(other: str, message: str) -> ComparedWith:  # noqa: N802 (reads as a validator class)
    return ComparedWith(other, message)


def After(other: str, message: str) -> ComparedWith:  # noqa: N802 (reads as a validator class)
    return ComparedWith(other, message, strictly=True)

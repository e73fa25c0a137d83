"""WTForms pieces shared by every feature: identifier fields and the password policy."""

from wtforms import ValidationError

from .identifiers import (
    IdentifierError,
    clean_customer_code,
    clean_email,
    clean_fiscal_code,
    clean_practice_id,
    clean_tax_code,
    clean_vat,
)
from .security.passwords import password_problem


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

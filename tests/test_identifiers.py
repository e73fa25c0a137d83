"""myportal.identifiers: one parser of what people type, which names the real fault."""

import pytest
from stdnum import luhn
from stdnum.it import codicefiscale

from myportal.errors import DomainError
from myportal.identifiers import (
    CUSTOMER_CODE,
    FISCAL_CODE,
    LEGAL_PERSON,
    NATURAL_PERSON,
    VAT,
    IdentifierError,
    clean_customer_code,
    clean_fiscal_code,
    clean_personal_fiscal_code,
    clean_tax_code,
    clean_vat,
    parse_identifier,
)
from tests.conftest import make_fiscal_code, make_vat

VAT_NUMBER = make_vat(4242)
PERSON = make_fiscal_code(7)


def _wrong_last(code: str) -> str:
    last = code[-1]
    return code[:-1] + (str((int(last) + 1) % 10) if last.isdigit() else ("A" if last != "A" else "B"))


def _fault(value, accept=None) -> str:
    with pytest.raises(IdentifierError) as caught:
        parse_identifier(value) if accept is None else parse_identifier(value, accept)
    return str(caught.value)


# --- what it is ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        VAT_NUMBER,
        f"IT{VAT_NUMBER}",
        f"it {VAT_NUMBER}",
        f"IT {VAT_NUMBER[:3]} {VAT_NUMBER[3:7]} {VAT_NUMBER[7:]}",
        f"{VAT_NUMBER[:5]}.{VAT_NUMBER[5:8]}.{VAT_NUMBER[8:]}",
        f"{VAT_NUMBER[:5]}-{VAT_NUMBER[5:]}",
        f"  {VAT_NUMBER}\t",
    ],
)
def test_a_vat_number_however_typed(typed):
    identifier = parse_identifier(typed)
    assert (identifier.kind, identifier.value) == (VAT, VAT_NUMBER)
    assert identifier.person_kind == LEGAL_PERSON and not identifier.natural_person
    assert clean_vat(typed) == clean_tax_code(typed) == clean_fiscal_code(typed) == VAT_NUMBER


@pytest.mark.parametrize("typed", [PERSON, PERSON.lower(), f"{PERSON[:6]} {PERSON[6:11]}-{PERSON[11:]}"])
def test_a_fiscal_code_however_typed(typed):
    identifier = parse_identifier(typed)
    assert (identifier.kind, identifier.value) == (FISCAL_CODE, PERSON)
    assert identifier.person_kind == NATURAL_PERSON and identifier.natural_person
    assert clean_fiscal_code(typed) == clean_tax_code(typed) == clean_personal_fiscal_code(typed) == PERSON


def test_an_omocodic_fiscal_code():
    body = "RSSMRA80A01H50M"  # the last digit of the place code replaced by its letter (1 -> M)
    code = body + codicefiscale.calc_check_digit(body)
    assert parse_identifier(code).value == code


@pytest.mark.parametrize("typed", ["004512", "004 512", " 004512 "])
def test_a_customer_code(typed):
    identifier = parse_identifier(typed)
    assert (identifier.kind, identifier.value) == (CUSTOMER_CODE, "004512")
    assert identifier.person_kind is None
    assert clean_customer_code(typed) == "004512"


def test_only_the_kinds_accepted():
    assert parse_identifier(VAT_NUMBER, (VAT,)).kind == VAT
    assert "11 cifre" in _fault("004512", (VAT,))
    assert "codice cliente" in _fault(VAT_NUMBER, (CUSTOMER_CODE,))
    assert "11 cifre" in _fault(PERSON, (VAT,))


def test_a_company_code_is_not_a_personal_fiscal_code():
    message = _fault(VAT_NUMBER, (FISCAL_CODE,))
    assert "16 caratteri" in message and "società" in message


# --- the real fault -----------------------------------------------------------------------------------------


def test_eleven_digits_with_a_wrong_check_digit_are_told_so():
    assert not luhn.is_valid("12345678901")
    for clean in (clean_vat, clean_tax_code, clean_fiscal_code):
        with pytest.raises(IdentifierError) as caught:
            clean("12345678901")
        assert "cifra di controllo" in str(caught.value)
        assert "11 cifre" not in str(caught.value)
    assert "cifra di controllo" in _fault(_wrong_last(VAT_NUMBER))
    assert "cifra di controllo" in _fault(f"IT {_wrong_last(VAT_NUMBER)}")


def test_a_vat_number_of_no_tax_office():
    base = "1234567890"  # office 890 does not exist
    assert "ufficio" in _fault(base + luhn.calc_check_digit(base))


def test_a_vat_number_of_zeros():
    assert "tutte zero" in _fault("00000000000")


@pytest.mark.parametrize(("typed", "count"), [("1234", 4), ("1234567890", 10), ("123456789012", 12)])
def test_a_wrong_number_of_digits_is_counted(typed, count):
    assert f"11 cifre: ne hai scritte {count}" in _fault(typed, (VAT,))
    assert f"11 cifre: ne hai scritte {count}" in _fault(f"IT{typed}")


def test_an_unrecognised_look_up_says_what_to_type():
    assert _fault("12345").startswith("Inserisci una Partita IVA") and "5 cifre" in _fault("12345")
    for typed in ("pippo", "<script>", "", "   "):
        assert _fault(typed).startswith("Inserisci una Partita IVA"), typed


def test_fiscal_code_faults():
    assert "carattere di controllo" in _fault(_wrong_last(PERSON))
    assert "non sono al loro posto" in _fault("1234567890ABCDEF")
    body = "RSSMRA80A41H501"  # day 41 is 1st (women add 40); 72 is no day at all
    assert "data di nascita" in _fault("RSSMRA80A72H501" + codicefiscale.calc_check_digit("RSSMRA80A72H501"))
    assert parse_identifier(body + codicefiscale.calc_check_digit(body)).kind == FISCAL_CODE
    assert "ne hai scritti 15" in _fault(PERSON[:-1])


def test_vat_or_fiscal_code_message():
    expected = "Inserisci una Partita IVA di 11 cifre o un codice fiscale di 16 caratteri."
    assert _fault("ABC", (VAT, FISCAL_CODE)) == expected


@pytest.mark.parametrize("typed", ["5007", "00500A", "1234567", "IT004512"])
def test_customer_code_faults(typed):
    with pytest.raises(IdentifierError, match="sei cifre"):
        clean_customer_code(typed)


def test_digits_of_other_scripts_are_not_digits():
    assert "codice cliente" in _fault("١٢٣٤٥٦", (CUSTOMER_CODE,))


def test_the_error_is_a_domain_error_and_a_value_error():
    with pytest.raises(IdentifierError) as caught:
        clean_vat("1")
    assert isinstance(caught.value, DomainError) and isinstance(caught.value, ValueError)
    assert caught.value.message == str(caught.value) and caught.value.field is None

"""Elenco fatture: filters, sort, pagination, totals, detail, another operator's invoice, query counts."""

import re
from datetime import date

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from myportal.formatting import local_number, numeric_date
from myportal.invoicing.models import Invoice
from myportal.security.models import AuditEvent
from tests.conftest import make_supply_point

from . import counting_queries, make_invoice


@pytest.fixture
def operator_user(make_user):
    return make_user()


def numbers_in(html: str) -> list[str]:
    return re.findall(r'href="/fatture/\d+">([^<]+)</a>', html)


def test_empty_state(client, operator_user, login_as):
    login_as(operator_user)
    html = client.get("/fatture").get_data(as_text=True)
    assert "Elenco fatture" in html
    assert "Nessuna fattura." in html


def test_list_shows_invoices_with_pdf_link_and_totals(client, dbs, operator_user, login_as):
    with dbs.session() as session:
        first = make_invoice(session, operator_user.operator_id, "2024/000001", date(2024, 2, 16), paid=True)
        make_invoice(session, operator_user.operator_id, "2024/000002", date(2024, 3, 16))
    login_as(operator_user)
    html = client.get("/fatture").get_data(as_text=True)
    assert numbers_in(html) == ["2024/000002", "2024/000001"]
    assert f'href="/fatture/{first.id}/pdf"' in html
    assert "Doc" in html
    assert "610,00 €" in html  # total of both
    assert "305,00 €" in html  # unpaid
    assert "Pagata" in html and "Da pagare" in html


def test_filters_by_year_state_and_supply_point(client, dbs, operator_user, login_as):
    op = operator_user.operator_id
    with dbs.session() as session:
        north = make_supply_point(session, op, pod="IT001E00000001")
        south = make_supply_point(session, op, pod="IT001E00000002")
        make_invoice(session, op, "2023/000001", date(2023, 5, 16), point=north, paid=True)
        make_invoice(session, op, "2024/000001", date(2024, 5, 16), point=north, paid=False)
        make_invoice(session, op, "2024/000002", date(2024, 6, 16), point=south, paid=True)
    login_as(operator_user)

    html = client.get("/fatture?supply_point=all").get_data(as_text=True)
    assert sorted(numbers_in(html)) == ["2023/000001", "2024/000001", "2024/000002"]
    assert "915,00 €" in html

    html = client.get("/fatture?supply_point=all&year=2024").get_data(as_text=True)
    assert sorted(numbers_in(html)) == ["2024/000001", "2024/000002"]
    assert "610,00 €" in html

    html = client.get("/fatture?supply_point=all&state=unpaid").get_data(as_text=True)
    assert numbers_in(html) == ["2024/000001"]

    html = client.get("/fatture?supply_point=all&state=paid&year=2024").get_data(as_text=True)
    assert numbers_in(html) == ["2024/000002"]

    html = client.get(f"/fatture?supply_point={south.id}").get_data(as_text=True)
    assert numbers_in(html) == ["2024/000002"]

    # Without a choice the list follows the supply point chosen in the header (the first one by default).
    html = client.get("/fatture").get_data(as_text=True)
    assert sorted(numbers_in(html)) == ["2023/000001", "2024/000001"]
    assert "Tutti i punti di fornitura" in html

    html = client.get("/fatture?supply_point=all&year=2022").get_data(as_text=True)
    assert "Anno non valido" in html  # no invoices in 2022: not a year of the list


def test_sort_by_amount_and_date(client, dbs, operator_user, login_as):
    op = operator_user.operator_id
    small = (("Energia fascia F1", "100", "kWh", "0.100000", "22"),)
    large = (("Energia fascia F1", "9000", "kWh", "0.100000", "22"),)
    with dbs.session() as session:
        make_invoice(session, op, "A-1", date(2024, 1, 16), lines=small)
        make_invoice(session, op, "A-2", date(2024, 2, 16), lines=large)
        make_invoice(session, op, "A-3", date(2024, 3, 16))
    login_as(operator_user)
    assert numbers_in(client.get("/fatture?sort=amount_desc").get_data(as_text=True)) == ["A-2", "A-3", "A-1"]
    assert numbers_in(client.get("/fatture?sort=amount_asc").get_data(as_text=True)) == ["A-1", "A-3", "A-2"]
    assert numbers_in(client.get("/fatture?sort=date_asc").get_data(as_text=True)) == ["A-1", "A-2", "A-3"]
    assert numbers_in(client.get("/fatture?sort=date_desc").get_data(as_text=True)) == ["A-3", "A-2", "A-1"]


def test_pagination_keeps_the_filters_and_totals_cover_every_page(client, dbs, operator_user, login_as, app):
    op = operator_user.operator_id
    per_page = app.config["PAGE_SIZE"]
    with dbs.session() as session:
        for index in range(per_page + 5):
            make_invoice(session, op, f"P-{index:03d}", date(2020 + index // 12, index % 12 + 1, 16))
    login_as(operator_user)
    html = client.get("/fatture?sort=date_asc").get_data(as_text=True)
    assert len(numbers_in(html)) == per_page
    assert "Pagina 1 di 2" in html
    assert "page=2" in html and "sort=date_asc" in html
    total = 305 * (per_page + 5)
    assert f"{total:,}".replace(",", ".") + ",00 €" in html
    second = client.get("/fatture?sort=date_asc&page=2").get_data(as_text=True)
    assert numbers_in(second) == [f"P-{index:03d}" for index in range(per_page, per_page + 5)]
    beyond = client.get("/fatture?sort=date_asc&page=99").get_data(as_text=True)
    assert numbers_in(beyond) == numbers_in(second)


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "sort=evil",
        "page=-1",
        "page=abc",
        "state=maybe",
        "supply_point=999999",
        "supply_point=x",
        "year=2024&sort=issue_date;drop",
        "year=99999999999999999999",
    ],
)
def test_bad_query_parameters_never_fail(client, dbs, operator_user, login_as, query):
    with dbs.session() as session:
        make_invoice(session, operator_user.operator_id, "2024/000009", date(2024, 4, 16))
    login_as(operator_user)
    response = client.get(f"/fatture?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2024/000009" in html
    if not query.startswith(("page", "supply_point")):  # no selector without supply points
        assert 'class="error"' in html  # the message next to the field
    assert client.get(f"/fatture/export.csv?{query}").status_code == 200


def test_detail_shows_the_lines(client, dbs, operator_user, login_as):
    with dbs.session() as session:
        invoice = make_invoice(session, operator_user.operator_id, "2024/000123", date(2024, 9, 16))
    login_as(operator_user)
    html = client.get(f"/fatture/{invoice.id}").get_data(as_text=True)
    assert "Fattura N. 2024/000123" in html
    assert "005007" in html
    assert "Energia fascia F1" in html and "Quota potenza" in html
    assert "305,00 €" in html and "55,00 €" in html
    assert "16/10/2024" in html  # due date
    assert client.get("/fatture/999999").status_code == 404


@pytest.mark.parametrize("suffix", ["", "/pdf"])
def test_another_operators_invoice_is_not_found_and_audited(client, dbs, make_user, operator_user, login_as, suffix):
    other = make_user()
    with dbs.session() as session:
        foreign = make_invoice(session, other.operator_id, "2024/000777", date(2024, 5, 16))
    login_as(operator_user)
    response = client.get(f"/fatture/{foreign.id}{suffix}")
    assert response.status_code == 404
    assert "2024/000777" not in response.get_data(as_text=True)
    found = dbs.count(
        AuditEvent,
        AuditEvent.event == "access.cross_operator",
        AuditEvent.object_type == "Invoice",
        AuditEvent.object_id == str(foreign.id),
        AuditEvent.user_id == operator_user.id,
    )
    assert found == 1


def test_other_operators_invoices_never_listed(client, dbs, make_user, operator_user, login_as):
    other = make_user()
    with dbs.session() as session:
        make_invoice(session, other.operator_id, "2024/000888", date(2024, 5, 16))
        make_invoice(session, operator_user.operator_id, "2024/000111", date(2024, 5, 16))
    login_as(operator_user)
    html = client.get("/fatture?supply_point=all").get_data(as_text=True)
    assert numbers_in(html) == ["2024/000111"]
    csv_text = client.get("/fatture/export.csv").get_data(as_text=True)
    assert "2024/000888" not in csv_text


def test_staff_cannot_open_the_list(client, make_user, login_as):
    login_as(make_user(role="support"))
    assert client.get("/fatture").status_code == 403


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/fatture")
    assert response.status_code == 302
    assert "/accedi" in response.headers["Location"]


def _add(dbs, operator, point, start, count):
    with dbs.session() as session:
        for index in range(start, start + count):
            make_invoice(
                session,
                operator,
                f"Q-{index:03d}",
                date(2015 + index // 12, index % 12 + 1, 16),
                point=point,
                paid=index % 3 == 0,
            )


def _queries(app, client, url) -> int:
    client.get(url)  # warm-up: anything loaded once per process
    with counting_queries(app) as statements:
        response = client.get(url)
        response.get_data()
    assert response.status_code == 200, url
    return len(statements)


def test_queries_do_not_grow_with_the_invoices(app, client, dbs, operator_user, login_as):
    op = operator_user.operator_id
    with dbs.session() as session:
        point = make_supply_point(session, op, pod="IT001E00000077")
        make_supply_point(session, op, pod="IT001E00000078")
    _add(dbs, op, point, 0, 3)
    first_id = dbs.scalar(select(Invoice.id).where(Invoice.number == "Q-000"))
    login_as(operator_user)
    urls = [
        "/fatture",
        "/fatture?supply_point=all&sort=amount_desc&state=paid",
        f"/fatture/{first_id}",
        f"/fatture/{first_id}/pdf",
        "/prelievi-fatturati",
        "/prelievi-fatturati?view=table&supply_point=all",
        "/fatture/export.csv",
    ]
    small = {url: _queries(app, client, url) for url in urls}
    _add(dbs, op, point, 3, 37)
    large = {url: _queries(app, client, url) for url in urls}
    assert large == small
    assert max(small.values()) <= 12


def test_a_page_past_the_end_costs_no_more_statements_than_the_first(app, client, dbs, operator_user, login_as):
    per_page = app.config["PAGE_SIZE"]
    with dbs.session() as session:
        for index in range(per_page + 5):
            issued = date(2020 + index // 12, index % 12 + 1, 16)
            make_invoice(session, operator_user.operator_id, f"E-{index:03d}", issued)
    login_as(operator_user)
    first = _queries(app, client, "/fatture")
    assert _queries(app, client, "/fatture?page=2") == first
    assert _queries(app, client, "/fatture?page=99") == first


@settings(max_examples=500, deadline=None, database=None)
@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=4),
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    ),
    st.sampled_from([0, 2]),
    st.sampled_from(["it", "en"]),
)
def test_list_numbers_read_as_babel_writes_them(value, places, locale):
    pattern = "#,##0." + "0" * places if places else "#,##0"
    assert local_number(value, places, locale) == format_decimal(value, format=pattern, locale=locale)


def test_list_dates_read_as_babel_writes_them():
    for day in (date(2024, 2, 9), date(1999, 12, 31), date(2030, 1, 1)):
        written = numeric_date(day)
        assert written == format_date(day, "dd/MM/yyyy", locale="it") == format_date(day, "dd/MM/yyyy", locale="en")
    assert numeric_date(None) == ""

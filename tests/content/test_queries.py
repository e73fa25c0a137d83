"""Pages run the same number of SQL statements whatever the number of news and documents."""

from functools import partial

import pytest

from tests.conftest import counting_queries
from tests.content import add_document, add_news


@pytest.fixture
def count_statements(app):
    """A context manager collecting the SQL statements run inside it."""
    return partial(counting_queries, app)


def statements_for(client, count_statements, url: str) -> int:
    client.get(url)  # warm-up: first-request work is not the page's
    with count_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def grow(dbs, make_items, total: int, current: int) -> None:
    for number in range(current, total):
        make_items(number)


def test_news_list_constant_queries(client, dbs, count_statements):
    def make(number):
        add_news(dbs, title=f"Notizia {number}", days_ago=number)

    grow(dbs, make, 2, 0)
    small = statements_for(client, count_statements, "/notizie")
    grow(dbs, make, 20, 2)
    large = statements_for(client, count_statements, "/notizie")
    assert small == large
    assert small == 2  # the page and its count


@pytest.mark.parametrize("url", ["/documenti", "/documenti/normative", "/i-miei-documenti"])
def test_document_pages_constant_queries(client, dbs, login_as, make_user, count_statements, url):
    user = make_user(role="operator")
    login_as(user)

    def make(number):
        add_document(dbs, category="normative", title=f"Normativa {number}", days_ago=number)
        add_document(dbs, category="personale", operator=user.operator_id, title=f"Personale {number}", days_ago=number)

    grow(dbs, make, 2, 0)
    small = statements_for(client, count_statements, url)
    grow(dbs, make, 20, 2)
    large = statements_for(client, count_statements, url)
    assert small == large


def test_admin_documents_constant_queries(client, dbs, login_as, make_user, make_operator, count_statements):
    login_as(make_user(role="admin"))

    def make(number):
        add_document(dbs, category="personale", operator=make_operator(), title=f"Personale {number}")

    grow(dbs, make, 2, 0)
    small = statements_for(client, count_statements, "/admin/contenuti/documenti")
    grow(dbs, make, 20, 2)
    large = statements_for(client, count_statements, "/admin/contenuti/documenti")
    assert small == large

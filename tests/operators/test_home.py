"""The home page: tiles with live figures from every feature, and a constant number of queries."""

from datetime import date

from tests.invoicing import counting_queries, make_invoice, make_point


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_operator_tiles_show_live_figures(client, dbs, make_user, login_as):
    user = make_user()
    with dbs.session() as session:
        point = make_point(session, user.operator_id, "IT001E00000501")
        make_invoice(session, user.operator_id, "H-1", date(2025, 3, 10), point=point, paid=False)
        make_invoice(session, user.operator_id, "H-2", date(2025, 4, 10), point=point, paid=True)
    login_as(user)
    html = _home(client)
    assert "1 fattura da pagare" in html
    assert "305,00 €" in html
    assert "1 punto di fornitura" in html
    assert 'href="/fatture"' in html


def test_operator_without_data_sees_empty_figures(client, make_user, login_as):
    login_as(make_user())
    html = _home(client)
    assert "Nessuna fattura da pagare." in html
    assert "0 punti di fornitura" in html


def test_staff_do_not_get_operator_tiles(client, make_user, login_as):
    login_as(make_user(role="support"))
    html = _home(client)
    assert "Elenco fatture" not in html


def test_home_queries_do_not_grow_with_the_data(app, client, dbs, make_user, login_as):
    user = make_user()
    with dbs.session() as session:
        point = make_point(session, user.operator_id, "IT001E00000502")
        make_invoice(session, user.operator_id, "G-0", date(2024, 1, 10), point=point)
    login_as(user)
    _home(client)
    with counting_queries(app) as small:
        _home(client)
    with dbs.session() as session:
        for index in range(1, 30):
            make_invoice(session, user.operator_id, f"G-{index}", date(2024, 1 + index % 12, 10), point=point)
    with counting_queries(app) as large:
        _home(client)
    assert len(large) == len(small)

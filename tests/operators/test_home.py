"""The home page: tiles with live figures from every feature, and a constant number of queries."""

from datetime import date

from tests.conftest import make_supply_point
from tests.invoicing import counting_queries, make_invoice


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_operator_tiles_show_live_figures(client, dbs, make_user, login_as):
    user = make_user()
    with dbs.session() as session:
        point = make_supply_point(session, user.operator_id, pod="IT001E00000501")
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
        point = make_supply_point(session, user.operator_id, pod="IT001E00000502")
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


def test_each_user_sees_their_own_figures_through_the_shared_statements(app, client, dbs, make_user, login_as):
    """The figures' statements are built once per role and reused: only their bound values change."""
    from tests.conftest import login

    with_invoice, without = make_user(role="operator_admin"), make_user(role="operator_admin")
    with dbs.session() as session:
        point = make_supply_point(session, with_invoice.operator_id, pod="IT001E00000503")
        make_invoice(session, with_invoice.operator_id, "S-1", date(2025, 5, 10), point=point, paid=False)
    other = app.test_client()
    assert login(other, without.username).status_code == 302
    login_as(with_invoice)
    for _ in range(2):
        assert "1 fattura da pagare" in _home(client)
        html = _home(other)
        assert "Nessuna fattura da pagare." in html
        assert "0 punti di fornitura" in html


def test_staff_home_shows_the_back_office_figures(client, make_user, login_as, monkeypatch, app):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())
    login_as(make_user(role="admin", operator=False))
    html = _home(client)
    assert "Richieste di registrazione</strong>0 in attesa" in html
    assert "Aste e iscrizioni</strong>0 iscrizioni da valutare" in html
    assert "Elenco fatture" not in html

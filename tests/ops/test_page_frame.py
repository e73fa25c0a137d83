"""What every logged-in page pays for its frame: the menu built once per role and mount point, the user and
its operator loaded in one statement, the templates' catalogue looked up once per request and locale."""

import re

import flask_babel
import pytest
from flask import session

from myportal import _request_translations
from tests.conftest import counting_queries, login

MENU_RE = re.compile(r'<nav class="menu"[^>]*>(.*?)</nav>', re.S)
LINK_RE = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


@pytest.fixture
def no_mfa_for_staff(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())


def _menu(client, path: str = "/contatti", **environ) -> dict[str, str]:
    """{label: url} of the menu on ``path``."""
    response = client.get(path, environ_overrides=environ)
    assert response.status_code == 200
    found = MENU_RE.search(response.get_data(as_text=True))
    assert found, "no menu on the page"
    return {label: url for url, label in LINK_RE.findall(found.group(1))}


def test_each_role_keeps_its_own_menu(app, make_user, no_mfa_for_staff):
    operator_client, admin_client = app.test_client(), app.test_client()
    operator = make_user(role="operator")
    admin = make_user(role="admin", operator=False)
    assert login(operator_client, operator.username).status_code == 302
    assert login(admin_client, admin.username).status_code == 302
    for _ in range(2):  # the second round reads the menus built by the first
        operator_menu, admin_menu = _menu(operator_client), _menu(admin_client)
        assert operator_menu["Elenco fatture"] == "/fatture"
        assert "Richieste di registrazione" not in operator_menu and "Utenti aziendali" not in operator_menu
        assert "Richieste di registrazione" in admin_menu and "Elenco fatture" not in admin_menu
        assert operator_menu["Contatti"] == admin_menu["Contatti"]


def test_the_menu_follows_the_mount_point(client, make_user, login_as):
    login_as(make_user(role="operator_admin"))
    plain = _menu(client)
    mounted = _menu(client, "/contatti", SCRIPT_NAME="/portale")
    again = _menu(client)
    assert plain["Utenti aziendali"] == again["Utenti aziendali"] == "/utenti-aziendali"
    assert mounted["Utenti aziendali"] == "/portale/utenti-aziendali"
    assert set(mounted) == set(plain)


def test_the_page_marks_the_current_menu_entry(client, make_user, login_as):
    login_as(make_user())
    html = client.get("/contatti").get_data(as_text=True)
    assert '<a href="/contatti" aria-current="page">Contatti</a>' in html


def test_the_user_and_its_operator_come_in_one_statement(app, client, make_user, login_as):
    login_as(make_user())
    client.get("/contatti")
    with counting_queries(app) as statements:
        response = client.get("/contatti")
    assert response.status_code == 200
    assert "Utente" in response.get_data(as_text=True)
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT OPERATORS.")], statements


def test_template_translations_follow_a_change_of_locale(app):
    with app.test_request_context("/"):
        italian = _request_translations()
        assert italian is flask_babel.get_translations() and _request_translations() is italian
        session["lang"] = "en"
        flask_babel.refresh()
        english = _request_translations()
        assert str(flask_babel.get_locale()) == "en"
        assert english is flask_babel.get_translations() and english is not italian

"""Application-wide behaviour: security headers, cookies, error pages, configuration."""

import pytest

from config import ProductionConfig
from tests.conftest import login


def test_security_headers_on_every_response(client):
    for path in ("/", "/accedi", "/static/css/portal.css", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = login(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_pages_of_logged_in_users_are_not_cached(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_not_found_page_is_friendly(client):
    response = client.get("/nessuna-pagina")
    assert response.status_code == 404
    assert "La pagina richiesta non esiste." in response.get_data(as_text=True)


def test_protected_pages_redirect_anonymous_users_to_login(client):
    for path in ("/dati-anagrafici", "/cambio-password", "/admin/richieste", "/assistenza/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accedi" in response.headers["Location"]


def test_wrong_role_gets_403(client, make_user, login_as):
    login_as(make_user(role="operator"))
    for path in (
        "/admin/richieste",
        "/admin/utenti",
        "/admin/registro",
        "/admin/posta",
        "/assistenza/",
        "/utenti-aziendali",
    ):
        assert client.get(path).status_code == 403


def test_menu_lists_only_existing_areas(client, make_user, login_as):
    login_as(make_user(role="operator_admin"))
    page = client.get("/").get_data(as_text=True)
    assert "Utenti aziendali" in page
    assert "Richieste di registrazione" not in page


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        ProductionConfig.check()


def test_production_sets_hsts_and_secure_cookies(monkeypatch, tmp_path):
    from myportal import create_app

    class Config(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"
        SECRET_KEY = "a-production-secret-for-the-test"  # noqa: S105

    app = create_app(Config)
    response = app.test_client().get("/static/css/portal.css")
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    assert app.config["SESSION_COOKIE_SECURE"] is True

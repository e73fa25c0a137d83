"""Security headers and cookie flags on every response of every endpoint, in testing and in production."""

import pytest

from config import ProductionConfig
from myportal import dates
from myportal.contracts.models import SupplyPoint
from tests.conftest import DEFAULT_PASSWORD, csrf_from
from tests.contracts import add_measurements, days_ago
from tests.security.conftest import ROLES, all_rules, client_for, token_for
from tests.security.test_authorisation_matrix import request_rule, sweep_order

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response) -> list[str]:
    problems = []
    csp = csp_directives(response.headers.get("Content-Security-Policy", ""))
    if not csp:
        return ["no Content-Security-Policy"]
    default = csp.get("default-src", [])
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive, default)
        if not sources:
            problems.append(f"CSP without {directive} (nor default-src)")
        if any(word in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:") for word in sources):
            problems.append(f"CSP {directive} allows {sources}")
    for directive in ("object-src", "base-uri", "frame-ancestors"):
        if csp.get(directive) != ["'none'"]:
            problems.append(f"CSP {directive} is {csp.get(directive)}, not 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')!r}")
    return problems


def session_cookie_problems(response, name: str, *, secure: bool) -> list[str]:
    problems = []
    for header in response.headers.getlist("Set-Cookie"):
        if not header.startswith(name + "="):
            continue
        attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}
        if "httponly" not in attributes:
            problems.append("session cookie without HttpOnly")
        if attributes.get("samesite", "").lower() not in ("samesite=lax", "samesite=strict"):
            problems.append(f"session cookie SameSite {attributes.get('samesite')!r}")
        if secure and "secure" not in attributes:
            problems.append("session cookie without Secure")
    return problems


def sweep(client, world, token):
    """Every endpoint once: pages by GET, actions by POST; yields (endpoint, response)."""
    for rule in sweep_order(all_rules(client.application)):
        yield rule.endpoint, request_rule(client, rule, world, token)


@pytest.mark.parametrize("role", ["anonymous", "operator_admin_a", "admin"])
def test_every_response_carries_the_security_headers(app, world, role):
    client = client_for(app, world, role)
    token = token_for(client)
    wrong, statuses = [], set()
    for endpoint, response in sweep(client, world, token):
        statuses.add(response.status_code)
        problems = header_problems(response) + session_cookie_problems(response, "myportal_session", secure=False)
        if problems:
            wrong.append(f"{endpoint} [{response.status_code}]: {'; '.join(problems)}")
    # Error pages too: a method not allowed, a missing page, a refused CSRF token.
    for response in (client.get("/esci"), client.get("/non-esiste"), client.post("/accedi", data={})):
        statuses.add(response.status_code)
        wrong += [
            f"{response.request.path} [{response.status_code}]: {problem}" for problem in header_problems(response)
        ]
    assert not wrong, "\n".join(wrong)
    assert {200, 400, 404, 405} <= statuses, statuses


PUBLIC_ASSETS = {"static"}  # the same for everyone: cacheable


def not_stored(response) -> bool:
    control = response.cache_control
    return control.no_store and not control.public and not control.max_age


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_no_response_to_a_logged_in_user_is_stored(app, dbs, world, role):
    """Pages, downloads (PDF, ZIP, XLSX, CSV) and refusals alike: ``no-store``, so that neither the browser nor
    a proxy keeps a copy of what a logged-in user saw. Log-out ends the session before it answers."""
    add_measurements(dbs, dbs.get(SupplyPoint, world.ids["supply_point"]), days_ago(2), 1)
    client = client_for(app, world, role)
    token = token_for(client)
    month = f"{days_ago(40):%Y-%m}"
    extra = (f"/fatture/archivio.zip?da={month}&a={dates.today():%Y-%m}", "/non-esiste")
    wrong, kinds = [], set()
    for path in extra:
        response = client.get(path)
        response.close()
        kinds.add(response.mimetype)
        if not not_stored(response):
            wrong.append(f"{path} [{response.status_code}]: Cache-Control {response.headers.get('Cache-Control')!r}")
    for endpoint, response in sweep(client, world, token):
        kinds.add(response.mimetype)
        if endpoint in PUBLIC_ASSETS or endpoint == "auth.logout":
            continue
        if not not_stored(response):
            wrong.append(
                f"{endpoint} [{response.status_code}]: Cache-Control {response.headers.get('Cache-Control')!r}"
            )
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
    if role == "operator_a":
        assert {"application/pdf", "application/zip", XLSX, "text/csv"} <= kinds, kinds


def test_public_assets_may_be_cached(app, world):
    client = client_for(app, world, "operator_a")
    response = client.get("/static/css/portal.css")
    response.close()
    assert not response.cache_control.no_store


def test_session_cookie_flags_in_testing(app, world):
    client = app.test_client()
    response = client.get("/accedi")
    assert session_cookie_problems(response, "myportal_session", secure=False) == []
    assert "myportal_session=" in response.headers.get("Set-Cookie", "")


@pytest.fixture
def production_app(tmp_path):
    from myportal import create_app

    class Config(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'production.sqlite3'}"
        SECRET_KEY = "a-production-secret-for-the-security-tests"  # noqa: S105
        MFA_REQUIRED_ROLES = ()

    return create_app(Config)


def test_production_sends_hsts_and_a_secure_session_cookie(production_app, world):
    """The requests of this app use the test database session (the shared ``db`` extension)."""
    client = production_app.test_client()
    page = client.get("/accedi", base_url="https://localhost")
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    assert header_problems(page) == []
    assert session_cookie_problems(page, "myportal_session", secure=True) == []
    assert "Secure" in page.headers["Set-Cookie"]
    response = client.post(
        "/accedi",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "username": world.users["operator_a"].username,
            "password": DEFAULT_PASSWORD,
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/accedi"},  # over HTTPS the CSRF check also wants the origin
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert session_cookie_problems(response, "myportal_session", secure=True) == []
    assert "Secure" in response.headers["Set-Cookie"]
    for path in ("/", "/fatture", "/non-esiste", "/static/css/portal.css"):
        response = client.get(path, base_url="https://localhost")
        response.close()
        assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", ""), path
        assert header_problems(response) == [], path

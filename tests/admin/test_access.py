"""Every back-office and help-desk page: log-in required, then the right role."""

import pytest

ADMIN_PAGES = [
    "/admin/richieste",
    "/admin/richieste?state=all",
    "/admin/utenti",
    "/admin/registro",
    "/admin/posta",
]
SUPPORT_PAGES = ["/assistenza/", "/assistenza/?q=123456"]
ADMIN_POSTS = [
    "/admin/richieste/1/approva",
    "/admin/richieste/1/respingi",
    "/admin/richieste/1/informazioni",
    "/admin/utenti/1/disabilita",
    "/admin/utenti/1/abilita",
    "/admin/utenti/1/sblocca",
]
SUPPORT_POSTS = [
    "/assistenza/operatori/1/utenti/1/sblocca",
    "/assistenza/operatori/1/utenti/1/reinvia-attivazione",
    "/assistenza/operatori/1/utenti/1/verifica-risposta",
]


@pytest.mark.parametrize("url", [*ADMIN_PAGES, *SUPPORT_PAGES, "/assistenza/operatori/1", "/admin/posta/1"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accedi" in response.headers["Location"]


@pytest.mark.parametrize("role", ["operator", "operator_admin"])
def test_operators_get_403_everywhere(client, login_as, make_user, role):
    login_as(make_user(role=role))
    for url in [
        *ADMIN_PAGES,
        *SUPPORT_PAGES,
        "/assistenza/operatori/1",
        "/admin/posta/1",
        "/admin/richieste/1",
    ]:
        assert client.get(url).status_code == 403, url


def test_operator_posts_get_403(client, login_as, make_user):
    from tests.conftest import csrf_from

    login_as(make_user(role="operator_admin"))
    token = csrf_from(client.get("/").get_data(as_text=True))
    for url in [*ADMIN_POSTS, *SUPPORT_POSTS]:
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url


def test_support_staff_use_support_pages_but_not_admin_ones(client, login_as, make_user):
    login_as(make_user(role="support"))
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    for url in SUPPORT_PAGES:
        assert client.get(url).status_code == 200, url


def test_admin_opens_every_page(client, login_as, make_user):
    login_as(make_user(role="admin"))
    for url in [*ADMIN_PAGES, *SUPPORT_PAGES]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/richieste/999999").status_code == 404
    assert client.get("/admin/posta/999999").status_code == 404


def test_posts_without_csrf_token_are_refused(client, login_as, make_user):
    admin = make_user(role="admin")
    login_as(admin)
    target = make_user()
    response = client.post(f"/admin/utenti/{target.id}/disabilita")
    assert response.status_code == 400

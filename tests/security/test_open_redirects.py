"""Redirect targets taken from the request stay on the portal, whatever a browser would make of them."""

from urllib.parse import urlparse

import pytest

from tests.conftest import DEFAULT_PASSWORD, csrf_from
from tests.security.conftest import client_for, token_for

# Each of these leads a browser off the site: browsers drop tabs and newlines and read "\" as "/".
FOREIGN = [
    "//evil.example/",
    "/\\evil.example/",
    "https://evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "javascript:alert(1)",
]


def is_local(location: str) -> bool:
    """What a browser would do: strip tabs and newlines, read backslashes as slashes, then resolve."""
    cleaned = location.strip(" \x00\x1f").replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    parsed = urlparse(cleaned)
    return (
        not parsed.scheme
        and not parsed.netloc
        and not cleaned.startswith("//")
        or (parsed.netloc == "localhost" and parsed.scheme in ("http", "https"))
    )


LOGIN_TARGETS = FOREIGN


@pytest.mark.parametrize("target", LOGIN_TARGETS)
def test_log_in_never_sends_the_browser_elsewhere(app, world, target):
    client = app.test_client()
    page = client.get("/accedi").get_data(as_text=True)
    response = client.post(
        "/accedi",
        query_string={"next": target},
        data={
            "csrf_token": csrf_from(page),
            "username": world.users["operator_a"].username,
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert is_local(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", FOREIGN)
def test_choosing_a_supply_point_never_sends_the_browser_elsewhere(app, world, target):
    client = client_for(app, world, "operator_a")
    response = client.post(
        "/punto-fornitura",
        data={"csrf_token": token_for(client), "next": target, "supply_point_id": world.ids["supply_point"]},
    )
    assert response.status_code == 302
    assert is_local(response.headers["Location"]), response.headers["Location"]

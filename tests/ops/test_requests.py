"""Request ids, the JSON request log, and ProxyFix behind a configured number of proxies."""

import re

from tests.conftest import login


def fetch(client, path, **kwargs):
    """A request whose response is closed, as a WSGI server closes it (the log line is written then)."""
    response = client.get(path, **kwargs)
    response.close()
    return response


def test_a_request_id_is_generated_echoed_and_logged(ops_client, request_log):
    response = fetch(ops_client, "/healthz")
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [record] = [r for r in request_log.records if r["path"] == "/healthz"]
    assert record["request_id"] == request_id
    assert record["method"] == "GET"
    assert record["status"] == 200
    assert record["user_id"] is None
    assert isinstance(record["duration_ms"], int | float) and record["duration_ms"] >= 0
    assert record["ts"].endswith("Z")


def test_the_proxy_request_id_is_kept(ops_client, request_log):
    response = fetch(ops_client, "/healthz", headers={"X-Request-ID": "lb-4f2a.77:1"})
    assert response.headers["X-Request-ID"] == "lb-4f2a.77:1"
    assert request_log.records[-1]["request_id"] == "lb-4f2a.77:1"


def test_a_malformed_request_id_is_replaced(ops_client, request_log):
    response = fetch(ops_client, "/healthz", headers={"X-Request-ID": 'bad id" with spaces' + "x" * 80})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert request_log.records[-1]["request_id"] == response.headers["X-Request-ID"]


def test_each_request_gets_its_own_id(ops_client):
    ids = {fetch(ops_client, "/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_the_log_names_the_logged_in_user_and_the_status(ops_client, make_user, request_log):
    user = make_user()
    assert login(ops_client, user.username).status_code == 302
    response = fetch(ops_client, "/pagina-che-non-esiste")
    assert response.status_code == 404
    record = request_log.records[-1]
    assert record["path"] == "/pagina-che-non-esiste"
    assert record["status"] == 404
    assert record["user_id"] == user.id
    assert record["request_id"] == response.headers["X-Request-ID"]


def test_the_query_string_is_not_logged(ops_client, request_log):
    fetch(ops_client, "/healthz?token=secret-value")
    assert request_log.records[-1]["path"] == "/healthz"
    assert "secret-value" not in str(request_log.records)


def test_without_proxy_fix_forwarded_headers_are_ignored(ops_client):
    response = fetch(ops_client, "/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.json["remote_addr"] == "127.0.0.1"
    assert response.json["scheme"] == "http"


def test_proxy_fix_honours_forwarded_for_and_proto(make_ops_app, request_log):
    client = make_ops_app(PROXY_FIX_HOPS=1).test_client()
    response = fetch(
        client,
        "/_probe",
        headers={
            "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "portale.example.it",
        },
    )
    # One trusted proxy: only the last address it appended is believed, not what the client wrote before it.
    assert response.json == {"remote_addr": "203.0.113.7", "scheme": "https", "host": "portale.example.it"}
    assert request_log.records[-1]["remote_addr"] == "203.0.113.7"


def test_proxy_fix_with_two_hops(make_ops_app):
    client = make_ops_app(PROXY_FIX_HOPS=2).test_client()
    response = fetch(client, "/_probe", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.0.0.2"})
    assert response.json["remote_addr"] == "203.0.113.7"


def test_a_streamed_response_is_logged_once_with_its_whole_duration(ops_client, request_log):
    response = ops_client.get("/_stream")
    assert response.get_data(as_text=True) == "0\n1\n2\n"
    response.close()
    records = [record for record in request_log.records if record["path"] == "/_stream"]
    assert len(records) == 1
    assert records[0]["duration_ms"] >= 50
    assert records[0]["request_id"] == response.headers["X-Request-ID"]

"""CSRF on every state-changing endpoint, and no state change on any GET.

Each endpoint is exercised as a user its access class admits, so that a view exempted from CSRF by mistake
would really run; the whole database is compared before and after each request."""

import pytest
from flask_wtf.csrf import generate_csrf

from tests.security.conftest import all_rules, changed_tables, client_for, methods_of, snapshot, url_for_rule
from tests.security.test_authorisation_matrix import EXPECTED, post_data

# The role each access class is exercised as.
ACTING_ROLE = {
    "public": "anonymous",
    "token_link": "anonymous",
    "logged_in": "operator_a",
    "operator_area": "operator_a",
    "operator_object": "operator_a",
    "operator_admin": "operator_admin_a",
    "staff": "support",
    "admin": "admin",
    "personal_document": "operator_a",
    "logout": "operator_a",
    "own_enrolment": "operator_a",
}

# GET pages allowed to write, each with the tables they may touch and why.
GET_WRITES = {
    "support.search": ({"audit_events"}, "a search by a valid identifier is a look-up, audited"),
    "support.account": ({"audit_events"}, "every support look-up of an account is audited"),
    "auctions.admin_export": ({"audit_events"}, "the export of the admitted operators is audited"),
    "tickets.staff_attachment": ({"audit_events"}, "staff reading an operator's attachment is audited"),
    "privacy.my_data_zip": ({"audit_events"}, "every download of one's own data is audited"),
}


@pytest.fixture
def csrf_on(app):
    """The application with CSRF protection on, as in every environment (restored afterwards)."""
    previous = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    if previous is None:
        app.config.pop("WTF_CSRF_ENABLED")
    else:
        app.config["WTF_CSRF_ENABLED"] = previous


def test_the_test_configuration_keeps_csrf_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def rules_by_role(app, with_method: str):
    grouped = {}
    for rule in all_rules(app):
        klass = EXPECTED.get(rule.endpoint)
        if klass is not None and with_method in methods_of(rule):
            grouped.setdefault(ACTING_ROLE[klass], []).append(rule)
    return grouped


def database(app):
    with app.app_context():
        return snapshot()


@pytest.mark.parametrize("token", ["missing", "forged", "from another session"])
def test_every_post_without_a_valid_token_is_refused_and_changes_nothing(csrf_on, world, token):
    app = csrf_on
    with app.test_request_context():
        other_sessions_token = generate_csrf()
    wrong = []
    for role, rules in rules_by_role(app, "POST").items():
        client = client_for(app, world, role)
        for rule in rules:
            data = post_data(rule, world)
            if token == "forged":
                data["csrf_token"] = "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.forged.signature"
            elif token == "from another session":
                data["csrf_token"] = other_sessions_token
            before = database(app)
            response = client.post(url_for_rule(rule, world), data=data)
            response.close()
            changed = changed_tables(before, database(app))
            if response.status_code != 400 or changed:
                wrong.append(f"{rule.endpoint} as {role}: {response.status_code}, changed {sorted(changed)}")
        if role != "anonymous":
            # The refused log-out above left the session alive.
            assert client.get("/cambio-password").status_code == 200, f"{role} was logged out without a token"
    assert not wrong, "\n".join(wrong)


def test_no_get_changes_the_database(app, world):
    wrong = []
    for role, rules in rules_by_role(app, "GET").items():
        client = client_for(app, world, role)
        for rule in rules:
            before = database(app)
            response = client.get(url_for_rule(rule, world))
            response.close()
            changed = changed_tables(before, database(app))
            allowed = GET_WRITES.get(rule.endpoint, (set(), ""))[0]
            if changed - allowed:
                wrong.append(f"GET {rule.endpoint} as {role} changed {sorted(changed - allowed)}")
    assert not wrong, "\n".join(wrong)

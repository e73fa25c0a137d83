"""The audit log: newest first, filters by user, operator, event and Italian dates."""

from datetime import UTC, datetime, timedelta

import pytest

from myportal.security.models import AuditEvent
from tests.admin.test_requests import valid_vat
from tests.conftest import counting_queries as count_queries


@pytest.fixture(autouse=True)
def _admins_without_second_factor(app, monkeypatch):
    """These tests are about the log, not about log-in: administrators log in with the password only."""
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())


def _event(dbs, event, when, **fields):
    with dbs.session() as session:
        session.add(AuditEvent(event=event, created_at=when, details=fields.pop("details", {}), **fields))


def _admin(login_as, make_user):
    login_as(make_user(role="admin"))


def test_log_lists_events_newest_first_with_details(client, login_as, make_user, make_operator, dbs):
    _admin(login_as, make_user)
    operator = make_operator(name="Rete Locale S.r.l.")
    user = make_user(operator=operator, username="utente.log")
    _event(
        dbs,
        "test.older",
        datetime(2024, 1, 5, 9, 0, tzinfo=UTC),
        user_id=user.id,
        operator_id=operator.id,
        object_type="User",
        object_id=str(user.id),
        ip="192.0.2.7",
        details={"motivo": "prova"},
    )
    _event(dbs, "test.newer", datetime(2024, 1, 6, 9, 0, tzinfo=UTC))
    page = client.get("/admin/registro?event=test.").get_data(as_text=True)
    assert page.index("test.newer") < page.index("test.older")
    for value in (
        "utente.log",
        "Rete Locale S.r.l.",
        operator.vat_number,
        "192.0.2.7",
        "motivo",
        "prova",
        "05/01/2024 10:00",
    ):
        assert value in page, value


def test_filters_by_user_operator_and_event(client, login_as, make_user, make_operator, dbs):
    _admin(login_as, make_user)
    first = make_operator(vat_number=valid_vat(811))
    second = make_operator(vat_number=valid_vat(812))
    alice = make_user(operator=first, username="filtro.uno")
    when = datetime(2024, 2, 1, 12, 0, tzinfo=UTC)
    _event(dbs, "filter.alpha", when, user_id=alice.id, operator_id=first.id)
    _event(dbs, "filter.beta", when, operator_id=second.id)
    _event(dbs, "other.gamma", when)

    def shown(query):
        page = client.get(f"/admin/registro?{query}").get_data(as_text=True)
        return {name for name in ("filter.alpha", "filter.beta", "other.gamma") if f"<code>{name}</code>" in page}

    assert shown("username=FILTRO.UNO") == {"filter.alpha"}
    assert shown(f"operator=IT{second.vat_number}") == {"filter.beta"}
    assert shown(f"operator={first.vat_number}") == {"filter.alpha"}
    assert shown("event=filter.") == {"filter.alpha", "filter.beta"}
    assert shown("event=filter.beta") == {"filter.beta"}
    assert shown("event=filter.beta&username=filtro.uno") == set()
    # the event filter suggests every recorded event
    assert '<option value="other.gamma">' in client.get("/admin/registro?event=filter.beta").get_data(as_text=True)


def test_dates_are_italian_calendar_days(client, login_as, make_user, dbs):
    _admin(login_as, make_user)
    # 23:30 UTC on 10 March is 00:30 on 11 March in Rome.
    _event(dbs, "day.eleventh", datetime(2024, 3, 10, 23, 30, tzinfo=UTC))
    _event(dbs, "day.tenth", datetime(2024, 3, 10, 12, 0, tzinfo=UTC))
    _event(dbs, "day.twelfth", datetime(2024, 3, 12, 12, 0, tzinfo=UTC))

    def shown(query):
        page = client.get(f"/admin/registro?event=day.&{query}").get_data(as_text=True)
        return {name for name in ("day.tenth", "day.eleventh", "day.twelfth") if f"<code>{name}</code>" in page}

    assert shown("date_from=2024-03-11&date_to=11/03/2024") == {"day.eleventh"}
    assert shown("date_to=2024-03-10") == {"day.tenth"}
    assert shown("date_from=11/03/2024") == {"day.eleventh", "day.twelfth"}


def test_bad_dates_and_vat_get_a_message_next_to_the_field(client, login_as, make_user):
    _admin(login_as, make_user)
    response = client.get("/admin/registro?date_from=31/02/2024&date_to=domani")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="date_from-error"' in page and 'id="date_to-error"' in page
    assert "Data non valida" in page
    reversed_range = client.get("/admin/registro?date_from=2024-03-12&date_to=2024-03-10").get_data(as_text=True)
    assert "La data finale precede quella iniziale." in reversed_range
    wrong_vat = valid_vat(77)[:-1] + str((int(valid_vat(77)[-1]) + 1) % 10)
    bad_vat = client.get(f"/admin/registro?operator={wrong_vat}")
    assert bad_vat.status_code == 200
    assert 'id="operator-error"' in bad_vat.get_data(as_text=True)


def test_filter_by_operator_name(client, login_as, make_user, make_operator, dbs):
    _admin(login_as, make_user)
    wind = make_operator(name="Eolica 100% Sud S.r.l.")
    sun = make_operator(name="Solare Nord S.p.A.")
    when = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    _event(dbs, "name.wind", when, operator_id=wind.id)
    _event(dbs, "name.sun", when, operator_id=sun.id)

    def shown(query):
        page = client.get(f"/admin/registro?event=name.&{query}").get_data(as_text=True)
        return {name for name in ("name.wind", "name.sun") if f"<code>{name}</code>" in page}

    assert shown("operator=eolica") == {"name.wind"}
    assert shown("operator=100%25") == {"name.wind"}  # a literal %, not a wildcard
    assert shown("operator=S.p.A") == {"name.sun"}
    assert shown("operator=nessuno") == set()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("operator=x", "operator", "almeno due caratteri"),
        ("operator=123", "operator", "11 cifre"),
        ("operator=" + "a" * 201, "operator", "200"),
        ("event=login%3Bdrop", "event", "Evento non valido"),
        ("event=" + "a" * 51, "event", "50"),
        ("username=" + "u" * 65, "username", "64"),
        ("date_from=31/12/9999", "date_from", "Indica una data tra"),
        ("date_to=01/01/0001", "date_to", "Indica una data tra"),
        ("date_from=%F0%9F%98%80", "date_from", "Data non valida"),
    ],
)
def test_bad_filters_get_a_message_next_to_the_field(client, login_as, make_user, query, field, message):
    _admin(login_as, make_user)
    response = client.get(f"/admin/registro?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"')[1].split("</p>")[0]


def test_invalid_filters_are_ignored_while_valid_ones_apply(client, login_as, make_user, dbs):
    _admin(login_as, make_user)
    _event(dbs, "keep.me", datetime(2024, 5, 1, 8, 0, tzinfo=UTC))
    page = client.get("/admin/registro?event=keep.&date_from=bad").get_data(as_text=True)
    assert "<code>keep.me</code>" in page and 'id="date_from-error"' in page


def test_pages_carry_the_filters_and_run_constant_queries(client, app, login_as, make_user, dbs, make_operator):
    _admin(login_as, make_user)
    page_size = app.config["PAGE_SIZE"]
    start = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)

    def add(count, offset):
        with dbs.session() as session:
            for i in range(count):
                operator = make_operator() if i % 5 == 0 else None
                session.add(
                    AuditEvent(
                        event="page.item",
                        created_at=start + timedelta(minutes=offset + i),
                        details={"n": offset + i},
                        operator_id=operator.id if operator else None,
                    )
                )

    add(3, 0)
    query = "/admin/registro?event=page.&date_from=2024-06-01"
    client.get(query)
    with count_queries(app) as few:
        assert client.get(query).status_code == 200
    add(page_size * 2, 100)
    with count_queries(app) as many:
        first = client.get(query).get_data(as_text=True)
    assert len(many) == len(few)
    assert first.count("<code>page.item</code>") == page_size
    assert "Pagina 1 di 3" in first
    assert "event=page." in first and "date_from=2024-06-01" in first and "page=2" in first
    last = client.get(query + "&page=3").get_data(as_text=True)
    assert last.count("<code>page.item</code>") == 3 + page_size * 2 - page_size * 2
    assert client.get(query + "&page=999").status_code == 200
    assert client.get(query + "&page=abc").status_code == 200

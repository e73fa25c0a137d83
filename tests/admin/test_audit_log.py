"""The audit log: newest first, filters by user, operator, event and Italian dates."""

from datetime import UTC, datetime

from myportal.security.models import AuditEvent
from tests.admin.test_requests import valid_vat


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
        return {
            name for name in ("filter.alpha", "filter.beta", "other.gamma") if f"<code>{name}</code>" in page
        }

    assert shown("username=FILTRO.UNO") == {"filter.alpha"}
    assert shown(f"vat_number=IT{second.vat_number}") == {"filter.beta"}
    assert shown("event=filter.") == {"filter.alpha", "filter.beta"}
    assert shown("event=filter.beta") == {"filter.beta"}
    assert shown("event=filter.beta&username=filtro.uno") == set()
    # the event filter suggests every recorded event
    assert '<option value="other.gamma">' in client.get("/admin/registro?event=filter.beta").get_data(
        as_text=True
    )


def test_dates_are_italian_calendar_days(client, login_as, make_user, dbs):
    _admin(login_as, make_user)
    # 23:30 UTC on 10 March is 00:30 on 11 March in Rome.
    _event(dbs, "day.eleventh", datetime(2024, 3, 10, 23, 30, tzinfo=UTC))
    _event(dbs, "day.tenth", datetime(2024, 3, 10, 12, 0, tzinfo=UTC))
    _event(dbs, "day.twelfth", datetime(2024, 3, 12, 12, 0, tzinfo=UTC))

    def shown(query):
        page = client.get(f"/admin/registro?event=day.&{query}").get_data(as_text=True)
        return {
            name for name in ("day.tenth", "day.eleventh", "day.twelfth") if f"<code>{name}</code>" in page
        }

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
    reversed_range = client.get("/admin/registro?date_from=2024-03-12&date_to=2024-03-10").get_data(
        as_text=True
    )
    assert "La data finale precede quella iniziale." in reversed_range
    wrong_vat = valid_vat(77)[:-1] + str((int(valid_vat(77)[-1]) + 1) % 10)
    bad_vat = client.get(f"/admin/registro?vat_number={wrong_vat}")
    assert bad_vat.status_code == 200
    assert 'id="vat_number-error"' in bad_vat.get_data(as_text=True)

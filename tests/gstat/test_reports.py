"""The monthly report of a plant through the form: drafts, submission, lock, corrections, isolation, deadlines."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from myportal.gstat.calendar import deadline, month_hours
from myportal.gstat.models import MonthlyReport
from myportal.security.models import AuditEvent
from tests.conftest import field_error, submit
from tests.gstat import add_plant, add_report, last_month, months_ago, this_month

GOOD = {
    "gross_production_mwh": "1.200,5",
    "net_production_mwh": "1180.25",
    "auxiliary_consumption_mwh": "20",
    "pumping_consumption_mwh": "",
}


@pytest.fixture
def operator(make_operator):
    return make_operator()


@pytest.fixture
def plant(dbs, operator):
    return add_plant(dbs, operator, capacity="10")


@pytest.fixture
def user(make_user, login_as, operator):
    user = make_user(operator=operator)
    login_as(user)
    return user


def _url(plant, year, month):
    return f"/gstat/impianti/{plant.id}/{year}/{month}"


def _reports(dbs, plant):
    return dbs.scalars(select(MonthlyReport).where(MonthlyReport.plant_id == plant.id).order_by(MonthlyReport.revision))


def test_draft_then_submit_then_locked(client, dbs, plant, user):
    year, month = last_month()
    url = _url(plant, year, month)
    response = submit(client, url, {**GOOD, "action": "draft"}, follow_redirects=True)
    assert "salvata" in response.get_data(as_text=True)
    [draft] = _reports(dbs, plant)
    assert draft.state == "bozza" and draft.gross_production_mwh == Decimal("1200.500")
    assert draft.pumping_consumption_mwh == 0 and draft.submitted_at is None

    response = submit(client, url, {**GOOD, "net_production_mwh": "1100", "action": "submit"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "inviato (revisione 1)" in page and "bloccato" in page
    [sent] = _reports(dbs, plant)
    assert sent.id == draft.id and sent.state == "inviato" and sent.net_production_mwh == Decimal("1100")
    assert sent.submitted_by_id == user.id and sent.submitted_at is not None

    # Locked: the page offers no form, and a forged POST changes nothing.
    page = client.get(url).get_data(as_text=True)
    assert 'name="gross_production_mwh"' not in page and "Rettifica" in page
    response = submit(
        client,
        url,
        {**GOOD, "gross_production_mwh": "1", "net_production_mwh": "1", "action": "draft"},
        page=f"/gstat/impianti/{plant.id}/{year}/{month}",
    )
    assert response.status_code == 200
    assert "già stato inviato e non si può modificare" in response.get_data(as_text=True)
    [still] = _reports(dbs, plant)
    assert (still.state, still.gross_production_mwh, still.net_production_mwh) == (
        "inviato",
        Decimal("1200.500"),
        Decimal("1100.000"),
    )


def test_correction_is_a_new_revision_and_history_is_kept(client, dbs, plant, user):
    year, month = months_ago(2)
    sent = add_report(dbs, plant, year, month, gross="500", net="490")
    url = _url(plant, year, month)
    response = submit(client, f"/gstat/report/{sent.id}/rettifica", {}, page=url, follow_redirects=True)
    assert "revisione 2 in bozza" in response.get_data(as_text=True)
    first, second = _reports(dbs, plant)
    assert (first.revision, first.state, first.is_current) == (1, "inviato", False)
    assert (second.revision, second.state, second.is_current) == (2, "bozza", True)
    assert second.gross_production_mwh == Decimal("500")  # starts from the submitted figures
    submit(client, url, {**GOOD, "gross_production_mwh": "510", "net_production_mwh": "495", "action": "submit"})
    first, second = _reports(dbs, plant)
    assert first.gross_production_mwh == Decimal("500") and first.state == "inviato"
    assert second.gross_production_mwh == Decimal("510") and second.state == "inviato" and second.is_current
    page = client.get(url).get_data(as_text=True)
    assert "Storico delle revisioni" in page and "510" in page and "500" in page
    # Only the current submitted revision can be corrected.
    response = submit(client, f"/gstat/report/{first.id}/rettifica", {}, page=url, follow_redirects=True)
    assert "Si può rettificare solo l&#39;ultima revisione inviata." in response.get_data(as_text=True)
    assert len(_reports(dbs, plant)) == 2
    assert dbs.count(AuditEvent, AuditEvent.event == "gstat.correction_started") == 1


def test_a_draft_cannot_be_corrected(client, dbs, plant, user):
    year, month = last_month()
    draft = add_report(dbs, plant, year, month, state="bozza")
    response = submit(
        client, f"/gstat/report/{draft.id}/rettifica", {}, page=_url(plant, year, month), follow_redirects=True
    )
    assert "Si può rettificare solo" in response.get_data(as_text=True)
    assert len(_reports(dbs, plant)) == 1


def _hours_limit(year, month):
    return month_hours(year, month) * 10


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"gross_production_mwh": ""}, "gross_production_mwh", "Indica la produzione lorda"),
        ({"gross_production_mwh": "-1"}, "gross_production_mwh", "non può essere negativo"),
        ({"net_production_mwh": "abc"}, "net_production_mwh", "Numero non valido"),
        ({"auxiliary_consumption_mwh": "-0,5"}, "auxiliary_consumption_mwh", "non può essere negativo"),
        ({"pumping_consumption_mwh": "NaN"}, "pumping_consumption_mwh", "Numero non valido"),
        (
            {"gross_production_mwh": "100", "net_production_mwh": "100,001"},
            "net_production_mwh",
            "non può superare la produzione lorda",
        ),
        (
            {"gross_production_mwh": "99999", "net_production_mwh": "1"},
            "gross_production_mwh",
            "supera il massimo possibile",
        ),
        ({"gross_production_mwh": "1.000.000.000.000"}, "gross_production_mwh", "troppo grande"),
        ({"gross_production_mwh": "176.020"}, "gross_production_mwh", "Numero ambiguo '176.020': scrivi 176020"),
        ({"net_production_mwh": "1,234.5"}, "net_production_mwh", "usa la virgola per i decimali"),
    ],
)
def test_form_bad_inputs_say_what_is_wrong(client, dbs, plant, user, changes, field, message):
    year, month = last_month()
    response = submit(client, _url(plant, year, month), {**GOOD, **changes, "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in field_error(page, field), page
    assert _reports(dbs, plant) == []


def test_capacity_limit_uses_the_hours_of_that_month(client, dbs, plant, user):
    year, month = last_month()
    limit = _hours_limit(year, month)
    assert (
        submit(
            client,
            _url(plant, year, month),
            {**GOOD, "gross_production_mwh": str(limit), "net_production_mwh": "1", "action": "draft"},
        ).status_code
        == 302
    )
    response = submit(
        client,
        _url(plant, year, month),
        {**GOOD, "gross_production_mwh": str(limit + Decimal("0.001")), "net_production_mwh": "1", "action": "draft"},
    )
    assert f"10,000 MW × {month_hours(year, month)} ore" in response.get_data(as_text=True)


def test_no_report_for_the_current_or_a_future_month(client, dbs, plant, user):
    year, month = this_month()
    page = client.get(_url(plant, year, month)).get_data(as_text=True)
    assert "non è ancora concluso" in page
    response = submit(client, _url(plant, year, month), {**GOOD, "action": "submit"})
    assert "non è ancora concluso" in response.get_data(as_text=True)
    response = submit(client, _url(plant, year + 1, month), {**GOOD, "action": "submit"})
    assert "non è ancora concluso" in response.get_data(as_text=True)
    assert _reports(dbs, plant) == []
    assert client.get(_url(plant, year, 13)).status_code == 404
    assert client.get(_url(plant, 1999, 1)).status_code == 404


def test_fuel_only_and_always_for_thermal_plants(client, dbs, operator, plant, user):
    year, month = last_month()
    thermal = add_plant(dbs, operator, source="thermal", capacity="300")
    url = _url(thermal, year, month)
    page = client.get(url).get_data(as_text=True)
    assert 'name="fuel_quantity"' in page
    assert 'name="fuel_quantity"' not in client.get(_url(plant, year, month)).get_data(as_text=True)
    response = submit(client, url, {**GOOD, "fuel_type": "", "fuel_quantity": "", "action": "submit"})
    page = response.get_data(as_text=True)
    assert "unità del combustibile" in field_error(page, "fuel_type")
    assert "quantità di combustibile utilizzato" in field_error(page, "fuel_quantity")
    response = submit(client, url, {**GOOD, "fuel_type": "barili", "fuel_quantity": "-2", "action": "submit"})
    page = response.get_data(as_text=True)
    assert "non prevista" in field_error(page, "fuel_type")
    assert "non può essere negativo" in field_error(page, "fuel_quantity")
    assert _reports(dbs, thermal) == []
    assert (
        submit(client, url, {**GOOD, "fuel_type": "Sm3", "fuel_quantity": "250.000,5", "action": "submit"}).status_code
        == 302
    )
    [report] = _reports(dbs, thermal)
    assert (report.fuel_type, report.fuel_quantity) == ("Sm3", Decimal("250000.500"))
    # A non-thermal plant refuses fuel figures, even when they are forged into the POST.
    response = submit(client, _url(plant, year, month), {**GOOD, "fuel_quantity": "5", "action": "draft"})
    assert response.status_code == 302  # the field does not exist in its form: ignored
    assert _reports(dbs, plant)[0].fuel_quantity is None


def test_post_without_csrf_writes_nothing(client, dbs, plant, user):
    year, month = last_month()
    response = client.post(_url(plant, year, month), data={**GOOD, "action": "submit"})
    assert response.status_code in (200, 400)
    assert _reports(dbs, plant) == []


def test_other_operator_gets_404_and_is_audited(client, dbs, make_operator, make_user, login_as, plant):
    year, month = last_month()
    report = add_report(dbs, plant, year, month)
    intruder = make_user(operator=make_operator())
    login_as(intruder)
    assert client.get(_url(plant, year, month)).status_code == 404
    html = client.get("/gstat").get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/gstat/carica").get_data(as_text=True))
    assert client.post(_url(plant, year, month), data={**GOOD, "csrf_token": token}).status_code == 404
    assert client.post(f"/gstat/report/{report.id}/rettifica", data={"csrf_token": token}).status_code == 404
    assert plant.gaudi_code not in html
    events = dbs.scalars(
        select(AuditEvent).where(AuditEvent.event == "access.cross_operator", AuditEvent.user_id == intruder.id)
    )
    assert {(event.object_type, event.object_id) for event in events} == {
        ("Plant", str(plant.id)),
        ("MonthlyReport", str(report.id)),
    }
    assert len(events) == 3
    assert len(_reports(dbs, plant)) == 1


def test_staff_roles_cannot_use_the_operator_pages(client, make_user, login_as, plant):
    login_as(make_user("support", operator=False))
    year, month = last_month()
    assert client.get("/gstat").status_code == 403
    assert client.get(_url(plant, year, month)).status_code == 403


def test_deadline_day_comes_from_the_configuration(app, monkeypatch):
    with app.test_request_context():
        assert deadline(2025, 12) == date(2026, 1, 15)
        monkeypatch.setitem(app.config, "GSTAT_DEADLINE_DAY", 10)
        assert deadline(2025, 3) == date(2025, 4, 10)


def test_late_submission_is_flagged(client, dbs, plant, user, monkeypatch, app):
    year, month = months_ago(3)  # its deadline has passed
    url = _url(plant, year, month)
    submit(client, url, {**GOOD, "action": "submit"})
    page = client.get(url).get_data(as_text=True)
    assert "in ritardo" in page
    overview = client.get("/gstat").get_data(as_text=True)
    assert "Inviato – in ritardo" in overview


def test_a_concurrent_write_is_reported_not_a_500(client, dbs, plant, user, monkeypatch):
    """Two submissions of the same month at once: the second read no report, and the database's unique index
    stops its insert."""
    from myportal.gstat import services

    year, month = last_month()
    add_report(dbs, plant, year, month, state="inviato")
    monkeypatch.setattr(services, "current_report", lambda *args: None)  # what the second request saw
    response = submit(client, _url(plant, year, month), {**GOOD, "action": "submit"})
    assert response.status_code == 200
    assert "modificati nel frattempo" in response.get_data(as_text=True)
    assert [report.revision for report in _reports(dbs, plant)] == [1]

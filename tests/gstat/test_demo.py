"""Demo data of GSTAT and the home tiles."""

from sqlalchemy import select

from myportal.gstat.calendar import is_late
from myportal.gstat.demo import PLANTS, load_demo
from myportal.gstat.models import MonthlyReport, Plant
from myportal.gstat.validation import validate_report
from tests.conftest import login
from tests.gstat import add_plant, add_report, last_month


def test_demo_data_is_believable_and_idempotent(app, client, dbs, make_operator, make_user):
    operators = [make_operator(), make_operator(), make_operator()]
    user = make_user(operator=operators[1])  # the first operator with users gets the first plants
    with dbs.session():
        load_demo(operators)
    plants = dbs.scalars(select(Plant).where(Plant.gaudi_code.in_([row[1] for row in PLANTS])))
    assert len(plants) == len(PLANTS)
    assert {plant.operator_id for plant in plants} == {operators[1].id, operators[0].id}
    assert {plant.operator_id for plant in plants if plant.source == "solar"} == {operators[1].id}
    assert {plant.source for plant in plants} == {"solar", "wind", "thermal", "storage", "hydro", "geothermal"}
    reports = dbs.scalars(select(MonthlyReport).where(MonthlyReport.plant_id.in_([p.id for p in plants])))
    by_plant = {plant.id: plant for plant in plants}
    assert len(reports) >= 24 * len(PLANTS) - 4
    with app.test_request_context():
        for report in reports:  # every figure passes the rules of the form
            raw = {
                name: str(getattr(report, name) or "").replace(".", ",")  # as the form shows them
                for name in (
                    "gross_production_mwh",
                    "net_production_mwh",
                    "auxiliary_consumption_mwh",
                    "pumping_consumption_mwh",
                    "fuel_type",
                    "fuel_quantity",
                )
            }
            _, problems = validate_report(by_plant[report.plant_id], report.year, report.month, raw)
            assert problems == [], (report.year, report.month, problems)
        late = [r for r in reports if r.submitted_at and r.revision == 1 and is_late(r.year, r.month, r.submitted_at)]
    assert len(late) >= 3
    assert [r.state for r in reports if not r.submitted_at] == ["bozza"]
    assert len([r for r in reports if r.revision == 2]) == 1
    assert len([r for r in reports if not r.is_current]) == 1

    before = dbs.count(Plant), dbs.count(MonthlyReport)
    with dbs.session():
        load_demo(operators)
    assert (dbs.count(Plant), dbs.count(MonthlyReport)) == before

    # The demo data works through the pages.
    assert login(client, user.username).status_code == 302
    page = client.get("/gstat").get_data(as_text=True)
    assert "UP_FGPV0001_1" in page and "in ritardo" in page and "Bozza" in page
    year = last_month()[0]
    assert "UP_BRCCGT01_2" in client.get(f"/gstat/riepilogo/{year}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Statistiche GSTAT" in home and "report da inviare" in home


def test_home_tiles(app, dbs, make_operator, make_user):
    from myportal.gstat.tiles import home_tiles

    operator = make_operator()
    first, second = add_plant(dbs, operator), add_plant(dbs, operator)
    year, month = last_month()
    add_report(dbs, first, year, month)
    add_report(dbs, second, year, month, state="bozza")
    user = make_user(operator=operator)
    admin = make_user("admin", operator=False)
    without_plants = make_user(operator=make_operator())
    with app.test_request_context():
        [tile] = home_tiles(user)
        assert tile.url == "/gstat" and tile.text.startswith("1 report da inviare")
        assert home_tiles(without_plants) == []
        [tile] = home_tiles(admin)
        assert tile.url == "/admin/gstat" and "senza report inviato" in tile.text
        assert home_tiles(make_user("support", operator=False)) == []

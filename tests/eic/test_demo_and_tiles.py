"""The EIC demo data (believable, idempotent) and the home-page tiles."""

from sqlalchemy import select
from stdnum.eu import eic

from myportal.eic.demo import load_demo
from myportal.eic.models import EicCode, EicRequest
from myportal.eic.tiles import home_tiles
from myportal.extensions import db
from myportal.operators.models import User
from tests.conftest import page_text
from tests.eic import add_request


def test_demo_is_believable_and_idempotent(app, client, dbs, make_operator, make_user, login_as):
    first, second = make_operator(), make_operator()
    user = make_user(operator=first)
    make_user(role="admin")
    with dbs.session():
        load_demo([first, second])
    counts = dbs.count(EicRequest), dbs.count(EicCode)
    assert counts == (5, 3)
    states = {r.display_name: r.state for r in dbs.scalars(select(EicRequest))}
    assert states["UP-LECCE-EOL1"] == "richiesta" and states["UP-BARI-BESS"] == "respinta"
    codes = dbs.scalars(select(EicCode))
    assert all(eic.is_valid(code.code) and code.code.startswith("26") for code in codes)
    assert {code.issued_at.year for code in codes} == {2021, 2022, 2023}
    assert {code.operator_id for code in codes} == {first.id, second.id}

    with dbs.session():
        load_demo([first, second])
    assert (dbs.count(EicRequest), dbs.count(EicCode)) == counts

    login_as(user)
    page = page_text(client.get("/eic"))
    assert "SOLADRIATICO-PV" in page and "UP-LECCE-EOL1" in page and "MP-TARANTO-01" not in page


def test_demo_without_operators_does_nothing(dbs):
    with dbs.session():
        load_demo([])
    assert dbs.count(EicRequest) == 0


def _tiles(app, user):
    with app.test_request_context("/"):
        return home_tiles(db.session.get(User, user.id))


def test_operator_tile_counts_codes_and_pending_requests(app, dbs, make_user):
    user = make_user(role="operator")
    other = make_user(role="operator")
    (tile,) = _tiles(app, user)
    assert tile.url == "/eic" and tile.text == "0 codici assegnati, 0 richieste in attesa"
    add_request(dbs, user.operator_id, user.id)
    add_request(dbs, user.operator_id, user.id, state="respinta")
    add_request(dbs, other.operator_id, other.id)
    approved = add_request(dbs, user.operator_id, user.id, state="respinta")
    with dbs.session() as session:
        from myportal.eic.services import issue_code

        issue_code(session.get(EicRequest, approved.id))
    (tile,) = _tiles(app, user)
    assert tile.text == "1 codice assegnato, 1 richiesta in attesa"


def test_admin_tile_counts_requests_to_review(app, dbs, make_user):
    admin = make_user(role="admin")
    (tile,) = _tiles(app, admin)
    assert tile.url == "/admin/eic" and tile.text == "Nessuna richiesta da esaminare."
    for _ in range(2):
        user = make_user(role="operator")
        add_request(dbs, user.operator_id, user.id)
    add_request(dbs, user.operator_id, user.id, state="respinta")
    (tile,) = _tiles(app, admin)
    assert tile.text == "2 richieste da esaminare"


def test_support_has_no_eic_tile(app, make_user):
    assert _tiles(app, make_user(role="support")) == []

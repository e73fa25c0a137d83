"""Issued codes: office prefix, type letter, 12-character body, check character; valid and unique."""

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from stdnum.eu import eic

from myportal.eic.models import EicCode, EicRequest
from myportal.eic.services import candidate_codes, issue_code
from myportal.extensions import db
from tests.conftest import submit
from tests.eic import add_request


def test_many_codes_with_one_stem_are_all_valid_and_unique(app, dbs, make_user):
    """Display names sharing their first 12 characters produce the same preferred body: each gets its own."""
    user = make_user(role="operator")
    total = 120
    requests = [
        add_request(dbs, user.operator_id, user.id, display_name=f"ABCDEFGHIJKL{number:04d}", state="respinta")
        for number in range(total)
    ]
    with dbs.session() as session:
        codes = [issue_code(session.get(EicRequest, item.id)).code for item in requests]
    assert len(set(codes)) == total
    for code in codes:
        assert eic.validate(code) == code
        assert code.startswith("26W") and len(code) == 16
    stored = dbs.scalars(select(EicCode.code))
    assert sorted(stored) == sorted(codes)


def test_many_approvals_through_the_queue(app, client, dbs, make_user, login_as):
    admin = make_user(role="admin")
    user = make_user(role="operator")
    letters = {
        "X": "Producer",
        "Y": "Bidding Zone",
        "Z": "Metering Point",
        "W": "Generation Unit",
        "T": "Tie Line",
        "V": "Location",
        "A": "Substation",
    }
    items = [
        add_request(
            dbs,
            user.operator_id,
            user.id,
            display_name=f"SAME-PREFIX-{number:02d}",
            object_type=letter,
            function=function,
        )
        for number, (letter, function) in zip(range(14), itertools.cycle(letters.items()), strict=False)
    ]
    login_as(admin)
    for item in items:
        page = f"/admin/eic/richieste/{item.id}"
        assert submit(client, f"{page}/approva", {}, page=page).status_code == 302
    codes = {}
    for item in items:
        stored = dbs.get(EicRequest, item.id)
        codes[stored.id] = (dbs.get(EicCode, stored.eic_code_id).code, stored.object_type)
    assert len({code for code, _ in codes.values()}) == len(items)
    for code, letter in codes.values():
        assert eic.is_valid(code) and code[:3] == "26" + letter


def test_candidates_never_end_with_a_minus(app):
    with app.app_context():
        for name in ("A", "UP-FOGGIA-PV1", "ZZZZZZZZZZZZZZZZ", "0-0-0-0-0-0-0-0-"):
            for code in itertools.islice(candidate_codes("W", name), 300):
                assert code[-1] != "-" and eic.is_valid(code)


def test_a_stem_whose_check_would_be_minus_is_skipped(app, dbs, make_user):
    name = next(
        f"N-{number:04d}"
        for number in itertools.count()
        if eic.calc_check_digit("26W" + f"N-{number:04d}".ljust(12, "-")) == "-"
    )
    user = make_user(role="operator")
    item = add_request(dbs, user.operator_id, user.id, display_name=name, state="respinta")
    with dbs.session() as session:
        code = issue_code(session.get(EicRequest, item.id)).code
    assert eic.is_valid(code) and code[3:15] != name.ljust(12, "-")


def test_the_database_keeps_codes_and_display_names_unique(app, dbs, make_operator):
    operator = make_operator()
    base = "26W" + "UNIQUE-TEST-"
    code = base + eic.calc_check_digit(base)

    def record(code, name):
        return EicCode(
            code=code,
            display_name=name,
            long_name="x",
            responsible_party="x",
            status="Active",
            postal_code="00156",
            country="IT",
            function_list="Production Unit",
            object_type="W",
            issued_at=datetime.now(UTC),
            operator_id=operator.id,
        )

    with dbs.session() as session:
        session.add(record(code, "ONE"))
    for duplicate in (record(code, "TWO"), record(code[:-1] + "0", "ONE")):
        with app.app_context(), pytest.raises(IntegrityError):
            db.session.add(duplicate)
            db.session.flush()
        with app.app_context():
            db.session.rollback()


def test_a_code_issued_meanwhile_makes_the_approval_take_another(app, client, dbs, make_user, login_as, monkeypatch):
    """The free code found was issued by a simultaneous approval: the unique constraint refuses it, and the
    approval goes on with a fresh look-up."""
    from myportal.eic import services

    user = make_user(role="operator")
    taken = add_request(dbs, user.operator_id, user.id, display_name="UP-FIRST", state="respinta")
    with dbs.session() as session:
        taken_code = issue_code(session.get(EicRequest, taken.id)).code
    item = add_request(dbs, user.operator_id, user.id, display_name="UP-SECOND")
    real_free_code = services._free_code
    answers = iter([taken_code])
    monkeypatch.setattr(services, "_free_code", lambda *args: next(answers, None) or real_free_code(*args))
    login_as(make_user(role="admin"))
    page = f"/admin/eic/richieste/{item.id}"
    assert submit(client, f"{page}/approva", {}, page=page).status_code == 302
    stored = dbs.get(EicRequest, item.id)
    code = dbs.get(EicCode, stored.eic_code_id).code
    assert stored.state == "approvata" and code != taken_code and eic.is_valid(code)
    assert dbs.count(EicCode) == 2

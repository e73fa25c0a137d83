"""Two simultaneous enrolments of one operator on PostgreSQL: the unique constraint keeps one.

The per-test transaction of tests/conftest.py binds one connection, which two requests would share; this
test gives the app a session on an engine of its own (a connection per request), commits for real, and
deletes what it wrote at the end.
"""

import os
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, delete, event, func, or_, select

from myportal.auctions.models import Auction, Enrolment
from myportal.extensions import db
from myportal.models import utcnow
from myportal.operators.models import Operator, User, username_key
from myportal.security.models import AuditEvent
from tests.auctions import enrol_data
from tests.conftest import _ConnectionBoundSession, csrf_from, default_password_hash, login, make_vat

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="needs PostgreSQL in TEST_DATABASE_URL"
)


@pytest.fixture
def committing_session(app):
    """``db.session`` on an engine of its own for the test: each request (app context) gets a connection."""
    engine = create_engine(DATABASE_URL, pool_size=5)
    previous = db.session
    db.session = db._make_scoped_session({"class_": _ConnectionBoundSession, "bind": engine, "expire_on_commit": False})
    try:
        yield engine
    finally:
        db.session = previous
        engine.dispose()


def _cleanup(app, operator_id, user_ids, auction_id):
    with app.app_context():
        session = db.session
        session.execute(
            delete(AuditEvent).where(or_(AuditEvent.operator_id == operator_id, AuditEvent.user_id.in_(user_ids)))
        )
        session.execute(delete(Enrolment).where(Enrolment.operator_id == operator_id))
        session.execute(delete(Auction).where(Auction.id == auction_id))
        session.execute(delete(User).where(User.id.in_(user_ids)))
        session.execute(delete(Operator).where(Operator.id == operator_id))
        session.commit()


def test_two_simultaneous_requests_make_one_enrolment(app, committing_session):
    engine = committing_session
    now = utcnow()
    with app.app_context():
        operator = Operator(
            name="Concorrenza Energia S.p.A.",
            vat_number=make_vat(9_191_919),
            registered_address="Via Roma 1, 00100 Roma (RM)",
            kind="giuridica",
        )
        db.session.add(operator)
        db.session.flush()
        users = [
            User(
                username=f"concorrente{n}",
                username_key=username_key(f"concorrente{n}"),
                role="operator",
                operator_id=operator.id,
                email=f"concorrente{n}@example.com",
                full_name=f"Utente {n}",
                status="active",
                password_hash=default_password_hash(),
            )
            for n in (1, 2)
        ]
        auction = Auction(
            code="CONC-0001",
            title="Asta contesa",
            procedure_type="macse",
            product="Stoccaggio",
            delivery_start=now.date(),
            delivery_end=now.date(),
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
            declarations="Accetto il regolamento.\nDichiaro il vero.",
            required_documents="Visura camerale",
            minimum_guarantee=Decimal("0"),
            published=True,
        )
        db.session.add_all([*users, auction])
        db.session.commit()
        operator_id, user_ids, auction_id = operator.id, [u.id for u in users], auction.id

    # Both requests pass the "already enrolled?" check before either inserts: they meet at the INSERT.
    barrier = threading.Barrier(2, timeout=10)

    def meet_at_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO enrolments "):
            barrier.wait()

    try:
        clients, tokens = [], []
        for user in users:
            client = app.test_client()
            assert login(client, user.username).status_code == 302
            tokens.append(csrf_from(client.get(f"/aste/{auction_id}/iscrizione").get_data(as_text=True)))
            clients.append(client)
        event.listen(engine, "before_cursor_execute", meet_at_insert)
        responses = [None, None]

        def post(index):
            responses[index] = clients[index].post(
                f"/aste/{auction_id}/iscrizione", data={"csrf_token": tokens[index], **enrol_data()}
            )

        threads = [threading.Thread(target=post, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        event.remove(engine, "before_cursor_execute", meet_at_insert)

        assert [response.status_code for response in responses] == [302, 302]
        pages = [client.get(f"/aste/{auction_id}").get_data(as_text=True) for client in clients]
        assert sum("inviata: riceverai" in page for page in pages) == 1
        assert sum("Risulti già iscritto" in page for page in pages) == 1
        with app.app_context():
            count = db.session.scalar(
                select(func.count()).select_from(Enrolment).where(Enrolment.auction_id == auction_id)
            )
            duplicates = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.event == "auction.enrolment_duplicate", AuditEvent.operator_id == operator_id)
            )
        assert count == 1 and duplicates == 1
    finally:
        if event.contains(engine, "before_cursor_execute", meet_at_insert):
            event.remove(engine, "before_cursor_execute", meet_at_insert)
        _cleanup(app, operator_id, user_ids, auction_id)

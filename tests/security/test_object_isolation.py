"""Object isolation: an operator asking for another operator's object by id gets 404, and the attempt is
audited as ``access.cross_operator``; every kind of object an operator owns is covered."""

from sqlalchemy import select

from myportal.models import Base
from myportal.security.models import AuditEvent
from tests.security.conftest import all_rules, client_for, methods_of, token_for, url_for_rule
from tests.security.test_authorisation_matrix import EXPECTED, POST_DATA, post_data

OBJECT_CLASSES = ("operator_object", "operator_admin", "personal_document")

# Kinds of object that carry an operator but have no URL naming them by id, and why.
NO_URL_OF_THEIR_OWN = {
    "Operator": "the company itself: pages show the current user's own, never one named by id",
    "Measurement": "shown and exported only for the supply point chosen through contracts.choose",
    "MeterReading": "listed inside the self-reading page of the chosen supply point",
    "Exposure": "an administrator's record; operators see only the figures on the guarantees page",
    "EicCode": "issued codes are shown inside the request that produced them",
    "AuditEvent": "the audit log is read only by administrators",
    "RegistrationRequest": "an application, read only by administrators (the operator is set on approval)",
}

# Object URLs whose 404 for operator B is not about another operator's object, and why.
NOT_ANOTHER_OPERATORS_OBJECT = {
    "auctions.withdraw_enrolment": "the URL names a published auction, open to all; 404 means no own enrolment",
}


def owned_types() -> set[str]:
    """Mapped classes carrying an operator: an operator_id column or property."""
    names = set()
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if "operator_id" in mapper.columns or isinstance(getattr(cls, "operator_id", None), property):
            names.add(cls.__name__)
    return names | {"Operator"}


def object_rules(app):
    for rule in all_rules(app):
        if EXPECTED.get(rule.endpoint) not in OBJECT_CLASSES:
            continue
        if rule.arguments or rule.endpoint in POST_DATA:
            yield rule


def cross_operator_events(dbs, user_id: int) -> list[AuditEvent]:
    return dbs.scalars(
        select(AuditEvent).where(AuditEvent.event == "access.cross_operator", AuditEvent.user_id == user_id)
    )


def test_another_operators_objects_answer_404_and_are_audited(app, world, dbs):
    intruder = world.users["operator_admin_b"]
    client = client_for(app, world, "operator_admin_b")
    token = token_for(client)
    wrong, covered = [], set()
    for rule in object_rules(app):
        before = len(cross_operator_events(dbs, intruder.id))
        path = url_for_rule(rule, world)
        if "GET" in methods_of(rule):
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token, **post_data(rule, world)})
        response.close()
        events = cross_operator_events(dbs, intruder.id)[before:]
        if response.status_code != 404:
            wrong.append(f"{rule.endpoint}: {response.status_code} instead of 404")
        if not events and rule.endpoint not in NOT_ANOTHER_OPERATORS_OBJECT:
            wrong.append(f"{rule.endpoint}: no access.cross_operator audit event")
        for event in events:
            assert event.details.get("owner_operator_id") == world.operator_a, event.details
            covered.add(event.object_type)
    assert not wrong, "\n".join(wrong)
    uncovered = owned_types() - covered - set(NO_URL_OF_THEIR_OWN)
    assert not uncovered, (
        f"kinds of object owned by an operator with no isolation check: {sorted(uncovered)}; give them an "
        "object URL in the matrix (tests/security) or an entry in NO_URL_OF_THEIR_OWN"
    )


def test_the_owner_still_sees_every_object(app, world):
    client = client_for(app, world, "operator_admin_a")
    for rule in object_rules(app):
        if "GET" in methods_of(rule):
            response = client.get(url_for_rule(rule, world))
            response.close()
            assert response.status_code == 200, f"{rule.endpoint}: {response.status_code}"

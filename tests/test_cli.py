"""`myportal users create` and `myportal demo-data`."""

from sqlalchemy import select

from myportal.demo import DEMO_LEGACY_PASSWORD, DEMO_PASSWORD, DEMO_SECRET_ANSWER, LEGACY_ROWS
from myportal.operators.models import Operator, User
from myportal.registration.models import CustomerRecord, GecoPractice, LegacyCredential, RegistrationRequest
from myportal.security.models import AuditEvent
from myportal.security.passwords import normalise_secret_answer, verify_password
from tests.conftest import login, make_vat

STRONG = "una password abbastanza lunga"


def create(app, *args, password=STRONG):
    return app.test_cli_runner().invoke(args=["users", "create", *args, "--password-stdin"], input=f"{password}\n")


# --- users create -------------------------------------------------------------------------------------------


def test_create_admin_from_stdin(app, dbs, client):
    result = create(app, "--role", "admin", "--username", "capo", "--email", "capo@example.com")
    assert result.exit_code == 0, result.output
    assert "Created admin capo" in result.output
    user = dbs.scalar(select(User).where(User.username == "capo"))
    assert (user.role, user.status, user.operator_id) == ("admin", "active", None)
    assert verify_password(user.password_hash, STRONG)
    assert login(client, "capo", STRONG).status_code == 302


def test_create_with_prompted_password(app, dbs):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "support", "--username", "help1", "--email", "help1@example.com"],
        input=f"{STRONG}\n{STRONG}\n",
    )
    assert result.exit_code == 0, result.output
    assert dbs.scalar(select(User.role).where(User.username == "help1")) == "support"


def test_weak_password_refused(app, dbs):
    for weak in ("corta", "password1234"):
        result = create(app, "--role", "admin", "--username", "capo", "--email", "capo@example.com", password=weak)
        assert result.exit_code == 1
        assert "password" in result.output.lower()
    assert dbs.count(User) == 0


def test_duplicate_username_refused(app, dbs, make_user):
    make_user(role="support", username="Assistente")
    result = create(app, "--role", "admin", "--username", "assistente", "--email", "altro@example.com")
    assert result.exit_code == 1
    assert "already taken" in result.output
    assert dbs.count(User) == 1


def test_operator_roles_need_a_valid_known_vat(app, dbs, make_operator):
    vat = make_vat(61)
    operator = make_operator(vat_number=vat)
    base = ["--username", "op1", "--email", "op1@example.com"]

    result = create(app, "--role", "operator", *base)
    assert result.exit_code == 1
    assert "--operator" in result.output

    result = create(app, "--role", "operator", *base, "--operator", vat[:-1] + str((int(vat[-1]) + 1) % 10))
    assert result.exit_code == 1
    assert "Partita IVA non valida" in result.output

    result = create(app, "--role", "operator", *base, "--operator", make_vat(62))
    assert result.exit_code == 1
    assert "No operator" in result.output

    result = create(app, "--role", "admin", *base, "--operator", vat)
    assert result.exit_code == 1
    assert dbs.count(User) == 0

    result = create(app, "--role", "operator_admin", *base, "--operator", f"IT {vat}")
    assert result.exit_code == 0, result.output
    user = dbs.scalar(select(User).where(User.username == "op1"))
    assert (user.role, user.operator_id, user.status) == ("operator_admin", operator.id, "active")


def test_invalid_email_refused(app, dbs):
    result = create(app, "--role", "admin", "--username", "capo", "--email", "capo@pec.example.com")
    assert result.exit_code == 1
    assert "PEC" in result.output
    assert dbs.count(User) == 0


# --- demo-data ----------------------------------------------------------------------------------------------

MODELS = (Operator, User, LegacyCredential, GecoPractice, CustomerRecord, RegistrationRequest)


def test_demo_data_is_idempotent_and_usable(app, dbs, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    counts = {model.__name__: dbs.count(model) for model in MODELS}
    assert counts == {
        "Operator": 4,
        "User": 6,
        "LegacyCredential": 2,
        "GecoPractice": 7,
        "CustomerRecord": 2,
        "RegistrationRequest": 3,
    }

    events = dbs.count(AuditEvent)
    second = runner.invoke(args=["demo-data"])
    assert second.exit_code == 0, second.output
    assert {model.__name__: dbs.count(model) for model in MODELS} == counts
    assert dbs.count(AuditEvent) == events
    assert "0 inserted, 0 updated, 2 unchanged" in second.output

    output = first.output
    for username in ("admin", "assistenza", "tirrenica.admin", "tirrenica.operatore", "004512"):
        assert username in output
    assert DEMO_PASSWORD in output and DEMO_LEGACY_PASSWORD in output
    for text in ("GECO-2023-00451", "017345", LEGACY_ROWS[0][0], LEGACY_ROWS[0][3]):
        assert text in output

    roles = set(dbs.scalars(select(User.role)))
    assert roles == {"admin", "support", "operator_admin", "operator"}
    assert all(user.status == "active" for user in dbs.scalars(select(User)))
    assert login(client, "admin", DEMO_PASSWORD).status_code == 302


def test_demo_data_records(app, dbs):
    assert app.test_cli_runner().invoke(args=["demo-data"]).exit_code == 0
    for credential in dbs.scalars(select(LegacyCredential)):
        assert verify_password(credential.password_hash, DEMO_LEGACY_PASSWORD)
    requests = dbs.scalars(select(RegistrationRequest))
    states = sorted((request.status, request.person_kind) for request in requests)
    assert states == [("approved", "fisica"), ("pending", "fisica"), ("pending", "giuridica")]
    answer = normalise_secret_answer(DEMO_SECRET_ANSWER)
    assert all(verify_password(request.secret_answer_hash, answer) for request in requests)
    approved = next(request for request in requests if request.status == "approved")
    assert approved.user_id is not None and approved.decided_at is not None
    person = dbs.scalar(select(Operator).where(Operator.kind == "fisica"))
    assert person.vat_number is None and len(person.fiscal_code) == 16
    customer_user = dbs.scalar(select(User).where(User.username == "004512"))
    assert dbs.get(Operator, customer_user.operator_id).customer_code == "004512"

"""The one view idiom for refusals (``forms.refusals``) and the audit log's explicit actor."""

import pytest
from flask import g, get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from myportal.errors import DomainError
from myportal.extensions import db
from myportal.forms import form_values, refusals
from myportal.security.audit import audit
from myportal.security.models import AuditEvent


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField("Nome")


def _written() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.event == "test.written"))


def test_a_refusal_goes_on_its_field_and_nothing_of_the_request_is_kept(app):
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        with refusals(form) as outcome:
            audit("test.written", user=None)
            raise DomainError("Nome già usato: scegline un altro.", field="name")
        assert outcome.refused and form.name.errors == ["Nome già usato: scegline un altro."]
        assert g.discard_changes and _written() == 0


def test_a_refusal_without_a_field_goes_above_the_form_or_into_a_flash(app):
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        with refusals(form):
            raise DomainError("La richiesta è già stata decisa.")
        assert form.form_errors == ["La richiesta è già stata decisa."] and not form.name.errors
        with refusals(category="warning") as outcome:
            raise DomainError("Il ticket è già chiuso.", field="name")
        assert outcome.error.field == "name"
        assert get_flashed_messages(with_categories=True) == [("warning", "Il ticket è già chiuso.")]


def test_a_refusal_that_records_the_attempt_keeps_what_was_written(app):
    with app.test_request_context("/", method="POST"):
        with refusals(NameForm(), keep_changes=True) as outcome:
            audit("test.written", user=None)
            raise DomainError("Credenziali non valide.")
        assert outcome.refused and "discard_changes" not in g and _written() == 1


def test_no_refusal_and_other_errors(app):
    with app.test_request_context("/", method="POST"):
        with refusals(NameForm()) as outcome:
            pass
        assert not outcome.refused and outcome.error is None
        with pytest.raises(KeyError), refusals(NameForm()):
            raise KeyError("not a refusal")
        assert "discard_changes" not in g


def test_audit_needs_the_acting_user(app, make_user):
    user = make_user()
    with app.test_request_context("/"):
        with pytest.raises(TypeError):
            audit("test.written")
        entry = audit("test.written", user, user=user)
        assert entry.user_id == user.id and entry.operator_id == user.operator_id
        assert audit("test.written", user=None).user_id is None


class UploadForm(FlaskForm):
    name = StringField("Nome")
    note = StringField("Nota")


def test_form_values_are_the_fields_without_the_csrf_token_as_a_service_takes_them(app):
    with app.test_request_context("/", method="POST", data={"name": " Alfa ", "note": "n"}):
        form = UploadForm(meta={"csrf": False})
        assert form_values(form) == {"name": " Alfa ", "note": "n"}
        assert form_values(form, "note", name="Beta", size=3) == {"name": "Beta", "size": 3}
    with app.test_request_context("/", method="POST", data={"name": "Alfa"}):
        app.config["WTF_CSRF_ENABLED"], enabled = True, app.config.get("WTF_CSRF_ENABLED")
        try:
            form = UploadForm()
            assert "csrf_token" in form.data and "csrf_token" not in form_values(form)
        finally:
            app.config["WTF_CSRF_ENABLED"] = enabled

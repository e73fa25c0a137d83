"""Helpers for the second factor: users with MFA on, and the codes their app would show."""

import pytest

from tests.conftest import totp_code, user_secret  # noqa: F401 (used by the MFA tests)


@pytest.fixture
def mfa_roles(app, monkeypatch):
    """The production rule (admin and support must use MFA), whatever the testing configuration says."""
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("admin", "support"))


@pytest.fixture
def no_mfa_roles(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ())

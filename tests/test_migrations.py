"""The Alembic migrations build exactly the schema the models describe."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import TestingConfig
from myportal import create_app
from myportal.extensions import db


def _sqlite_app(path):
    """An app on a fresh SQLite file, for migrating it step by step."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"

    return create_app(Config)


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="checked on a fresh SQLite file")
def test_migrations_match_models(tmp_path):
    app = _sqlite_app(tmp_path / "migrated.sqlite3")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        db.engine.dispose()
    assert differences == []


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="checked on a fresh SQLite file")
def test_fax_moves_into_users_and_back(tmp_path):
    """5f3c2a7d9e41 copies each user's fax from user_contacts into users.fax; its downgrade copies it back."""

    app = _sqlite_app(tmp_path / "fax.sqlite3")
    with app.app_context():
        upgrade(revision="8b6eef39bcc4")
        with db.engine.begin() as connection:
            for user_id, name in ((1, "fax.user"), (2, "nofax.user")):
                connection.execute(
                    text(
                        "INSERT INTO users (id, username, username_key, email, full_name, role, status,"
                        " failed_logins, created_at, updated_at) VALUES (:id, :name, :name, 'u@example.com', '',"
                        " 'support', 'active', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                    ),
                    {"id": user_id, "name": name},
                )
            connection.execute(
                text("INSERT INTO user_contacts (user_id, fax, updated_at) VALUES (1, '06 5550002', '2026-01-01')")
            )
        upgrade(revision="5f3c2a7d9e41")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT id, fax FROM users ORDER BY id")).all() == [
                (1, "06 5550002"),
                (2, None),
            ]
        downgrade(revision="8b6eef39bcc4")
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT user_id, fax FROM user_contacts")).all() == [(1, "06 5550002")]
        db.engine.dispose()


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="checked on a fresh SQLite file")
def test_join_requests_migration_keeps_tokens_and_pending_email_changes(tmp_path):
    """460f5dd81b0b copies the tokens table on SQLite (a new foreign key): the tokens and the e-mail changes that
    refer to them survive the upgrade and the downgrade."""

    app = _sqlite_app(tmp_path / "joins.sqlite3")
    with app.app_context():
        upgrade(revision="2b3b834c5a6a")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, username_key, email, full_name, role, status, failed_logins,"
                    " created_at, updated_at) VALUES (1, 'u', 'u', 'u@example.com', '', 'support', 'active', 0,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO tokens (id, purpose, token_hash, user_id, created_at, expires_at) VALUES"
                    " (7, 'email_change', 'h', 1, '2026-01-01 00:00:00', '2026-01-02 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO pending_email_changes (id, user_id, token_id, new_email, created_at) VALUES"
                    " (3, 1, 7, 'n@example.com', '2026-01-01 00:00:00')"
                )
            )
        kept = "SELECT p.new_email, t.purpose FROM pending_email_changes p JOIN tokens t ON t.id = p.token_id"
        upgrade(revision="460f5dd81b0b")
        with db.engine.connect() as connection:
            assert connection.execute(text(kept)).all() == [("n@example.com", "email_change")]
        downgrade(revision="2b3b834c5a6a")
        with db.engine.connect() as connection:
            assert connection.execute(text(kept)).all() == [("n@example.com", "email_change")]
        db.engine.dispose()

"""The ``myportal`` command: Flask's commands (run, db ...) plus the portal's own."""

import sys

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from .extensions import db
from .operators.models import ROLES


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, set_debug_flag=False)
def main():
    """Manage MyPortal: database, demo data, users and imports."""


def register(app: Flask) -> None:
    """The portal's commands, with those of each feature's ``cli.register(app, import_group)``."""
    from .csvimport import import_group
    from .demo import demo_data_command
    from .features import feature_modules
    from .registration.imports import COMMANDS as REGISTRATION_IMPORTS

    for command in REGISTRATION_IMPORTS:
        import_group.add_command(command)
    for module in feature_modules("cli"):
        module.register(app, import_group)
    app.cli.add_command(users_group)
    app.cli.add_command(import_group)
    app.cli.add_command(demo_data_command)


@click.group("users", cls=AppGroup, help="Manage users.")
def users_group():
    pass


@users_group.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--operator", "operator_vat", help="Partita IVA of the operator (roles operator, operator_admin).")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(password_stdin, **account):
    """Create an active user with a password (prompted unless --password-stdin)."""
    from .operators.services import AccountError, create_user
    from .transaction import commit

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(**account, password=password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    commit()
    click.echo(f"Created {user.role} {user.username} (id {user.id}).")

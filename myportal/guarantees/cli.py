"""``myportal notify-expiring``: e-mails about guarantees expiring soon (for cron, daily)."""

import click
from flask.cli import with_appcontext

from .. import dates


@click.command("notify-expiring")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Reference date AAAA-MM-GG (default: today).",
)
@with_appcontext
def notify_expiring_command(today):
    """E-mail operators whose guarantees expire within 30 and 7 days, once per guarantee and threshold."""
    from ..transaction import commit
    from .services import notify_expiring

    sent = notify_expiring(today.date() if today else dates.today())
    commit()
    click.echo(f"E-mail inviate per garanzie in scadenza: {sent}.")


def register(app, import_group) -> None:
    app.cli.add_command(notify_expiring_command)

"""``myportal purge``: removes what is older than its retention period (for cron, daily)."""

import click
from flask.cli import with_appcontext

BATCH = 5000


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@with_appcontext
def purge_command(dry_run):
    """Remove the log-in history, audit entries, rejected registrations, sessions and links past their time."""
    from ..models import utcnow
    from ..security.audit import audit
    from ..transaction import commit
    from .retention import count_expired, remove_expired_batch, retentions

    now = utcnow()
    removed = {}
    for retention in retentions():
        if dry_run:
            click.echo(f"{retention.label}: {count_expired(retention, now)} da rimuovere.")
            continue
        total = 0
        while count := remove_expired_batch(retention, now, BATCH):
            commit()
            total += count
        removed[retention.label] = total
        click.echo(f"{retention.label}: {total} {'rimosso' if total == 1 else 'rimossi'}.")
    if any(removed.values()):
        audit("privacy.purged", user=None, removed=sum(removed.values()))
        commit()


def register(app, import_group) -> None:
    app.cli.add_command(purge_command)

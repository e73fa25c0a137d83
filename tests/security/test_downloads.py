"""Downloads: every text file the portal sends names its character set once (``text/csv; charset=utf-8``),
whether the portal writes it (exports) or sends back a stored one (documents, ticket attachments)."""

import pytest
from sqlalchemy import update

from myportal.content.models import Document
from myportal.contracts.models import SupplyPoint
from myportal.downloads import CSV, send_download
from myportal.tickets.models import TicketAttachment
from tests.contracts import add_measurements, days_ago
from tests.security.conftest import all_rules, client_for, methods_of, url_for_rule

# The text downloads each role meets when it asks every page (with the stored files made text below).
TEXT_DOWNLOADS = {
    "operator_a": {
        "content.download",
        "tickets.attachment",
        "invoicing.export_csv",
        "contracts.measurements_csv_download",
        "gstat.template",
    },
    "support": {"tickets.staff_attachment"},
    "admin": {
        "content.admin_document_download",
        "tickets.staff_attachment",
        "gstat.admin_export",
        "eic.admin_register_csv",
        "auctions.admin_export",
    },
}


def store_text_files(dbs, world) -> None:
    """The world's personal document becomes a CSV and its ticket attachment a text file; its supply point gets
    measurements to download."""
    csv_file = b"a;b\r\n1;2\r\n"
    with dbs.session() as session:
        session.execute(
            update(Document)
            .where(Document.id == world.ids["personal_document"])
            .values(filename="dati.csv", content_type="text/csv; charset=utf-8", data=csv_file, size=len(csv_file))
        )
        session.execute(
            update(TicketAttachment)
            .where(TicketAttachment.id == world.ids["attachment"])
            .values(filename="nota.txt", content_type="text/plain; charset=utf-8", data=b"nota\n", size=5)
        )
        point = session.get(SupplyPoint, world.ids["supply_point"])
    add_measurements(dbs, point, days_ago(2), 1)


@pytest.mark.parametrize("role", sorted(TEXT_DOWNLOADS))
def test_every_text_download_names_its_charset_once(app, dbs, world, role):
    store_text_files(dbs, world)
    client = client_for(app, world, role)
    found, wrong = set(), []
    for rule in all_rules(app):
        if "GET" not in methods_of(rule) or rule.endpoint == "static":
            continue
        response = client.get(url_for_rule(rule, world))
        response.close()
        if not response.mimetype.startswith("text/") or response.mimetype == "text/html":
            continue
        found.add(rule.endpoint)
        sent = response.headers["Content-Type"]
        if sent != f"{response.mimetype}; charset=utf-8":
            wrong.append(f"{rule.endpoint}: Content-Type {sent!r}")
        if not response.headers.get("Content-Disposition", "").startswith("attachment"):
            wrong.append(f"{rule.endpoint}: not an attachment ({response.headers.get('Content-Disposition')!r})")
    assert found == TEXT_DOWNLOADS[role], "the text downloads found differ from TEXT_DOWNLOADS"
    assert not wrong, "\n".join(wrong)


def test_a_name_with_quotes_or_accents_is_sent_whole(app):
    with app.test_request_context():
        response = send_download("a;b\r\n", CSV, 'ammessi "CM" è.csv')
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition
        == 'attachment; filename="ammessi \\"CM\\" e.csv"; filename*=UTF-8\'\'ammessi%20%22CM%22%20%C3%A8.csv'
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"

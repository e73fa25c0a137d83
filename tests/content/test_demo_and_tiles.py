"""The demo loader and the figures of the home page's tiles."""

import io

from pypdf import PdfReader
from sqlalchemy import select

from myportal.content.demo import load_demo
from myportal.content.models import LIBRARY_CATEGORIES, Document, NewsItem
from myportal.extensions import db
from myportal.operators.models import Operator
from tests.conftest import page_text


def _load(app, operator_ids):
    with app.app_context():
        operators = [db.session.get(Operator, operator_id) for operator_id in operator_ids]
        load_demo(operators)
        db.session.commit()


def test_demo_loader_is_idempotent_and_files_open(app, dbs, make_operator, client, login_as, make_user):
    first, second = make_operator(), make_operator()
    _load(app, [first.id, second.id])
    news, documents = dbs.count(NewsItem), dbs.count(Document)
    published = dbs.count(NewsItem, NewsItem.published.is_(True))
    assert 4 <= published <= 6
    for category in LIBRARY_CATEGORIES:
        assert dbs.count(Document, Document.category == category) >= 1
    assert dbs.count(Document, Document.operator_id == first.id) == 1
    assert dbs.count(Document, Document.operator_id == second.id) == 0

    _load(app, [first.id, second.id])
    assert (dbs.count(NewsItem), dbs.count(Document)) == (news, documents)

    personal = dbs.scalar(select(Document).where(Document.operator_id == first.id))
    login_as(make_user(role="operator", operator=first))
    response = client.get(f"/documenti/{personal.id}/scarica")
    assert response.status_code == 200
    assert first.name in PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    library_pdf = dbs.scalar(select(Document).where(Document.category == "storico"))
    reader = PdfReader(io.BytesIO(client.get(f"/documenti/{library_pdf.id}/scarica").data))
    assert "Documento di archivio" in reader.pages[0].extract_text()
    assert "Mercato della capacità" in page_text(client.get("/notizie"))

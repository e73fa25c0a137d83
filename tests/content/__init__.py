"""Helpers of the content tests: documents and news written straight to the database."""

from datetime import timedelta

from myportal.content.models import Document, NewsItem
from myportal.models import utcnow

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def add_document(dbs, *, category="modulistica", operator=None, title=None, days_ago=0, **fields) -> Document:
    """A document in the database (a PDF unless told otherwise); ``operator`` an Operator or its id."""
    data = fields.pop("data", PDF_BYTES)
    with dbs.session() as session:
        document = Document(
            title=title or f"Documento {category}",
            description=fields.pop("description", ""),
            category=category,
            operator_id=getattr(operator, "id", operator),
            filename=fields.pop("filename", "documento.pdf"),
            content_type=fields.pop("content_type", "application/pdf"),
            size=len(data),
            data=data,
            published_at=utcnow() - timedelta(days=days_ago),
            **fields,
        )
        session.add(document)
        session.flush()
        session.expunge(document)
    return document


def add_news(dbs, *, title="Notizia", published=True, days_ago=0, **fields) -> NewsItem:
    with dbs.session() as session:
        news = NewsItem(
            title=title,
            summary=fields.pop("summary", f"Sommario di {title}"),
            body=fields.pop("body", f"Testo di {title}."),
            published=published,
            published_at=utcnow() - timedelta(days=days_ago) if published else None,
            **fields,
        )
        session.add(news)
        session.flush()
        session.expunge(news)
    return news

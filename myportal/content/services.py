"""Rules of the content area: news, the document library, each operator's documents and uploads."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload
from werkzeug.utils import secure_filename

from ..errors import DomainError
from ..extensions import db
from ..models import utcnow
from ..operators.models import Operator, User
from ..operators.services import find_operator
from ..security.audit import audit
from .models import CATEGORIES, LIBRARY_CATEGORIES, PERSONAL, Document, NewsItem

DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

# Extension -> (content type, label shown in messages).
FILE_TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
    "csv": ("text/csv; charset=utf-8", "CSV"),
    "txt": ("text/plain; charset=utf-8", "TXT"),
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
    "jpeg": ("image/jpeg", "JPEG"),
}
ALLOWED_TYPES_TEXT = "PDF, DOCX, XLSX, CSV, TXT, PNG, JPEG"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
ZIP_SIGNATURE = b"PK\x03\x04"
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


class ContentError(DomainError):
    """Content that cannot be published."""


# --- news ------------------------------------------------------------------------------------------------


def published_news() -> Select:
    """Published news, newest first."""
    return (
        select(NewsItem).where(NewsItem.published.is_(True)).order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
    )


def find_published_news(news_id: int) -> NewsItem | None:
    news = db.session.get(NewsItem, news_id)
    return news if news is not None and news.published else None


def all_news() -> Select:
    """Every news item for the back office: drafts first, then the newest."""
    return select(NewsItem).order_by(
        NewsItem.published.asc(), NewsItem.published_at.desc(), NewsItem.created_at.desc(), NewsItem.id.desc()
    )


def create_news(author: User, *, title: str, summary: str, body: str, publish: bool = False) -> NewsItem:
    news = NewsItem(title=title.strip(), summary=summary.strip(), body=body.strip(), created_by=author.id)
    db.session.add(news)
    if publish:
        news.published = True
        news.published_at = utcnow()
    db.session.flush()
    audit("news.created", news, user=author, published=publish)
    return news


def update_news(news: NewsItem, editor: User, *, title: str, summary: str, body: str) -> NewsItem:
    changed = sorted(
        name
        for name, value in (("title", title), ("summary", summary), ("body", body))
        if getattr(news, name) != value.strip()
    )
    news.title, news.summary, news.body = title.strip(), summary.strip(), body.strip()
    audit("news.updated", news, user=editor, fields=changed)
    return news


def publish_news(news: NewsItem, editor: User) -> None:
    """Make ``news`` public; its date is the first publication's."""
    if news.published:
        return
    news.published = True
    if news.published_at is None:
        news.published_at = utcnow()
    audit("news.published", news, user=editor)


def unpublish_news(news: NewsItem, editor: User) -> None:
    if not news.published:
        return
    news.published = False
    audit("news.unpublished", news, user=editor)


def delete_news(news: NewsItem, editor: User) -> None:
    audit("news.deleted", news, user=editor, title=news.title)
    db.session.delete(news)


# --- documents -------------------------------------------------------------------------------------------


def library_documents(category: str | None = None) -> Select:
    """Documents of the generic library (one category or all), newest first."""
    statement = select(Document)
    if category is None:
        statement = statement.where(Document.category.in_(tuple(LIBRARY_CATEGORIES)))
    else:
        statement = statement.where(Document.category == category)
    return statement.order_by(Document.published_at.desc(), Document.id.desc())


def operator_documents(operator_id: int) -> Select:
    """The documents published for one operator ("I miei documenti"), newest first."""
    return (
        select(Document)
        .where(Document.operator_id == operator_id, Document.category == PERSONAL)
        .order_by(Document.published_at.desc(), Document.id.desc())
    )


def all_documents(category: str | None = None) -> Select:
    """Every document for the back office, with its operator, newest first."""
    statement = select(Document).options(joinedload(Document.operator))
    if category:
        statement = statement.where(Document.category == category)
    return statement.order_by(Document.published_at.desc(), Document.id.desc())


def _has_zip_part(data: bytes, part: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _content_matches(extension: str, data: bytes) -> bool:
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in OFFICE_PARTS:
        return data.startswith(ZIP_SIGNATURE) and _has_zip_part(data, OFFICE_PARTS[extension])
    if extension == "png":
        return data.startswith(PNG_SIGNATURE)
    if extension in ("jpg", "jpeg"):
        return data.startswith(JPEG_SIGNATURE)
    return _is_text(data)  # csv, txt


def safe_filename(filename: str) -> str:
    """The file's name reduced to safe characters, its extension kept."""
    name = secure_filename(filename or "")
    if "." not in name:
        extension = (filename or "").rsplit(".", 1)[-1].lower()
        name = f"documento.{extension}"
    return name[-255:]


def check_upload(filename: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> str:
    """The content type of an acceptable upload; ContentError("...", "file") otherwise."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if extension not in FILE_TYPES:
        raise ContentError(f"Tipo di file non ammesso: carica un file {ALLOWED_TYPES_TEXT}.", "file")
    if not data:
        raise ContentError("Il file è vuoto.", "file")
    if len(data) > max_bytes:
        megabytes = max_bytes / (1024 * 1024)
        raise ContentError(f"Il file supera la dimensione massima di {megabytes:g} MB.", "file")
    content_type, label = FILE_TYPES[extension]
    if not _content_matches(extension, data):
        if extension in ("csv", "txt"):
            raise ContentError(f"Il file {label} deve essere un testo in codifica UTF-8.", "file")
        raise ContentError(f"Il contenuto del file non è un {label} valido.", "file")
    return content_type


def operator_for_document(category: str, vat_number: str | None) -> Operator | None:
    """The recipient of a personal document, looked up by Partita IVA; library documents have none."""
    if category != PERSONAL:
        if vat_number:
            raise ContentError(
                "La Partita IVA si indica solo per un documento personale: lascia vuoto il campo "
                "o scegli la categoria «Documento personale».",
                "operator_vat",
            )
        return None
    if not vat_number:
        raise ContentError("Indica la Partita IVA dell'operatore a cui è destinato il documento.", "operator_vat")
    operator = find_operator(vat_number=vat_number)
    if operator is None:
        raise ContentError("Nessun operatore registrato con questa Partita IVA.", "operator_vat")
    return operator


def publish_document(
    publisher: User,
    *,
    title: str,
    description: str,
    category: str,
    filename: str,
    data: bytes,
    operator_vat: str | None = None,
    max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
) -> Document:
    """Check the upload and its recipient, then store the document; nothing is written on error."""
    if category not in CATEGORIES:
        raise ContentError("Scegli una categoria.", "category")
    operator = operator_for_document(category, operator_vat)
    content_type = check_upload(filename, data, max_bytes=max_bytes)
    document = Document(
        title=title.strip(),
        description=(description or "").strip(),
        category=category,
        operator_id=operator.id if operator else None,
        filename=safe_filename(filename),
        content_type=content_type,
        size=len(data),
        data=data,
        published_at=utcnow(),
        published_by=publisher.id,
    )
    db.session.add(document)
    db.session.flush()
    audit(
        "document.published",
        document,
        user=publisher,
        operator_id=document.operator_id,
        category=category,
        filename=document.filename,
        size=document.size,
    )
    return document


def delete_document(document: Document, editor: User) -> None:
    audit(
        "document.deleted",
        document,
        user=editor,
        operator_id=document.operator_id,
        title=document.title,
        category=document.category,
        filename=document.filename,
    )
    db.session.delete(document)

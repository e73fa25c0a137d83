"""Documents (the generic library and each operator's own) and news."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..models import Base, TimestampMixin, utcnow
from ..operators.models import Operator, User

# The "Documentazione Generica" of the customer portal, in its order.
LIBRARY_CATEGORIES = {
    "modulistica": "Modulistica",
    "normative": "Normative",
    "comunicati": "Comunicati",
    "informazioni": "Informazioni",
    "storico": "Storico",
}
PERSONAL = "personale"
CATEGORIES = (*LIBRARY_CATEGORIES, PERSONAL)
CATEGORY_LABELS = {**LIBRARY_CATEGORIES, PERSONAL: "Documento personale (I miei documenti)"}


class Document(Base):
    """A file published by an administrator: in the library (no operator) or for one operator."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES}", name="category"),
        CheckConstraint(
            f"(category = '{PERSONAL}' AND operator_id IS NOT NULL) "
            f"OR (category <> '{PERSONAL}' AND operator_id IS NULL)",
            name="owner",
        ),
        CheckConstraint("size >= 0", name="size"),
        Index("ix_documents_category_published_at", "category", "published_at"),
        Index("ix_documents_operator_id_published_at", "operator_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(20))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Kept out of every list query: loaded only when the file itself is sent.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator: Mapped[Operator | None] = relationship()
    publisher: Mapped[User | None] = relationship()

    @property
    def is_personal(self) -> bool:
        return self.category == PERSONAL

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def extension(self) -> str:
        return self.filename.rsplit(".", 1)[-1].upper() if "." in self.filename else ""


class NewsItem(TimestampMixin, Base):
    """A news item ("Notizie"): public once published."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship()

"""Declarative base and shared mixins; each feature owns its own models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def sql_list(values) -> str:
    """``('a', 'b')``: the values (codes without quotes) as the SQL list of an ``IN`` check constraint."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def one_of(values) -> str:
    """The SQL list of a CHECK constraint ``column IN (...)`` for the keys of ``values``."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: read them back as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value

"""Views of content."""

from . import bp  # noqa: F401

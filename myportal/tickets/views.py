"""Views of tickets."""

from . import bp  # noqa: F401

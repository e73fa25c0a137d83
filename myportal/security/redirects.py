"""Redirect targets taken from the request: only paths of this site are followed (no open redirect)."""

from flask import url_for


def is_local_path(target: str | None) -> bool:
    """True for "/something" on this site. Browsers drop tabs and newlines and read "\\" as "/", so
    "/\\t/evil.example" would leave the site: any control character, space or backslash is refused."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    return not any(character <= " " or character in "\\\x7f" for character in target)


def safe_next(target: str | None) -> str:
    """Where to go after log-in: ``target`` if it is a local path, otherwise the home page."""
    return target if is_local_path(target) else url_for("operators.home")

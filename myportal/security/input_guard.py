"""Requests carrying NUL characters are refused with 400: no field has a use for them, and PostgreSQL cannot
store or even compare text holding them (the query would fail with a server error)."""

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # the largest BIGINT: a larger number cannot even be compared with an id column
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def refuse_nul_characters() -> None:
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        abort(400)
    if request.mimetype in FORM_TYPES:
        if _has_nul(request.form.items(multi=True)):
            abort(400)
        if _has_nul((name, upload.filename or "") for name, upload in request.files.items(multi=True)):
            abort(400)


def is_valid_id(value) -> bool:
    """Whether ``value`` can be an object's id (a larger integer would overflow the database driver)."""
    return isinstance(value, int) and 0 < value <= MAX_ID


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number beyond any id does not match the route (404) instead of overflowing."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: the converter applies to the routes added afterwards."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_characters)

"""The one builder of download responses: the files the portal writes (exports, PDFs, ZIPs) and the ones it
sends back as they were stored (documents, attachments).

Each answer is an attachment, names its type once (``text/csv; charset=utf-8``, as given: Werkzeug would add a
second charset to a type that already has one) and is never stored on the way (``private, no-store``).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"
ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEVER_STORED = "private, no-store"


def _disposition(filename: str) -> dict[str, str]:
    """The Content-Disposition parameters of ``filename``: an ASCII name, and the UTF-8 one when it differs
    (RFC 6266), as Werkzeug's send_file writes them."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")}
    return {"filename": filename}


def send_download(body: bytes | str | IO[bytes] | Iterator[str], content_type: str, filename: str) -> Response:
    """An attachment of ``body``: bytes or text, an open binary file (sent in pieces, closed at the end), or
    an iterator of text pieces, streamed inside the request's context (an export written as it is read)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(body, bytes):
        body = io.BytesIO(body)
    if hasattr(body, "read"):
        response = send_file(body, mimetype=content_type.split(";")[0])
    else:
        response = Response(stream_with_context(body))
    response.headers["Content-Type"] = content_type
    response.headers.set("Content-Disposition", "attachment", **_disposition(filename))
    response.headers["Cache-Control"] = NEVER_STORED
    return response


def send_stored_file(data: bytes, content_type: str, filename: str) -> Response:
    """A stored document or attachment, sent back with the type it was stored with."""
    return send_download(data, content_type, filename)

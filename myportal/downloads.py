"""Files a user downloads from the database (documents, attachments): never cached on the way."""

import io

from flask import send_file


def send_stored_file(data: bytes, content_type: str, filename: str):
    """An attachment response for a stored file; ``private, no-store`` keeps it out of shared caches."""
    response = send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response

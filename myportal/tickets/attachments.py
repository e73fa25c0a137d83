"""Checks of a ticket attachment: size, extension and the file's own bytes."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from werkzeug.utils import secure_filename

from ..errors import DomainError

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# extension -> (content type, description shown to the user)
ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ALLOWED_TEXT = "PDF, PNG, JPEG, TXT, CSV, XLSX"


class AttachmentError(DomainError):
    """A file that cannot be attached; the message is shown next to the field."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _is_text(data: bytes) -> bool:
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text)
    return False


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


SIGNATURES = {
    "pdf": lambda data: data.startswith(b"%PDF-"),
    "png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "jpg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "txt": _is_text,
    "csv": _is_text,
    "xlsx": _is_xlsx,
}


def check_attachment(filename: str, data: bytes) -> CheckedFile:
    """The file, with a safe name and the content type of its (verified) kind; or AttachmentError."""
    extension = PurePosixPath((filename or "").replace("\\", "/")).suffix.lower().lstrip(".")
    if extension not in ALLOWED:
        raise AttachmentError(f"Tipo di file non ammesso: sono accettati {ALLOWED_TEXT}.")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentError("Il file supera la dimensione massima di 5 MB.")
    if not data:
        raise AttachmentError("Il file è vuoto.")
    if not SIGNATURES[extension](data):
        raise AttachmentError(
            f"Il contenuto del file non corrisponde all'estensione .{extension}: "
            f"allega un file {extension.upper()} valido."
        )
    name = secure_filename(filename)[-200:] or f"allegato.{extension}"
    if not name.lower().endswith(f".{extension}"):
        name = f"allegato.{extension}"
    return CheckedFile(filename=name, content_type=ALLOWED[extension], data=data)

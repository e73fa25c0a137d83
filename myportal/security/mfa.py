"""The TOTP second factor: secrets encrypted at rest, codes without replay, QR codes, recovery codes."""

import base64
import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from ..models import utcnow
from .access import STAFF

ISSUER = "MyPortal"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_RECOVERY_LENGTH = 12  # about 59 bits of randomness: SHA-256 is enough to store them


class SecretError(Exception):
    """A stored secret that cannot be decrypted (tampered with, or another key)."""


# --- secrets at rest ---------------------------------------------------------------------------------
# Fernet (AES-128-CBC with HMAC-SHA256, from the cryptography package) under a key derived with HKDF from
# MFA_SECRET_KEY, by default SECRET_KEY.


def _fernet() -> Fernet:
    master = current_app.config.get("MFA_SECRET_KEY") or current_app.config["SECRET_KEY"]
    master = master.encode() if isinstance(master, str) else master
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"myportal mfa secrets").derive(master)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(secret: str) -> str:
    return "v2:" + _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(stored: str) -> str:
    version, _, token = (stored or "").partition(":")
    if version != "v2" or not token:
        raise SecretError("malformed secret")
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretError("secret does not authenticate") from error


# --- TOTP ------------------------------------------------------------------------------------------


def new_secret() -> str:
    """A random base32 TOTP secret of 160 bits."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four letters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The otpauth URI as an SVG QR code, made here (no external service)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", border=4, omitsize=True, light="white", title="Codice QR")
    return buffer.getvalue()


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def accepted_counter(secret: str, code: str, last_counter: int | None, now: datetime | None = None) -> int | None:
    """The time step ``code`` belongs to (this one or the next/previous, for clock drift), or None when it is
    wrong or that step (or a later one) was already used: a code is accepted once."""
    code = normalise_code(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for counter in (current - 1, current, current + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


# --- recovery codes ----------------------------------------------------------------------------------


def new_recovery_codes() -> list[str]:
    """RECOVERY_CODES random codes, shown as xxxxxx-xxxxxx."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append(f"{raw[:6]}-{raw[6:]}")
    return codes


def recovery_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{normalise_code(code)}".encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_code(code)) == _RECOVERY_LENGTH


def mfa_required_for(user) -> bool:
    """Admin and support (MFA_REQUIRED_ROLES) always; operators when their company requires it."""
    if user.role in current_app.config.get("MFA_REQUIRED_ROLES", STAFF):
        return True
    return bool(user.operator_id and user.operator is not None and user.operator.mfa_required)

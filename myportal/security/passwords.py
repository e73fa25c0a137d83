"""Password hashing (argon2id) and the password policy of the security baseline."""

import gzip
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
_hasher = PasswordHasher()
# A fixed hash verified when no account exists, so that both cases take the same time.
_DUMMY_HASH = _hasher.hash("myportal-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; always spends one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common-passwords.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why ``password`` is refused, in Italian, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"La password deve contenere almeno {MIN_LENGTH} caratteri."
    if len(password) > MAX_LENGTH:
        return f"La password può contenere al massimo {MAX_LENGTH} caratteri."
    folded = password.casefold()
    if folded in _common_passwords():
        return "Questa password è tra le più diffuse e facili da indovinare: scegline un'altra."
    if username and folded == username.casefold():
        return "La password non può coincidere con il nome utente."
    return None


def normalise_secret_answer(answer: str) -> str:
    """The secret answer as hashed: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", answer).casefold().split())

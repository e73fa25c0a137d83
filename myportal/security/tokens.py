"""Random single-use tokens, stored only as SHA-256 hashes."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import as_utc, utcnow
from .models import Token


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(purpose: str, lifetime: timedelta, *, user=None, request=None, join=None) -> str:
    """Create a token, invalidating earlier unused ones for the same purpose and owner (a user, a new-user
    request or a join request); return it raw."""
    if user is not None:
        owner = Token.user_id == user.id
    elif request is not None:
        owner = Token.request_id == request.id
    else:
        owner = Token.join_request_id == join.id
    db.session.execute(
        update(Token).where(owner, Token.purpose == purpose, Token.used_at.is_(None)).values(used_at=utcnow())
    )
    raw = secrets.token_urlsafe(32)
    db.session.add(
        Token(
            purpose=purpose,
            token_hash=digest(raw),
            user_id=user.id if user is not None else None,
            request_id=request.id if request is not None else None,
            join_request_id=join.id if join is not None else None,
            expires_at=utcnow() + lifetime,
        )
    )
    db.session.flush()
    return raw


def find_valid_token(purpose: str, raw: str) -> Token | None:
    """The unused, unexpired token of that purpose, or None."""
    if not raw or len(raw) > 100:
        return None
    token = db.session.scalar(select(Token).where(Token.token_hash == digest(raw), Token.purpose == purpose))
    if token is None or token.used_at is not None or as_utc(token.expires_at) <= utcnow():
        return None
    return token


def consume_token(token: Token) -> None:
    token.used_at = utcnow()

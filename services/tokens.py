"""Session tokens: signed, expiring JWTs (HS256) naming the user, sent as ``Authorization: Bearer <token>``.

Claims: ``sub`` (the user's id, as a string), ``iat``, ``exp`` (``iat`` +
``TOKEN_TTL_SECONDS``, 8 hours by default), ``iss`` = ``"simpul"`` and ``ver``
(the user's session epoch: a password change raises it and so ends every
earlier token). The
token carries no role: roles are read from the policy on every request, so a
role change or a deactivation takes effect at once, not when the token expires.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt

from core.errors import Unauthenticated
from core.settings import get_settings
from core.values import parse_id_or_none
from models.user import User

ALGORITHM = "HS256"
ISSUER = "simpul"
INVALID_TOKEN = "Your session token is invalid or has expired; sign in again."
BAD_HEADER = "Send your session token as 'Authorization: Bearer <token>'."


def issue_token(user: User, *, ttl_seconds: int | None = None) -> str:
    """A token for ``user``, valid for ``ttl_seconds`` (default: the settings' ``token_ttl_seconds``)."""
    settings = get_settings()
    now = int(time.time())
    ttl = settings.token_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims = {"sub": str(user.pk), "iat": now, "exp": now + ttl, "iss": ISSUER, "ver": user.session_epoch}
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class TokenSubject:
    """Whom a correctly signed, unexpired token names; the user row is looked up later."""

    user_id: int
    session_epoch: int
    #: The token's ``exp`` (Unix time): a long-lived WebSocket re-checks it on every operation.
    expires_at: int = 2**62
    #: The key its signature was checked with (a token remembered under another key is checked again).
    secret: str = field(default="", repr=False, compare=False)


#: Tokens whose signature was already checked, with whom they name: every request of a session sends the same
#: token, and checking an HS256 signature again costs more than the rest of a compiled read's Python. Keyed by
#: the whole token (only one the server signed can be in it); expiry is checked again on every use.
_VERIFIED: "OrderedDict[str, TokenSubject]" = OrderedDict()
_VERIFIED_SIZE = 10_000


def subject_of_token(token: str) -> TokenSubject:
    """What a token names, checked without touching the database.

    Unauthenticated for a bad signature, expiry, a foreign issuer or garbage.
    """
    known = _VERIFIED.get(token)
    if known is not None and known.secret == get_settings().secret_key:
        if time.time() >= known.expires_at:
            raise Unauthenticated(INVALID_TOKEN)
        return known
    subject = _verified(token)
    _VERIFIED[token] = subject
    if len(_VERIFIED) > _VERIFIED_SIZE:
        _VERIFIED.popitem(last=False)
    return subject


def _verified(token: str) -> TokenSubject:
    try:
        claims = jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=[ALGORITHM],  # never trust the token's own "alg" header
            issuer=ISSUER,
            options={"require": ["sub", "iat", "exp", "iss", "ver"]},
        )
    except jwt.InvalidTokenError:
        raise Unauthenticated(INVALID_TOKEN) from None
    user_id = _user_id(claims.get("sub"))
    epoch = claims.get("ver")
    if user_id is None or not isinstance(epoch, int) or isinstance(epoch, bool):
        raise Unauthenticated(INVALID_TOKEN)
    expires_at = claims["exp"]
    return TokenSubject(user_id, epoch, expires_at if isinstance(expires_at, int) else 0, secret=get_settings().secret_key)


async def active_user(subject: TokenSubject) -> User:
    """The active user a token names; Unauthenticated when it expired, or the user is gone, deactivated or
    changed their password since."""
    if time.time() >= subject.expires_at:
        raise Unauthenticated(INVALID_TOKEN)
    user = await User.filter(pk=subject.user_id, is_active=True, session_epoch=subject.session_epoch).first()
    if user is None:
        raise Unauthenticated(INVALID_TOKEN)
    return user


async def user_from_token(token: str) -> User:
    """The active user a token names; Unauthenticated for a bad signature, expiry, garbage or a gone/inactive user."""
    return await active_user(subject_of_token(token))


def subject_of_authorization(header: str | None) -> TokenSubject | None:
    """Whom an ``Authorization`` header names, checked without touching the database.

    No header (or an empty one) → None, the anonymous ``public`` caller.
    ``Bearer <token>`` → whom that token names. Anything else → Unauthenticated:
    a client that sends credentials we cannot read must hear so, not be served
    silently as anonymous.
    """
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    # The scheme name is case-insensitive (RFC 7235); the token is one word.
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated(BAD_HEADER)
    return subject_of_token(token)


async def user_from_authorization(header: str | None) -> User | None:
    """The caller of a request from its ``Authorization`` header (see ``subject_of_authorization``)."""
    subject = subject_of_authorization(header)
    return None if subject is None else await active_user(subject)


def _user_id(subject: object) -> int | None:
    """``sub`` as a primary key, or None when it cannot be one (a forged or foreign token)."""
    return parse_id_or_none(subject) if isinstance(subject, str) else None

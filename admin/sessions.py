"""Panel sessions in the shared cache: Redis when REDIS_URL is set, else the in-process fake.

A browser holds only a random token (cookie ``simpul_admin``); the cache maps it to
``{"user_id": ..., "epoch": ..., "csrf": ...}`` (``epoch`` is the user's session
epoch at sign-in: a password change ends the session). Anyone who opens the login page gets an anonymous
session, so the login form is CSRF-protected too; signing in replaces it with a new
token and a new CSRF secret (no session fixation). Several workers sharing one Redis
share the sessions.
"""
from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

COOKIE_NAME = "simpul_admin"
KEY_PREFIX = "simpul:admin:session:"
#: A signed-in session lasts a working day; "remember me" keeps it for 30 days.
SIGNED_IN_SECONDS = 8 * 3600
REMEMBERED_SECONDS = 30 * 24 * 3600
ANONYMOUS_SECONDS = 3600
#: Name of the hidden form field (or the ``X-CSRF-Token`` header) that carries the token.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Session:
    token: str
    user_id: int | None
    csrf: str
    #: The user's ``session_epoch`` when they signed in.
    epoch: int = 0

    def csrf_matches(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf, str(submitted))


class SessionStore:
    def __init__(self, cache):
        self.cache = cache  # redis.asyncio.Redis or fakeredis.FakeAsyncRedis (decode_responses=True)

    async def create(self, user_id: int | None, ttl_seconds: int, epoch: int = 0) -> Session:
        session = Session(token=secrets.token_urlsafe(32), user_id=user_id, csrf=secrets.token_urlsafe(32), epoch=epoch)
        payload = json.dumps({"user_id": user_id, "epoch": epoch, "csrf": session.csrf})
        await self.cache.set(KEY_PREFIX + session.token, payload, ex=ttl_seconds)
        return session

    async def load(self, token: str | None) -> Session | None:
        if not token or len(token) > 128:
            return None
        raw = await self.cache.get(KEY_PREFIX + token)
        if raw is None:
            return None
        data = json.loads(raw)
        return Session(token=token, user_id=data.get("user_id"), csrf=data["csrf"], epoch=data.get("epoch", 0))

    async def delete(self, token: str | None) -> None:
        if token:
            await self.cache.delete(KEY_PREFIX + token)

"""Accounts: signing in, throttled per username and per client address.

The GraphQL ``login`` and the panel's login page call :func:`authenticate`; the
HTTP layer resolves ``Authorization`` headers with ``user_from_authorization``
(re-exported here from ``services.tokens``). Creating, changing and deleting
accounts is ``services.users``; its functions are re-exported here for callers
that import them from this module.
"""
from __future__ import annotations

import asyncio
import logging
import math

from core.errors import Unauthenticated
from core.ratelimit import RateLimit
from core.settings import get_settings
from models.user import User
from services.passwords import verify_password
from services.tokens import issue_token, user_from_authorization, user_from_token
from services.users import ACCOUNT_ROLES, create_user, delete_user, update_user

__all__ = [
    "ACCOUNT_ROLES",
    "WRONG_CREDENTIALS",
    "LoginThrottle",
    "authenticate",
    "create_user",
    "delete_user",
    "issue_token",
    "login_throttle",
    "update_user",
    "user_from_authorization",
    "user_from_token",
]

log = logging.getLogger("simpul.accounts")

WRONG_CREDENTIALS = "Wrong username or password."


class LoginThrottle:
    """Refuses sign-in for a while after too many failures for one username or one client address.

    ``limit`` is a `limits` rate such as ``"5/15 minutes"``; the default comes from the
    settings (``login_attempts`` per ``login_window_seconds``). Tests pass a short
    window and their own ``namespace`` so they neither wait 15 minutes nor share counts.
    """

    def __init__(self, limit: str | None = None, *, namespace: str = "login"):
        if limit is None:
            settings = get_settings()
            limit = f"{settings.login_attempts}/{settings.login_window_seconds} seconds"
        self.failures = RateLimit(limit)
        self.namespace = namespace

    def user_key(self, username: str) -> str:
        return f"{self.namespace}:user:{username}"

    def address_key(self, address: str) -> str:
        return f"{self.namespace}:addr:{address}"

    async def admit(self, username: str, address: str | None) -> None:
        """Raise Unauthenticated (with ``retryAfterSeconds``) when this attempt must be refused.

        The username's slot is taken *now*, before the password is checked, so a burst
        of parallel guesses at one account cannot all slip past the count; a success
        gives it back (``succeeded``). The address is only checked here and charged on
        failure, so colleagues signing in successfully from one office address never
        lock each other out.
        """
        if address is not None and not await self.failures.test(self.address_key(address)):
            await self._refuse(self.address_key(address), f"address {address}")
        if not await self.failures.hit(self.user_key(username)):
            await self._refuse(self.user_key(username), f"a username, from {address}")

    async def failed(self, username: str, address: str | None) -> None:
        """Count a failed attempt against the address (the username's was counted by ``admit``)."""
        if address is not None:
            await self.failures.hit(self.address_key(address))

    async def succeeded(self, username: str) -> None:
        """Forget the username's failures. The address keeps its count: signing in to one's own
        account must not wipe the record of guesses at other accounts from the same place."""
        await self.failures.reset(self.user_key(username))

    async def _refuse(self, key: str, what: str) -> None:
        seconds = await self.failures.retry_after(key) or self.failures.window_seconds
        minutes = max(1, math.ceil(seconds / 60))
        # Never log the username itself: people type passwords into that field.
        log.warning("sign-in throttled for %s (%ss left)", what, seconds)
        raise Unauthenticated(
            f"Too many failed sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retryAfterSeconds=seconds,
        )


_default_throttle: LoginThrottle | None = None


def login_throttle() -> LoginThrottle:
    """The process-wide throttle built from the settings (created on first use)."""
    global _default_throttle
    if _default_throttle is None:
        _default_throttle = LoginThrottle()
    return _default_throttle


async def authenticate(
    username: str, password: str, client_address: str | None, *, throttle: LoginThrottle | None = None
) -> User:
    """The active user with these credentials, or Unauthenticated.

    The message is the same whether the username exists, the password is wrong or
    the account is deactivated, and every case costs one bcrypt check, so neither
    the answer nor its timing reveals which usernames exist. After too many
    failures (see ``LoginThrottle``) even the right password is refused until the
    window has passed.
    """
    throttle = throttle or login_throttle()
    # Usernames are stored lowercase; anything longer than the column is no username
    # (and must not become a huge rate-limit key).
    name = username.strip().lower()[:64] if isinstance(username, str) else ""
    await throttle.admit(name, client_address)
    user = await User.filter(username=name).first() if name else None
    matches = await asyncio.to_thread(verify_password, password, user.password_hash if user else None)
    if user is None or not matches or not user.is_active:
        await throttle.failed(name, client_address)
        raise Unauthenticated(WRONG_CREDENTIALS)
    await throttle.succeeded(name)
    return user

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
from services import audit
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
    """Slows down and refuses guessing, without letting anyone lock a user out.

    Failures are counted three ways, each in a moving window (``login_window_seconds``):

    - per (username, client address): after ``login_attempts`` that client may not try
      that account again until the window has passed: the guesser is stopped, the
      account's owner signing in from their own desk is not;
    - per client address, across usernames: ``client_limit`` failures (password spraying)
      and that address may not sign in at all for a while;
    - per username, from anywhere: each failure beyond ``login_attempts`` makes every
      further attempt at that account wait longer (``delay_unit`` doubling, at most
      ``max_delay`` seconds) — a slowdown for a distributed guesser, never a refusal.

    The first refusal of each kind in a window is written to the audit log, so Kominfo
    admins see an attack. Tests pass a short window and their own ``namespace``.
    """

    def __init__(
        self,
        limit: str | None = None,
        *,
        namespace: str = "login",
        client_limit: str | None = None,
        delay_unit: float = 0.25,
        max_delay: float = 4.0,
    ):
        settings = get_settings()
        if limit is None:
            limit = f"{settings.login_attempts}/{settings.login_window_seconds} seconds"
        self.failures = RateLimit(limit)
        window = self.failures.window_seconds
        self.client_failures = RateLimit(client_limit or f"{self.failures.item.amount * 4}/{window} seconds")
        # Only counted, never refused: the number of recent failures sets the delay.
        self.account_failures = RateLimit(f"1000000/{window} seconds")
        self.audited = RateLimit(f"1/{window} seconds")
        self.namespace = namespace
        self.delay_unit = delay_unit
        self.max_delay = max_delay

    def pair_key(self, username: str, address: str | None) -> str:
        return f"{self.namespace}:pair:{address or '-'}:{username}"

    def address_key(self, address: str) -> str:
        return f"{self.namespace}:addr:{address}"

    def user_key(self, username: str) -> str:
        return f"{self.namespace}:user:{username}"

    async def admit(self, username: str, address: str | None) -> None:
        """Raise Unauthenticated (with ``retryAfterSeconds``) when this attempt must be refused; wait first
        when the account is under attack.

        The (username, client) slot is taken *now*, before the password is checked, so a
        burst of parallel guesses from one client cannot all slip past the count; a
        success gives it back (``succeeded``).
        """
        if address is not None and not await self.client_failures.test(self.address_key(address)):
            await self._refuse(self.client_failures, self.address_key(address), "client", username, address)
        if not await self.failures.hit(self.pair_key(username, address)):
            await self._refuse(self.failures, self.pair_key(username, address), "account", username, address)
        delay = self.delay_for(await self.account_failures.used(self.user_key(username)))
        if delay:
            await asyncio.sleep(delay)

    def delay_for(self, failures: int) -> float:
        beyond = failures - self.failures.item.amount
        return 0.0 if beyond < 0 else min(self.max_delay, self.delay_unit * 2**beyond)

    async def failed(self, username: str, address: str | None) -> None:
        """Count a failed attempt against the client and the account (the pair was counted by ``admit``)."""
        if address is not None:
            await self.client_failures.hit(self.address_key(address))
        await self.account_failures.hit(self.user_key(username))

    async def succeeded(self, username: str, address: str | None = None) -> None:
        """Forget this client's attempts at the account and the account's slowdown. The address keeps
        its count: signing in to one's own account must not wipe the record of guesses at others."""
        await self.failures.reset(self.pair_key(username, address))
        await self.account_failures.reset(self.user_key(username))

    async def _refuse(self, limit: RateLimit, key: str, scope: str, username: str, address: str | None) -> None:
        seconds = await limit.retry_after(key) or limit.window_seconds
        minutes = max(1, math.ceil(seconds / 60))
        # Never log what was typed as a username unless it is one: people type passwords into that field.
        account = username if username and await User.filter(username=username).exists() else None
        log.warning("sign-in throttled (%s) from %s (%ss left)", scope, address, seconds)
        if await self.audited.hit(f"{self.namespace}:audited:{key}"):
            await audit.record(
                actor=None, action="login_throttled", model="User", object_id=account or "",
                before=None, after={"client": address, "scope": scope, "seconds": seconds}, source="api",
            )
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
    failures from one client (see ``LoginThrottle``) even the right password is refused
    from that client until the window has passed; other clients are only slowed down.
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
    await throttle.succeeded(name, client_address)
    return user

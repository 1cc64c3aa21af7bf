"""Accounts: signing in (with throttling) and managing users.

The GraphQL ``login``/``me``/user mutations and the admin panel call these;
the HTTP layer resolves ``Authorization`` headers with
``user_from_authorization`` (re-exported here from ``services.tokens``).

Authorization for user management is declared in the policy, like every
other object: ``access.require("User", "create" | "update" | "delete")``.
A role granted it only in some regencies manages only the accounts of those
regencies, and may never hand out a role that covers every regency.

Every account has one *primary* role, stored on the row (``User.role``) and
mirrored by one ``g`` rule in the policy: ``kominfo_admin`` in ``*`` or
``regency_staff`` in the code of its regency. These functions keep the two in
step; further grants made through the policy API are left alone (and removed
when the account is deleted). Password hashes are never returned or logged.
"""
from __future__ import annotations

import asyncio
import logging
import math
import re

from casbin_tortoise_adapter import CasbinRule
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import BadUserInput, Forbidden, Unauthenticated, not_found
from core.ratelimit import RateLimit
from core.values import parse_id_or_none
from core.settings import get_settings
from models.regency import Regency
from models.user import User
from permissions.enforcer import policy_engine
from permissions.management import assign_role, revoke_role, roles_of
from services.passwords import hash_password, verify_password
from services.tokens import issue_token, user_from_authorization, user_from_token

__all__ = [
    "ACCOUNT_ROLES",
    "LoginThrottle",
    "authenticate",
    "create_user",
    "delete_user",
    "issue_token",
    "update_user",
    "user_from_authorization",
    "user_from_token",
]

log = logging.getLogger("simpul.accounts")

WRONG_CREDENTIALS = "Wrong username or password."
USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
#: Domain of a primary role that covers every regency (a Casbin domain wildcard).
EVERY_REGENCY = "*"
#: Roles an account may hold as its primary role → True when the role is held in every
#: regency, False when it is held in the account's own regency (which is then required).
ACCOUNT_ROLES: dict[str, bool] = {"kominfo_admin": True, "regency_staff": False}


# --- signing in -----------------------------------------------------------------------------


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


# --- managing users -------------------------------------------------------------------------


async def create_user(access, *, username: str, password: str, role: str, regency_code: str | None = None) -> User:
    """Create an account and its primary role assignment, together or not at all."""
    decision = access.require("User", "create")
    username = _check_username(username)
    await _check_username_free(username)
    regency = await _check_role_and_regency(role, regency_code)
    domain = _domain_of(role, regency)
    _check_may_grant(decision, domain)
    password_hash = await asyncio.to_thread(hash_password, password)

    try:
        async with in_transaction():
            user = await User.create(username=username, password_hash=password_hash, role=role, regency=regency)
            # Inside the transaction: if the policy refuses the assignment, the row goes too.
            await assign_role(username, role, domain)
    except IntegrityError:  # a concurrent create took the name between our check and the insert
        raise _taken(username) from None
    await _announce_policy_change()
    log.info("user %r created with role %s in %s", username, role, domain)
    return user


async def update_user(
    access,
    user_id,
    *,
    password: str | None = None,
    role: str | None = None,
    regency_code: str | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the given fields (None = keep). A role or regency change moves the primary role assignment.

    Becoming ``kominfo_admin`` clears the home regency; ``regency_staff`` always needs one.
    You cannot change your own role, regency or active flag (only your password), so an
    administrator cannot lock themselves out by accident.
    """
    decision = access.require("User", "update")
    user = await _visible_user(decision, user_id)
    if _is_self(access, user) and (role is not None or regency_code is not None or is_active is False):
        raise BadUserInput("You cannot change your own role, regency or active flag; ask another administrator.")

    new_role, regency = user.role, user.regency
    if role is not None or regency_code is not None:
        new_role = role if role is not None else user.role
        if regency_code is None and not ACCOUNT_ROLES.get(new_role, True):
            regency_code = user.regency.code if user.regency else None  # staff keep their regency
        regency = await _check_role_and_regency(new_role, regency_code)
    old_domain, new_domain = _domain_of(user.role, user.regency), _domain_of(new_role, regency)
    if (new_role, new_domain) != (user.role, old_domain):
        _check_may_grant(decision, new_domain)
    password_hash = await asyncio.to_thread(hash_password, password) if password is not None else None

    async with in_transaction():
        if (new_role, new_domain) != (user.role, old_domain):
            await revoke_role(user.username, user.role, old_domain)
            await assign_role(user.username, new_role, new_domain)
        user.role, user.regency = new_role, regency
        if password_hash is not None:
            user.password_hash = password_hash
            # Whoever held the old password may hold a token or a panel session: end them all.
            user.session_epoch += 1
        if is_active is not None:
            user.is_active = is_active
        await user.save()
    await _announce_policy_change()
    return user


async def delete_user(access, user_id) -> str:
    """Delete an account and every role assignment it holds; returns its id."""
    decision = access.require("User", "delete")
    user = await _visible_user(decision, user_id)
    if _is_self(access, user):
        raise BadUserInput("You cannot delete your own account; ask another administrator.")

    async with in_transaction():
        for role, domain in await roles_of(user.username):
            await revoke_role(user.username, role, domain)
        await user.delete()
    await _announce_policy_change()
    log.info("user %r deleted", user.username)
    return str(user.pk)


# --- validation -----------------------------------------------------------------------------


def _check_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise BadUserInput(
            f"Usernames are 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'; got {username!r}.",
            field="username",
        )
    return username


async def _check_username_free(username: str) -> None:
    if await User.filter(username=username).exists():
        raise _taken(username)
    # The policy treats a name as a role when a rule names it so; an account must not share it.
    if username == "public" or await CasbinRule.filter(ptype="p", v0=username).exists():
        raise BadUserInput(f"{username!r} is the name of a role; choose another username.", field="username")


def _taken(username: str) -> BadUserInput:
    return BadUserInput(f"Username {username!r} is taken.", field="username")


async def _check_role_and_regency(role: str, regency_code: str | None) -> Regency | None:
    """The account's home regency: None for a role held everywhere, the existing regency otherwise."""
    if role not in ACCOUNT_ROLES:
        raise BadUserInput(f"Unknown role {role!r}: use one of {', '.join(ACCOUNT_ROLES)}.", field="role")
    if ACCOUNT_ROLES[role]:
        if regency_code is not None:
            raise BadUserInput(f"{role} covers every regency; leave regencyCode empty.", field="regencyCode")
        return None
    if not regency_code:
        raise BadUserInput(f"{role} needs the code of the regency the account works for.", field="regencyCode")
    regency = await Regency.filter(code=regency_code).first()
    if regency is None:
        raise BadUserInput(f"There is no regency with code {regency_code!r}.", field="regencyCode")
    return regency


def _domain_of(role: str, regency: Regency | None) -> str:
    """The policy domain of an account's primary role."""
    if ACCOUNT_ROLES.get(role, False) or regency is None:
        return EVERY_REGENCY
    return regency.code


def _check_may_grant(decision, domain: str) -> None:
    """A caller may only place accounts in domains their own User grant covers."""
    if decision.everywhere or (domain != EVERY_REGENCY and domain in decision.regencies):
        return
    where = "every regency" if domain == EVERY_REGENCY else f"regency {domain}"
    raise Forbidden(f"Your role does not allow you to manage accounts for {where}.")


async def _visible_user(decision, user_id) -> User:
    """The account, or NotFound when absent or outside the caller's regencies (existence never revealed)."""
    pk = parse_id_or_none(user_id)
    user = await User.filter(pk=pk).select_related("regency").first() if pk else None
    if user is None or not (decision.everywhere or (user.regency and user.regency.code in decision.regencies)):
        raise not_found("User", user_id)
    return user


def _is_self(access, user: User) -> bool:
    return access.user is not None and access.user.pk == user.pk


async def _announce_policy_change() -> None:
    """Bump the policy revision once more, after the commit.

    ``assign_role``/``revoke_role`` announce their change while our transaction is
    still open; a worker that reloaded in that instant read the old rules and
    would keep them until its max age. A second announcement after the commit
    makes every worker reload the committed state.
    """
    await policy_engine().announce_change()

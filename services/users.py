"""Managing user accounts: create, change and delete them, and give each its account role.

The GraphQL user mutations and the panel's user pages call these. Each checks
``User`` create/update/delete in the policy, like every other object; a role
granted it only in some regencies manages only the accounts of those regencies
(the same row filter as reads, ``Access.row_filter``), and may never hand out a
role that covers every regency.

What an account may do lives only in the policy store: ``g, <username>, <role>,
<domain>`` rules. The *account role* is the one these functions give and move:
``kominfo_admin`` in ``*`` or ``regency_staff`` in the code of the account's
home regency. It is read back from the rules (:func:`account_grant`), never
stored on the account. Further grants made through the policy API are left
alone, and removed when the account is deleted. Password hashes are never
returned or logged.

Every change is in the audit log (``user_create``, ``user_update``,
``user_deactivate``, ``user_activate``, ``user_delete``, ``password_reset``) with
the account's username, role, regency and active flag before and after, never a
password or its hash. Nothing here removes the last administrator: deactivating,
deleting or moving the last account that may manage the policy and the accounts
everywhere is refused with reason ``LAST_ADMIN`` (``permissions.management``).
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable

from casbin_tortoise_adapter import CasbinRule
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.errors import BadUserInput, Forbidden, not_found
from core.values import parse_id_or_none
from models.regency import Regency
from models.user import User
from permissions.enforcer import policy_engine
from permissions.management import (
    Change,
    assign_role,
    keep_an_administrator,
    revoke_role,
    roles_of,
    serialize_policy_changes,
)
from permissions.terms import ANY
from services import audit, events
from services.passwords import hash_password

log = logging.getLogger("simpul.accounts")

USERNAME = re.compile(r"^[a-z0-9._-]{3,64}$")
#: Roles an account may be given → True when the role is held in every regency, False when it
#: is held in the account's home regency (which is then required). In order of precedence.
ACCOUNT_ROLES: dict[str, bool] = {"kominfo_admin": True, "regency_staff": False}

Grant = tuple[str, str]


# --- reading an account's roles ---------------------------------------------------------------


async def grants_of_users(usernames: Iterable[str]) -> dict[str, list[Grant]]:
    """``roles_of`` for many accounts in one query: username → (role, domain) pairs, sorted."""
    wanted = sorted(set(usernames))
    found: dict[str, list[Grant]] = {name: [] for name in wanted}
    if wanted:
        rows = await CasbinRule.filter(ptype="g", v0__in=wanted).order_by("v1", "v2").values_list("v0", "v1", "v2")
        for username, role, domain in rows:
            found[username].append((role, domain))
    return found


def account_grant(grants: list[Grant], regency_code: str | None) -> Grant | None:
    """The account role among ``grants``: held where such a role is held for this account
    (``*``, or the home regency), else held anywhere; None when the account has none."""
    held = [(role, domain) for role, domain in grants if role in ACCOUNT_ROLES]
    if not held:
        return None

    def rank(grant: Grant) -> tuple[bool, int]:
        role, domain = grant
        return domain != _domain_for(role, regency_code), list(ACCOUNT_ROLES).index(role)

    return min(held, key=rank)


def shown_role(grants: list[Grant], regency_code: str | None) -> str | None:
    """The role to show for an account: its account role, else the first role it holds, else None."""
    grant = account_grant(grants, regency_code) or (grants[0] if grants else None)
    return grant[0] if grant else None


async def role_of(user: User) -> str | None:
    """:func:`shown_role` of one account (its ``regency`` must be fetched)."""
    regency = user.regency
    return shown_role(await roles_of(user.username), regency.code if regency else None)


# --- changing accounts ------------------------------------------------------------------------


async def create_user(
    access, *, username: str, password: str, role: str, regency_code: str | None = None, source: str = "api"
) -> User:
    """Create an account and its account role assignment, together or not at all."""
    decision = access.require("User", "create")
    username = _check_username(username)
    await _check_username_free(username)
    regency = await _check_role_and_regency(role, regency_code)
    domain = _domain_of(role, regency)
    _check_may_grant(decision, domain)
    password_hash = await asyncio.to_thread(hash_password, password)

    try:
        async with in_transaction():
            user = await User.create(username=username, password_hash=password_hash, regency=regency)
            # Inside the transaction: if the policy refuses the assignment, the row goes too.
            await assign_role(username, role, domain)
            await audit.record(
                actor=access.user, action="user_create", model="User", object_id=user.pk, before=None,
                after=_account_state(username, (role, domain), regency, True), source=source,
            )
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
    source: str = "api",
) -> User:
    """Change the given fields (None = keep). A role or regency change moves the account role assignment.

    Becoming ``kominfo_admin`` clears the home regency; ``regency_staff`` always needs one.
    You cannot change your own role, regency or active flag (only your password), so an
    administrator cannot lock themselves out by accident.
    """
    decision = access.require("User", "update")
    user = await _visible_user(access, "update", user_id)
    if _is_self(access, user) and (role is not None or regency_code is not None or is_active is False):
        raise BadUserInput("You cannot change your own role, regency or active flag; ask another administrator.",
                           reason="USER_CANNOT_CHANGE_SELF")

    home = user.regency.code if user.regency else None
    current = account_grant(await roles_of(user.username), home)
    regency, wanted = user.regency, current
    if role is not None or regency_code is not None:
        new_role = role if role is not None else (current[0] if current else None)
        if new_role is None:
            raise BadUserInput("The account holds no account role: choose one.", field="role", reason="REQUIRED")
        if regency_code is None and not ACCOUNT_ROLES.get(new_role, True):
            regency_code = home  # staff keep their regency
        regency = await _check_role_and_regency(new_role, regency_code)
        wanted = (new_role, _domain_of(new_role, regency))
        if wanted != current:
            _check_may_grant(decision, wanted[1])
    password_hash = await asyncio.to_thread(hash_password, password) if password is not None else None

    moved = (regency.pk if regency else None) != (user.regency.pk if user.regency else None)
    before = _account_state(user.username, current, user.regency, user.is_active)
    async with in_transaction() as connection:
        if is_active is False and user.is_active:
            await serialize_policy_changes(connection)
            await keep_an_administrator(Change(deactivated=frozenset({user.username})))
        if wanted != current:
            # The new grant first: revoking the old one is refused if it leaves no administrator,
            # and must see the account's new role when that role administers too.
            await assign_role(user.username, *wanted)
            if current is not None:
                await revoke_role(user.username, *current)
        user.regency = regency
        # Whoever held the old password may hold a token or a panel session, and an officer moved to
        # another regency must sign in afresh there: end every earlier session.
        sessions_end = password_hash is not None or moved or is_active is False
        if password_hash is not None:
            user.password_hash = password_hash
        if sessions_end:
            user.session_epoch += 1
        if is_active is not None:
            user.is_active = is_active
        await user.save()
        await _record_update(access, user, before, _account_state(user.username, wanted, regency, user.is_active),
                             password_changed=password_hash is not None, source=source)
    await _announce_policy_change()
    if sessions_end:
        await events.publish_caller_revoked(user.pk)
    return user


async def delete_user(access, user_id, *, source: str = "api") -> str:
    """Delete an account and every role assignment it holds; returns its id."""
    access.require("User", "delete")
    user = await _visible_user(access, "delete", user_id)
    if _is_self(access, user):
        raise BadUserInput("You cannot delete your own account; ask another administrator.",
                           reason="USER_CANNOT_DELETE_SELF")

    pk = user.pk
    async with in_transaction() as connection:
        await serialize_policy_changes(connection)
        await keep_an_administrator(Change(deactivated=frozenset({user.username})))
        grants = await roles_of(user.username)
        home = user.regency.code if user.regency else None
        before = {
            **_account_state(user.username, account_grant(grants, home), user.regency, user.is_active),
            "grants": [f"{role} @ {domain}" for role, domain in grants],
        }
        for role, domain in grants:
            await revoke_role(user.username, role, domain)
        await user.delete()
        await audit.record(
            actor=access.user, action="user_delete", model="User", object_id=pk, before=before, after=None,
            source=source,
        )
    await _announce_policy_change()
    await events.publish_caller_revoked(pk)
    log.info("user %r deleted", user.username)
    return str(user.pk)


# --- the audit trail ---------------------------------------------------------------------------


def _account_state(username: str, grant: Grant | None, regency: Regency | None, is_active: bool) -> dict:
    """What the audit log keeps of an account: never its password or hash."""
    return {
        "username": username,
        "role": grant[0] if grant else None,
        "domain": grant[1] if grant else None,
        "regency": regency.code if regency else None,
        "is_active": is_active,
    }


async def _record_update(access, user: User, before: dict, after: dict, *, password_changed: bool, source: str) -> None:
    """One entry for the account's changed fields (named for the most telling change), one for a new password."""
    old, new = audit.changed_only(before, after)
    if old:
        if "is_active" in new:
            action = "user_activate" if new["is_active"] else "user_deactivate"
        else:
            action = "user_update"
        await audit.record(
            actor=access.user, action=action, model="User", object_id=user.pk,
            before={"username": user.username, **old}, after={"username": user.username, **new}, source=source,
        )
    if password_changed:
        # That it changed, and that the account's sessions ended; never what it is.
        await audit.record(
            actor=access.user, action="password_reset", model="User", object_id=user.pk,
            before=None, after={"username": user.username, "sessions_ended": True}, source=source,
        )


# --- validation -------------------------------------------------------------------------------


def _check_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise BadUserInput(
            f"Usernames are 3 to 64 characters: lowercase letters, digits, '.', '_' or '-'; got {username!r}.",
            field="username", reason="USERNAME_FORMAT",
        )
    return username


async def _check_username_free(username: str) -> None:
    if await User.filter(username=username).exists():
        raise _taken(username)
    # The policy treats a name as a role when a rule names it so; an account must not share it.
    if username == "public" or await CasbinRule.filter(ptype="p", v0=username).exists():
        raise BadUserInput(f"{username!r} is the name of a role; choose another username.", field="username",
                           reason="USERNAME_IS_ROLE", params={"username": username})


def _taken(username: str) -> BadUserInput:
    return BadUserInput(f"Username {username!r} is taken.", field="username",
                        reason="UNIQUE_TAKEN", params={"field": "username", "value": username})


async def _check_role_and_regency(role: str, regency_code: str | None) -> Regency | None:
    """The account's home regency: None for a role held everywhere, the existing regency otherwise."""
    if role not in ACCOUNT_ROLES:
        raise BadUserInput(f"Unknown role {role!r}: use one of {', '.join(ACCOUNT_ROLES)}.", field="role",
                           reason="NOT_ONE_OF", params={"allowed": list(ACCOUNT_ROLES)})
    if ACCOUNT_ROLES[role]:
        if regency_code is not None:
            raise BadUserInput(f"{role} covers every regency; leave regencyCode empty.", field="regencyCode",
                               reason="USER_ROLE_WITHOUT_REGENCY", params={"role": role})
        return None
    if not regency_code:
        raise BadUserInput(f"{role} needs the code of the regency the account works for.", field="regencyCode",
                           reason="USER_ROLE_NEEDS_REGENCY", params={"role": role})
    regency = await Regency.filter(code=regency_code).first()
    if regency is None:
        raise BadUserInput(f"There is no regency with code {regency_code!r}.", field="regencyCode",
                           reason="UNKNOWN_REFERENCE", params={"model": "Regency", "value": regency_code})
    return regency


def _domain_for(role: str, regency_code: str | None) -> str:
    """The policy domain an account role is held in for an account of this home regency."""
    if ACCOUNT_ROLES.get(role, False) or regency_code is None:
        return ANY
    return regency_code


def _domain_of(role: str, regency: Regency | None) -> str:
    return _domain_for(role, regency.code if regency else None)


def _check_may_grant(decision, domain: str) -> None:
    """A caller may only place accounts in domains their own User grant covers."""
    if decision.everywhere or (domain != ANY and domain in decision.regencies):
        return
    if domain == ANY:
        raise Forbidden("Your role does not allow you to manage accounts for every regency.",
                        reason="USER_GRANT_EVERY_REGENCY_FORBIDDEN")
    raise Forbidden(f"Your role does not allow you to manage accounts for regency {domain}.",
                    reason="USER_GRANT_REGENCY_FORBIDDEN", params={"regency": domain})


async def _visible_user(access, action: str, user_id) -> User:
    """The account, or NotFound when absent or outside the caller's scope for ``action`` (existence never revealed)."""
    pk = parse_id_or_none(user_id)
    if pk is None:
        raise not_found("User", user_id)
    query = User.filter(pk=pk)
    row_filter = access.row_filter(User, action)
    if row_filter is not None:
        query = query.filter(row_filter)
    user = await query.select_related("regency").first()
    if user is None:
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

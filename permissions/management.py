"""Change the policy: role assignments (``g`` rules) and permission rules (``p`` rules).

Used by the GraphQL policy mutations, the admin panel and the seeds; the default
rules are synced by ``permissions.defaults``. These
functions do NOT check who is calling: the caller checks first with
``access.require("Policy", "manage")`` (the seeds and startup run as the system).

The database table is the truth; every change bumps the shared policy
revision, so it takes effect on the next request in every worker process.
Additions and removals return True when something changed, False when the
rule was already there / was not there. Invalid input raises BadUserInput.

Nothing here locks out the last administrator: a removal or revocation after
which no active account could still manage the policy and the accounts in every
regency (:data:`ADMINISTRATION`) is refused with reason ``LAST_ADMIN``, whoever
asks (the API, the panel, a script). The question is answered by the real
decision rules (``Access`` over an in-memory copy of the changed policy), not by
looking for a role name. ``python -m server.manage grant-admin`` is the way back.

Each change takes an ``audit`` hook (``services.audit.recorder(user, source=...)``;
this layer may not import the services): it is called inside the transaction of
the change, so the entry and the change commit together. Without one (seeds,
start-up sync, tests setting up a world) nothing is recorded.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import casbin
from casbin_tortoise_adapter import CasbinRule
from tortoise.transactions import in_transaction

from core.errors import BadUserInput
from models.registry import Registry
from models.regency import Regency
from models.user import User
from permissions.enforcer import MODEL_PATH, PolicyEngine, policy_engine, role_domain_covers
from permissions.terms import ACTIONS, ANY, MANAGEMENT_OBJECTS, PUBLIC

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")

#: What an administrator must be able to do, in every regency: change the policy, and create and
#: change accounts. At least one active account must keep all of it (reason ``LAST_ADMIN``).
ADMINISTRATION: tuple[tuple[str, str], ...] = (("Policy", "manage"), ("User", "create"), ("User", "update"))
#: ``extensions.reason`` of a change refused because it would leave no administrator.
LAST_ADMIN = "LAST_ADMIN"
LAST_ADMIN_MESSAGE = (
    "This change would leave no active account that may manage the policy and the user accounts in every "
    "regency. Give another account that right first (for example the kominfo_admin role in *)."
)

#: ``await audit(action, model, object_id, before, after)``: records one change (see services.audit.recorder).
AuditHook = Callable[[str, str, Any, "dict[str, Any] | None", "dict[str, Any] | None"], Awaitable[Any]]
#: Serialises the changes that could remove the last administrator (PostgreSQL advisory lock key, "SIMPUL").
_POLICY_LOCK = 0x53494D50554C


# --- reading --------------------------------------------------------------------------------


async def roles_of(username: str) -> list[tuple[str, str]]:
    """(role, domain) pairs assigned to ``username``, e.g. ``[("regency_staff", "32.15")]``."""
    rows = await CasbinRule.filter(ptype="g", v0=username).order_by("v1", "v2").values_list("v1", "v2")
    return [(role, domain) for role, domain in rows]


async def list_rules() -> list[tuple[str, str, str, str]]:
    """Every permission rule as (role, domain, object, action), sorted."""
    rows = await CasbinRule.filter(ptype="p").values_list("v0", "v1", "v2", "v3")
    return sorted(tuple(row) for row in rows)


# --- role assignments -----------------------------------------------------------------------


async def assign_role(username: str, role: str, domain: str, *, audit: AuditHook | None = None) -> bool:
    """Give ``username`` the ``role`` in ``domain``: a regency code, ``*`` for every regency, or ``public``."""
    if "," in username or not _fits(User, "username", username) or not await User.filter(username=username).exists():
        raise BadUserInput(f"There is no user named {username!r}.", field="username")
    if role == PUBLIC:
        raise BadUserInput("Everyone holds the public role already; it cannot be assigned.", field="role")
    if role not in await _known_roles():
        raise BadUserInput(f"Unknown role {role!r}: add a rule for it first.", field="role")
    await _check_domain(domain)
    grant = {"username": username, "role": role, "domain": domain}
    return await _add(("g", username, role, domain), audit and _logged(audit, "role_assign", username, None, grant))


async def revoke_role(username: str, role: str, domain: str, *, audit: AuditHook | None = None) -> bool:
    """Take ``role`` in ``domain`` away from ``username``; refused (``LAST_ADMIN``) if it is the last administrator's."""
    grant = {"username": username, "role": role, "domain": domain}
    return await _remove(
        ("g", username, role, domain), Change(removed_grants=frozenset({(username, role, domain)})),
        audit and _logged(audit, "role_revoke", username, grant, None),
    )


# --- permission rules -----------------------------------------------------------------------


async def add_rule(
    role: str, domain: str, obj: str, act: str, *, registry: Registry, audit: AuditHook | None = None
) -> bool:
    """Allow ``role`` to ``act`` on ``obj`` in ``domain`` (a new role name creates the role).

    ``obj`` must be ``*``, a model of ``registry`` or one of the management objects.
    """
    if not ROLE_NAME.match(role):
        raise BadUserInput(
            f"Role names are lowercase letters, digits and underscores (2-63 characters); got {role!r}.",
            field="role",
        )
    if await User.filter(username=role).exists():
        raise BadUserInput(f"{role!r} is a username; pick another name for the role.", field="role")
    await _check_domain(domain)
    _check_object(obj, registry)
    _check_action(act)
    rule = {"role": role, "domain": domain, "object": obj, "action": act}
    return await _add(("p", role, domain, obj, act), audit and _logged(audit, "policy_add", None, None, rule))


async def remove_rule(role: str, domain: str, obj: str, act: str, *, audit: AuditHook | None = None) -> bool:
    """Remove the rule exactly as listed by ``list_rules``; refused (``LAST_ADMIN``) if the last administrator needs it."""
    rule = {"role": role, "domain": domain, "object": obj, "action": act}
    return await _remove(
        ("p", role, domain, obj, act), Change(removed_rules=frozenset({(role, domain, obj, act)})),
        audit and _logged(audit, "policy_remove", None, rule, None),
    )


# --- the last administrator -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change to ask about before making it: rules and grants that go, accounts that stop signing in."""

    removed_rules: frozenset[tuple[str, str, str, str]] = frozenset()
    #: (username, role, domain)
    removed_grants: frozenset[tuple[str, str, str]] = frozenset()
    #: Usernames deactivated or deleted.
    deactivated: frozenset[str] = frozenset()


class PolicySnapshot(PolicyEngine):
    """The real decision rules (``permissions/model.conf``, ``Access``) over rules held in memory.

    Answers what the policy would decide after a change, before the change is written.
    """

    def __init__(self, rules: Iterable[tuple[str, ...]], grants: Iterable[tuple[str, ...]]):  # noqa: D107
        # No adapter and no revision: the rules are given and never reloaded.
        self.enforcer = casbin.Enforcer(str(MODEL_PATH))
        self.enforcer.add_named_domain_matching_func("g", role_domain_covers)
        rules, grants = [list(r) for r in rules], [list(g) for g in grants]
        if rules:
            self.enforcer.add_policies(rules)
        if grants:
            self.enforcer.add_named_grouping_policies("g", grants)


@dataclass(frozen=True)
class _Candidate:
    """An active account as ``Access`` sees it (its username is its Casbin subject)."""

    username: str
    is_active: bool = True
    pk: Any = None


async def administrators(change: Change = Change()) -> set[str]:
    """Usernames of the active accounts that may do all of :data:`ADMINISTRATION` everywhere, after ``change``."""
    from permissions.access import Access

    rules = [tuple(r) for r in await CasbinRule.filter(ptype="p").values_list("v0", "v1", "v2", "v3")]
    grants = [tuple(g) for g in await CasbinRule.filter(ptype="g").values_list("v0", "v1", "v2")]
    rules = [r for r in rules if r not in change.removed_rules]
    grants = [g for g in grants if g not in change.removed_grants]
    # Only a role held in "*" can allow anything everywhere (Access.decide's `everywhere`).
    candidates = sorted({g[0] for g in grants if g[2] == ANY and g[0] is not None} - change.deactivated)
    if not candidates:
        return set()
    active = await User.filter(username__in=candidates, is_active=True).values_list("username", flat=True)
    engine = PolicySnapshot(rules, grants)
    found = set()
    for username in active:
        access = Access(_Candidate(username), engine)
        if all(access.decide(obj, act).everywhere for obj, act in ADMINISTRATION):
            found.add(username)
    return found


async def keep_an_administrator(change: Change) -> None:
    """Raise ``BadUserInput`` (reason ``LAST_ADMIN``) when ``change`` would leave no administrator.

    A policy that has none already (a fresh database, a test world without one) is not
    refused anything: there is no administrator to keep. Call it inside the transaction
    of the change, after :func:`serialize_policy_changes`.
    """
    if await administrators(change):
        return
    if await administrators():
        raise BadUserInput(LAST_ADMIN_MESSAGE, reason=LAST_ADMIN)


async def serialize_policy_changes(connection) -> None:
    """Within the transaction on ``connection``: wait for any other change that checks for the last
    administrator, so two admins revoking each other at once cannot both pass the check.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite serialises writers itself.
    """
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query("SELECT pg_advisory_xact_lock($1)", [_POLICY_LOCK])


# --- helpers --------------------------------------------------------------------------------


def _fits(model, field: str, value: str) -> bool:
    """Whether ``value`` fits the column: Tortoise refuses to compare a column with a longer text."""
    limit = getattr(model._meta.fields_map[field], "max_length", None)
    return limit is None or len(value) <= limit


def _row(rule: tuple[str, ...]) -> CasbinRule:
    return CasbinRule(ptype=rule[0], **{f"v{i}": value for i, value in enumerate(rule[1:])})


OnChange = Callable[[], Awaitable[Any]]


def _logged(audit: AuditHook, action: str, username: str | None, before, after) -> OnChange:
    """The audit call for one change: a rule is filed under ``Policy`` (its role as object id), a grant
    under the account (``User`` and its id, the username when the account is gone)."""

    async def log() -> None:
        if username is None:
            await audit(action, "Policy", (before or after)["role"], before, after)
            return
        pk = await User.filter(username=username).first().values_list("id", flat=True)
        await audit(action, "User", pk if pk is not None else username, before, after)

    return log


async def _add(rule: tuple[str, ...], on_change: OnChange | None = None) -> bool:
    row = _row(rule)
    values = {f"v{i}": value for i, value in enumerate(rule[1:])}
    async with in_transaction():
        if await CasbinRule.filter(ptype=rule[0], **values).exists():
            return False
        await row.save()
        if on_change:
            await on_change()
    await policy_engine().announce_change()
    return True


async def _remove(rule: tuple[str, ...], change: Change, on_change: OnChange | None = None) -> bool:
    values = {f"v{i}": value for i, value in enumerate(rule[1:])}
    if not all(_fits(CasbinRule, name, value) for name, value in values.items()):
        return False  # no stored rule holds a value longer than its column
    async with in_transaction() as connection:
        await serialize_policy_changes(connection)
        if not await CasbinRule.filter(ptype=rule[0], **values).exists():
            return False
        await keep_an_administrator(change)
        await CasbinRule.filter(ptype=rule[0], **values).delete()
        if on_change:
            await on_change()
    await policy_engine().announce_change()
    return True


async def _known_roles() -> set[str]:
    subjects = await CasbinRule.filter(ptype="p").values_list("v0", flat=True)
    return set(subjects)


async def _check_domain(domain: str) -> None:
    if domain in (ANY, PUBLIC):
        return
    if not _fits(Regency, "code", domain) or not await Regency.filter(code=domain).exists():
        raise BadUserInput(
            f'Unknown domain {domain!r}: use "{ANY}" (every regency), "{PUBLIC}" (published rows) '
            "or the code of an existing regency (e.g. 32.15).",
            field="domain",
        )


def policy_objects(registry: Registry) -> list[str]:
    """What a rule may name: the declared models, plus the accounts and the policy themselves."""
    return list(dict.fromkeys([*registry.names(), *MANAGEMENT_OBJECTS]))


def _check_object(obj: str, registry: Registry) -> None:
    objects = policy_objects(registry)
    if obj != ANY and obj not in objects:
        raise BadUserInput(f"Unknown object {obj!r}: use \"*\" or one of {', '.join(objects)}.", field="object")


def _check_action(act: str) -> None:
    if act != ANY and act not in ACTIONS:
        raise BadUserInput(f"Unknown action {act!r}: use \"*\" or one of {', '.join(ACTIONS)}.", field="action")

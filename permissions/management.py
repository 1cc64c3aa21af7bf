"""Change the policy: role assignments (``g`` rules) and permission rules (``p`` rules).

Used by the GraphQL policy mutations, the admin panel and the seeds; the default
rules are synced by ``permissions.defaults``. These
functions do NOT check who is calling: the caller checks first with
``access.require("Policy", "manage")`` (the seeds and startup run as the system).

The database table is the truth; every change bumps the shared policy
revision, so it takes effect on the next request in every worker process.
Additions and removals return True when something changed, False when the
rule was already there / was not there. Invalid input raises BadUserInput.
"""
from __future__ import annotations

import re

from casbin_tortoise_adapter import CasbinRule

from core.errors import BadUserInput
from models.registry import Registry
from models.regency import Regency
from models.user import User
from permissions.enforcer import policy_engine
from permissions.terms import ACTIONS, ANY, MANAGEMENT_OBJECTS, PUBLIC

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


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


async def assign_role(username: str, role: str, domain: str) -> bool:
    """Give ``username`` the ``role`` in ``domain``: a regency code, ``*`` for every regency, or ``public``."""
    if "," in username or not _fits(User, "username", username) or not await User.filter(username=username).exists():
        raise BadUserInput(f"There is no user named {username!r}.", field="username")
    if role == PUBLIC:
        raise BadUserInput("Everyone holds the public role already; it cannot be assigned.", field="role")
    if role not in await _known_roles():
        raise BadUserInput(f"Unknown role {role!r}: add a rule for it first.", field="role")
    await _check_domain(domain)
    return await _add(("g", username, role, domain))


async def revoke_role(username: str, role: str, domain: str) -> bool:
    """Take ``role`` in ``domain`` away from ``username``."""
    return await _remove(("g", username, role, domain))


# --- permission rules -----------------------------------------------------------------------


async def add_rule(role: str, domain: str, obj: str, act: str, *, registry: Registry) -> bool:
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
    return await _add(("p", role, domain, obj, act))


async def remove_rule(role: str, domain: str, obj: str, act: str) -> bool:
    """Remove the rule exactly as listed by ``list_rules``."""
    return await _remove(("p", role, domain, obj, act))


# --- helpers --------------------------------------------------------------------------------


def _fits(model, field: str, value: str) -> bool:
    """Whether ``value`` fits the column: Tortoise refuses to compare a column with a longer text."""
    limit = getattr(model._meta.fields_map[field], "max_length", None)
    return limit is None or len(value) <= limit


def _row(rule: tuple[str, ...]) -> CasbinRule:
    return CasbinRule(ptype=rule[0], **{f"v{i}": value for i, value in enumerate(rule[1:])})


async def _add(rule: tuple[str, ...]) -> bool:
    row = _row(rule)
    values = {f"v{i}": value for i, value in enumerate(rule[1:])}
    if await CasbinRule.filter(ptype=rule[0], **values).exists():
        return False
    await row.save()
    await policy_engine().announce_change()
    return True


async def _remove(rule: tuple[str, ...]) -> bool:
    values = {f"v{i}": value for i, value in enumerate(rule[1:])}
    if not all(_fits(CasbinRule, name, value) for name, value in values.items()):
        return False  # no stored rule holds a value longer than its column
    deleted = await CasbinRule.filter(ptype=rule[0], **values).delete()
    if deleted:
        await policy_engine().announce_change()
    return bool(deleted)


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

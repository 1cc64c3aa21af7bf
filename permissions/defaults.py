"""The default policy: the administrators' rule plus every model's declared ``grants``.

Synced into the policy store (the ``casbin_rule`` table) at every start, as the
seeds sync their rows: a default rule is added when it is missing and was
never synced before; a rule that was synced and is gone was removed by an
administrator on purpose and stays removed. What was synced is remembered in
``SeedRecord`` (model ``Policy``), so a new model's grants reach an existing
database on its next start.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casbin_tortoise_adapter import CasbinRule
from tortoise.transactions import in_transaction

from models.checks import DeclarationError, suggestion
from models.registry import Registry
from models.seed_record import SeedRecord
from permissions.enforcer import policy_engine
from permissions.terms import ACTIONS, ANY, PUBLIC

#: A permission rule as (role, domain, object, action).
Rule = tuple[str, str, str, str]

#: The role that administers everything: every model, every action, every regency, users and the policy.
ADMIN_ROLE = "kominfo_admin"
#: Rules that belong to no single model.
PLATFORM_RULES: tuple[Rule, ...] = ((ADMIN_ROLE, ANY, ANY, ANY),)
#: ``SeedRecord.model`` of the remembered default rules.
_MEMORY = "Policy"


def declared_rules(registry: Registry) -> list[Rule]:
    """Every default rule: the platform's, then each model's ``grants`` in declaration order.

    ``public`` grants hold on the published rows (domain ``public``); any other
    role's grants hold wherever the role is held (domain ``*``). An action that
    is not in ``ACTIONS`` raises ``DeclarationError`` (a misspelt grant would
    otherwise be a rule that never matches).
    """
    rules: list[Rule] = list(PLATFORM_RULES)
    for spec in registry:
        for role, actions in spec.declaration.grants.items():
            for action in actions:
                if action not in ACTIONS:
                    raise DeclarationError(
                        f"{spec.name}.Simpul.grants[{role!r}] names {action!r}, which is not an action "
                        f"({', '.join(ACTIONS)}){suggestion(action, ACTIONS)}"
                    )
            domain = PUBLIC if role == PUBLIC else ANY
            rules.extend((role, domain, spec.name, action) for action in actions)
    return list(dict.fromkeys(rules))


@dataclass
class SyncResult:
    added: list[Rule]
    #: Default rules an administrator removed since they were synced: left removed.
    kept_removed: list[Rule]


async def sync_default_policy(registry: Registry) -> SyncResult:
    """Add the default rules that are missing and were never synced; remember every one."""
    rules = declared_rules(registry)
    async with in_transaction():
        present = {tuple(r) for r in await CasbinRule.filter(ptype="p").values_list("v0", "v1", "v2", "v3")}
        remembered = set(await SeedRecord.filter(model=_MEMORY).values_list("key", flat=True))
        added, kept_removed = [], []
        for rule in rules:
            key = _key(rule)
            if rule not in present:
                if key in remembered:
                    kept_removed.append(rule)
                    continue
                await CasbinRule.create(ptype="p", v0=rule[0], v1=rule[1], v2=rule[2], v3=rule[3])
                added.append(rule)
            if key not in remembered:
                await SeedRecord.create(model=_MEMORY, key=key, fingerprint="default-rule")
    if added:
        await policy_engine().announce_change()
    return SyncResult(added=added, kept_removed=kept_removed)


def policy_as_csv(rules: Iterable[Rule]) -> str:
    """The rules in Casbin's CSV form, for reading (``python -m server.manage policy``)."""
    return "".join(f"p, {role}, {domain}, {obj}, {action}\n" for role, domain, obj, action in rules)


def _key(rule: Rule) -> str:
    return ",".join(rule)

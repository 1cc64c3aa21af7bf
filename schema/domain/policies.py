"""Policy rules and role assignments, managed by Kominfo admins; a change applies on the next request."""
from typing import Any

import strawberry

from permissions import management


@strawberry.type(description="One policy rule: `role` may do `action` on `object` in `domain`.")
class PolicyRule:
    role: str
    domain: str
    object: str
    action: str


def _require(info: strawberry.Info) -> None:
    info.context.access.require("Policy", "manage")


async def policy_rules(info: strawberry.Info) -> list[PolicyRule]:
    _require(info)
    return [PolicyRule(role=r, domain=d, object=o, action=a) for r, d, o, a in await management.list_rules()]


async def remove_policy_rule(info: strawberry.Info, role: str, domain: str, object: str, action: str) -> bool:
    _require(info)
    return await management.remove_rule(role, domain, object, action)


async def assign_role(info: strawberry.Info, username: str, role: str, domain: str) -> bool:
    _require(info)
    return await management.assign_role(username, role, domain)


async def revoke_role(info: strawberry.Info, username: str, role: str, domain: str) -> bool:
    _require(info)
    return await management.revoke_role(username, role, domain)


def query_fields(ns, registry) -> dict[str, Any]:
    return {"policy_rules": strawberry.field(resolver=policy_rules, description="Every policy rule (Kominfo admins).")}


def mutation_fields(ns, registry) -> dict[str, Any]:
    async def add_policy_rule(info: strawberry.Info, role: str, domain: str, object: str, action: str) -> bool:
        _require(info)
        return await management.add_rule(role, domain, object, action, registry=registry)

    return {
        "add_policy_rule": strawberry.mutation(resolver=add_policy_rule, description="Allow a role an action; true when added."),
        "remove_policy_rule": strawberry.mutation(resolver=remove_policy_rule, description="Withdraw a rule; true when removed."),
        "assign_role": strawberry.mutation(
            resolver=assign_role, description="Give a user a role in a domain (a regency code, or `*`)."
        ),
        "revoke_role": strawberry.mutation(resolver=revoke_role, description="Take a role in a domain away from a user."),
    }

"""Policy rules and role assignments, managed by Kominfo admins; a change applies on the next request."""
from typing import Annotated, Any

import strawberry

from permissions import management
from schema.domain.accounts import forget_account_roles
from schema.requires import Requires
from services import audit


@strawberry.type(description="One policy rule: `role` may do `action` on `object` in `domain`.")
class PolicyRule:
    role: str
    domain: str
    object: str
    action: str


Role = Annotated[str, strawberry.argument(description="A role name (`regency_staff`); a new name in a rule creates the role.")]
Domain = Annotated[str, strawberry.argument(description="A regency code (`32.15`), `*` for every regency, or `public`.")]
Object = Annotated[str, strawberry.argument(description="A model name (`Complaint`), `User`, `Policy`, or `*`.")]
Action = Annotated[str, strawberry.argument(description="An action (`read`, `update`, `transition`...), or `*`.")]
Username = Annotated[str, strawberry.argument(description="The account's sign-in name.")]


def _manage_policy() -> list[Requires]:
    return [Requires("Policy", "manage")]


async def policy_rules() -> list[PolicyRule]:
    return [PolicyRule(role=r, domain=d, object=o, action=a) for r, d, o, a in await management.list_rules()]


def _audited(info: strawberry.Info):
    """Every policy change is in the audit log, as done by the caller."""
    return audit.recorder(info.context.access.user, source="api")


async def remove_policy_rule(info: strawberry.Info, role: Role, domain: Domain, object: Object, action: Action) -> bool:
    return await management.remove_rule(role, domain, object, action, audit=_audited(info))


async def assign_role(info: strawberry.Info, username: Username, role: Role, domain: Domain) -> bool:
    changed = await management.assign_role(username, role, domain, audit=_audited(info))
    forget_account_roles(info)
    return changed


async def revoke_role(info: strawberry.Info, username: Username, role: Role, domain: Domain) -> bool:
    changed = await management.revoke_role(username, role, domain, audit=_audited(info))
    forget_account_roles(info)
    return changed


def query_fields(ns, registry) -> dict[str, Any]:
    return {
        "policy_rules": strawberry.field(
            resolver=policy_rules, description="Every policy rule, sorted.", extensions=_manage_policy()
        )
    }


def mutation_fields(ns, registry) -> dict[str, Any]:
    async def add_policy_rule(info: strawberry.Info, role: Role, domain: Domain, object: Object, action: Action) -> bool:
        return await management.add_rule(role, domain, object, action, registry=registry, audit=_audited(info))

    return {
        "add_policy_rule": strawberry.mutation(
            resolver=add_policy_rule, description="Allow a role an action; true when added.", extensions=_manage_policy()
        ),
        "remove_policy_rule": strawberry.mutation(
            resolver=remove_policy_rule, description="Withdraw a rule; true when removed.", extensions=_manage_policy()
        ),
        "assign_role": strawberry.mutation(
            resolver=assign_role,
            description="Give a user a role in a domain (a regency code, or `*`).",
            extensions=_manage_policy(),
        ),
        "revoke_role": strawberry.mutation(
            resolver=revoke_role, description="Take a role in a domain away from a user.", extensions=_manage_policy()
        ),
    }

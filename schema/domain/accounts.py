"""``login``, ``me`` and, for Kominfo admins, users and role assignments."""
from typing import Any

import strawberry

from models import User
from schema.relations import fetch_fk_targets
from services import accounts


def user_type(ns, registry) -> Any:
    """The ``User`` type: who someone is and where they work; never their password hash."""
    existing = getattr(ns.module, "User", None)
    if existing is not None:
        return existing
    regency_spec = registry["Regency"]

    async def regency(root: strawberry.Parent[Any], info: strawberry.Info) -> Any:
        if root.regency_id is None:
            return None
        ctx = info.context
        return await ctx.loader(("fk", "Regency"), fetch_fk_targets(regency_spec, ctx.access)).load(root.regency_id)

    async def grants(root: strawberry.Parent[Any], info: strawberry.Info) -> list[Any]:
        from permissions.management import roles_of

        return [RoleGrant(role=role, domain=domain) for role, domain in await roles_of(root.username)]

    regency.__annotations__["return"] = "Regency | None"
    regency.__module__ = ns.module.__name__
    grants.__annotations__["return"] = "list[RoleGrant]"
    grants.__module__ = ns.module.__name__
    ns.add("RoleGrant", RoleGrant)
    return ns.make(
        "User",
        {"id": strawberry.ID, "username": str, "role": str, "is_active": bool},
        {
            "regency": strawberry.field(resolver=regency, description="Home regency of regency staff."),
            "grants": strawberry.field(resolver=grants, description="Every role the user holds, and where."),
        },
        description="A person who signs in. Roles live in the policy store; `role` is the primary one.",
    )


@strawberry.type(description="A role held in a domain: a regency code, or `*` for every regency.")
class RoleGrant:
    role: str
    domain: str


@strawberry.input(description="A new account.")
class UserCreateInput:
    username: str
    password: str
    role: str
    regency_code: str | None = None


@strawberry.input(description="Fields to change on an account; fields left out keep their value.")
class UserUpdateInput:
    password: str | None = strawberry.UNSET
    role: str | None = strawberry.UNSET
    regency_code: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


def _given(value: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(value).items() if v is not strawberry.UNSET}


def query_fields(ns, registry) -> dict[str, Any]:
    user_type(ns, registry)

    def me(info: strawberry.Info) -> Any:
        return info.context.access.user

    async def users(info: strawberry.Info) -> list[Any]:
        info.context.access.require("User", "read")
        return await User.all().order_by("username")

    me.__annotations__["return"] = "User | None"
    users.__annotations__["return"] = "list[User]"
    for fn in (me, users):
        fn.__module__ = ns.module.__name__
    return {
        "me": strawberry.field(resolver=me, description="The signed-in user; null when anonymous."),
        "users": strawberry.field(resolver=users, description="Every account (Kominfo admins only)."),
    }


def mutation_fields(ns, registry) -> dict[str, Any]:
    user_type(ns, registry)
    payload = ns.make(
        "LoginPayload", {"token": str, "user": "User"},
        description="A signed, expiring token to send as `Authorization: Bearer <token>`, and who it belongs to.",
    )

    async def login(info: strawberry.Info, username: str, password: str) -> Any:
        user = await accounts.authenticate(username, password, info.context.client_address)
        return payload(token=accounts.issue_token(user), user=user)

    async def create_user(info: strawberry.Info, input: UserCreateInput) -> Any:
        return await accounts.create_user(info.context.access, **_given(input))

    async def update_user(info: strawberry.Info, id: strawberry.ID, input: UserUpdateInput) -> Any:
        return await accounts.update_user(info.context.access, id, **_given(input))

    async def delete_user(info: strawberry.Info, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(str(await accounts.delete_user(info.context.access, id)))

    login.__annotations__["return"] = "LoginPayload"
    create_user.__annotations__["return"] = "User"
    update_user.__annotations__["return"] = "User"
    for fn in (login, create_user, update_user, delete_user):
        fn.__module__ = ns.module.__name__
    return {
        "login": strawberry.mutation(resolver=login, description="Sign in; wrong credentials are UNAUTHENTICATED."),
        "create_user": strawberry.mutation(resolver=create_user, description="Create an account (Kominfo admins)."),
        "update_user": strawberry.mutation(resolver=update_user, description="Change an account (Kominfo admins)."),
        "delete_user": strawberry.mutation(resolver=delete_user, description="Delete an account (Kominfo admins)."),
    }


"""``login``, ``me``, the account mutations, and what the generated ``User`` type adds: the account's roles.

Accounts are read through the generated, scoped ``users``/``user``; they are
written only here, through ``services.users`` (passwords, role assignments).
"""
from typing import Annotated, Any

import strawberry

from models.regency import Regency
from schema.requires import Public, Requires
from services import accounts, users


@strawberry.type(description="A role held in a domain: a regency code, or `*` for every regency.")
class RoleGrant:
    role: str = strawberry.field(description="The role, as the policy rules name it (`regency_staff`).")
    domain: str = strawberry.field(description="Where it is held: a regency code (`32.15`), or `*` for every regency.")


@strawberry.input(description="A new account.")
class UserCreateInput:
    username: str = strawberry.field(description="Sign-in name: 3 to 64 lowercase letters, digits, `.`, `_` or `-`.")
    password: str = strawberry.field(description="At least 8 characters and at most 72 bytes.")
    role: str = strawberry.field(description="`kominfo_admin` (every regency) or `regency_staff` (one regency).")
    regency_code: str | None = strawberry.field(
        default=None, description="Code of the home regency: required for `regency_staff`, empty for `kominfo_admin`."
    )


@strawberry.input(description="Fields to change on an account; fields left out keep their value.")
class UserUpdateInput:
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new password: ends every earlier token and panel session."
    )
    role: str | None = strawberry.field(default=strawberry.UNSET, description="A new account role.")
    regency_code: str | None = strawberry.field(default=strawberry.UNSET, description="A new home regency.")
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False deactivates the account: it cannot sign in any more."
    )


AccountId = Annotated[strawberry.ID, strawberry.argument(description="Id of the account.")]


def _given(value: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(value).items() if v is not strawberry.UNSET}


#: The roles of an account are shown wherever the account is: a caller reaches an account
#: only as themselves (``me``, ``login``) or through a scoped read or write of ``User``.
AS_VISIBLE_AS_THE_ACCOUNT = Public("as visible as the account: reached only as oneself or through a scoped User read")


GRANTS_LOADER = ("grants", "User")


def _grants_loader(info: strawberry.Info):
    """One query for the roles of every account of the response."""
    return info.context.loader(GRANTS_LOADER, _load_grants)


def forget_account_roles(info: strawberry.Info) -> None:
    """After a mutation changed role assignments: later fields of the request read them afresh."""
    info.context.loaders.pop(GRANTS_LOADER, None)


async def _load_grants(usernames: list[str]) -> list[list[tuple[str, str]]]:
    found = await users.grants_of_users(usernames)
    return [found[name] for name in usernames]


async def _load_home_codes(regency_ids: list[int]) -> list[str | None]:
    codes = dict(await Regency.filter(id__in=sorted(set(regency_ids))).values_list("id", "code"))
    return [codes.get(pk) for pk in regency_ids]


async def _home_code(root: Any, info: strawberry.Info) -> str | None:
    """The code of the account's home regency: it tells which grant is the account role.
    Read unscoped (a regency's code is public), one query for the accounts of the response."""
    if root.regency_id is None:
        return None
    return await info.context.loader(("home-code", "User"), _load_home_codes).load(root.regency_id)


def type_fields(ns, registry) -> dict[str, dict[str, Any]]:
    async def role(root: strawberry.Parent[Any], info: strawberry.Info) -> str | None:
        grants = await _grants_loader(info).load(root.username)
        return users.shown_role(grants, await _home_code(root, info))

    async def grants(root: strawberry.Parent[Any], info: strawberry.Info) -> list[RoleGrant]:
        return [RoleGrant(role=r, domain=d) for r, d in await _grants_loader(info).load(root.username)]

    return {
        "User": {
            "role": strawberry.field(
                resolver=role,
                description="The account role (`kominfo_admin`, `regency_staff`), read from the policy store; "
                "null when the account holds no role.",
                extensions=[AS_VISIBLE_AS_THE_ACCOUNT],
            ),
            "grants": strawberry.field(
                resolver=grants,
                description="Every role the account holds, and where.",
                extensions=[AS_VISIBLE_AS_THE_ACCOUNT],
            ),
        }
    }


def query_fields(ns, registry) -> dict[str, Any]:
    def me(info: strawberry.Info) -> Any:
        return info.context.access.user

    me.__annotations__["return"] = "User | None"
    me.__module__ = ns.module.__name__
    return {
        "me": strawberry.field(
            resolver=me,
            description="The signed-in user; null when anonymous.",
            extensions=[Public("every caller may ask who they are; anonymous callers get null")],
        ),
    }


def mutation_fields(ns, registry) -> dict[str, Any]:
    payload = ns.make(
        "LoginPayload", {"token": str, "user": "User"},
        description="A signed, expiring token to send as `Authorization: Bearer <token>`, and who it belongs to.",
    )

    async def login(
        info: strawberry.Info,
        username: Annotated[str, strawberry.argument(description="The account's sign-in name (any letter case).")],
        password: Annotated[str, strawberry.argument(description="The account's password.")],
    ) -> Any:
        user = await accounts.authenticate(username, password, info.context.client_address)
        return payload(token=accounts.issue_token(user), user=user)

    async def create_user(
        info: strawberry.Info, input: Annotated[UserCreateInput, strawberry.argument(description="The new account.")]
    ) -> Any:
        user = await users.create_user(info.context.access, **_given(input))
        forget_account_roles(info)
        return user

    async def update_user(
        info: strawberry.Info,
        id: AccountId,
        input: Annotated[UserUpdateInput, strawberry.argument(description="The fields to change, with their new values.")],
    ) -> Any:
        user = await users.update_user(info.context.access, id, **_given(input))
        forget_account_roles(info)
        return user

    async def delete_user(info: strawberry.Info, id: AccountId) -> strawberry.ID:
        deleted = await users.delete_user(info.context.access, id)
        forget_account_roles(info)
        return strawberry.ID(str(deleted))

    login.__annotations__["return"] = "LoginPayload"
    create_user.__annotations__["return"] = "User"
    update_user.__annotations__["return"] = "User"
    for fn in (login, create_user, update_user, delete_user):
        fn.__module__ = ns.module.__name__
    return {
        "login": strawberry.mutation(
            resolver=login,
            description="Sign in; wrong credentials are UNAUTHENTICATED.",
            extensions=[Public("signing in is for everyone; throttled per username and per client address")],
        ),
        "create_user": strawberry.mutation(
            resolver=create_user,
            description="Create an account with its account role; only in regencies your own grant covers.",
            extensions=[Requires("User", "create")],
        ),
        "update_user": strawberry.mutation(
            resolver=update_user,
            description="Change an account: password, account role, home regency or active flag.",
            extensions=[Requires("User", "update")],
        ),
        "delete_user": strawberry.mutation(
            resolver=delete_user,
            description="Delete an account and every role it holds; returns its id.",
            extensions=[Requires("User", "delete")],
        ),
    }

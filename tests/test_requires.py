"""Every hand-written operation declares what it requires; generated from the schema and the panel's routes.

The generated operations (list, single, create, update, delete of each model,
named from the registry) ask the policy through ``permissions.rows`` and the
CRUD service. Every other root field of the API must carry ``Requires(object,
action)`` or an explicit ``Public(reason)`` (schema/requires.py), and every
route of the panel's hand-written pages (admin/domain) a ``requires(object,
action)`` dependency (admin/context.py). A new operation that declares nothing
fails here, as the tests below prove with one built for the purpose.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
import strawberry
from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

import admin.domain
from admin.context import Requirement, requires, signed_in
from models.registry import Registry, registry_from_modules
from schema.builder import DOMAIN_MODULES, build_schema
from schema.requires import Public, Requires, declaration_of

REGISTRY = registry_from_modules(["models"])
ROOTS = ("Query", "Mutation", "Subscription")


def generated_operations(registry: Registry) -> set[str]:
    """The root fields the registry generates (Python names, as Strawberry keeps them)."""
    names = set()
    for spec in registry:
        offered = {
            "list": spec.plural, "get": spec.singular,
            "create": f"create{spec.name}", "update": f"update{spec.name}", "delete": f"delete{spec.name}",
        }
        names |= {name for operation, name in offered.items() if spec.declaration.allows(operation)}
    return names


def root_fields(schema) -> list[tuple[str, Any]]:
    """("Query.trackComplaint", field) for every field of the root types."""
    found = []
    for root in ROOTS:
        definition = schema.get_type_by_name(root)
        if definition is not None:
            found += [(f"{root}.{schema.config.name_converter.from_field(f)}", f) for f in definition.fields]
    return found


def undeclared_operations(schema, registry: Registry) -> list[str]:
    generated = generated_operations(registry)
    return [
        path for path, field in root_fields(schema)
        if field.python_name not in generated and declaration_of(field) is None
    ]


# --- the API -----------------------------------------------------------------------------------


def test_every_hand_written_operation_declares_what_it_requires():
    schema = build_schema(REGISTRY)
    assert undeclared_operations(schema, REGISTRY) == []


def test_the_declarations_say_what_the_contract_says():
    schema = build_schema(REGISTRY)
    declared = {path: declaration_of(field) for path, field in root_fields(schema)}

    def required(path: str) -> tuple[str, str]:
        declaration = declared[path]
        assert isinstance(declaration, Requires), path
        return declaration.object, declaration.action_for({})

    # Open on purpose: signing in and asking who one is.
    assert {p for p, d in declared.items() if isinstance(d, Public)} == {"Mutation.login", "Query.me"}
    # Open to the public through the policy, which grants them to everyone.
    assert required("Mutation.submitComplaint") == ("Complaint", "submit")
    assert required("Query.trackComplaint") == ("Complaint", "track")
    assert required("Mutation.transitionComplaint") == ("Complaint", "transition")
    for path in ("Query.policyRules", "Mutation.addPolicyRule", "Mutation.removePolicyRule",
                 "Mutation.assignRole", "Mutation.revokeRole"):
        assert required(path) == ("Policy", "manage"), path
    for action in ("create", "update", "delete"):
        assert required(f"Mutation.{action}User") == ("User", action)
    watching = declared["Subscription.complaintUpdated"]
    assert (watching.action_for({"tracking_code": "ADU-3215-2026-000001-K7QX9M"}), watching.action_for({})) == ("track", "read")
    # Accounts are read through the generated, scoped operations, not a hand-written list.
    assert {"users", "user"} <= generated_operations(REGISTRY)


# A domain module for the proof below: build_schema imports it by name, like the product's.
def query_fields(ns, registry) -> dict[str, Any]:
    def every_secret() -> list[str]:
        return ["nobody declared who may read this"]

    return {"every_secret": strawberry.field(resolver=every_secret)}


def test_an_operation_that_declares_nothing_is_found():
    # Given the product's domain modules plus one whose query declares nothing
    schema = build_schema(REGISTRY, domain_modules=(*DOMAIN_MODULES, __name__))
    # Then the walk names it, and only it
    assert undeclared_operations(schema, REGISTRY) == ["Query.everySecret"]


def test_a_declaration_describes_itself_to_the_reader_of_the_api():
    sdl = build_schema(REGISTRY).as_str()
    assert "Needs the `manage` permission on `Policy`." in sdl
    with pytest.raises(TypeError, match="note"):
        Requires("Complaint", lambda arguments: "read")
    with pytest.raises(ValueError, match="reason"):
        Public(" ")


async def test_a_refused_operation_runs_nothing(world, as_role):
    from models import User

    # Given staff, who may not create accounts: the refusal comes before any input is looked at
    body = await as_role("staff.karawang")(
        'mutation { createUser(input: {username: "x", password: "y", role: "nonsense"}) { id } }'
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert not await User.filter(username="x").exists()
    # ... and the public may not read the policy
    anonymous = await as_role("anonymous")("{ policyRules { role } }")
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]


# --- the panel ---------------------------------------------------------------------------------


def requirements_of(route: APIRoute) -> list[Requirement]:
    found, pending = [], list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if isinstance(dependency.call, Requirement):
            found.append(dependency.call)
        pending += dependency.dependencies
    return found


def undeclared_routes(routers: dict[str, APIRouter]) -> list[str]:
    return [
        f"{module}: {sorted(route.methods)} {route.path}"
        for module, router in routers.items()
        for route in router.routes
        if isinstance(route, APIRoute) and not requirements_of(route)
    ]


def domain_routers() -> dict[str, APIRouter]:
    routers = {}
    for info in pkgutil.iter_modules(admin.domain.__path__):
        module = importlib.import_module(f"admin.domain.{info.name}")
        if isinstance(getattr(module, "router", None), APIRouter):
            routers[module.__name__] = module.router
    return routers


def test_every_panel_route_declares_what_it_requires():
    routers = domain_routers()
    assert {"admin.domain.accounts", "admin.domain.audit", "admin.domain.complaints", "admin.domain.policies"} <= set(routers)
    assert undeclared_routes(routers) == []
    declared = {
        (route.path, method): (r.object, r.action)
        for router in routers.values() for route in router.routes for r in requirements_of(route) for method in route.methods
    }
    assert declared[("/policy/list", "GET")] == declared[("/audit/list", "GET")] == ("Policy", "manage")
    assert declared[("/user/list", "GET")] == ("User", "read")
    assert declared[("/user/delete/{user_id}", "POST")] == ("User", "delete")
    assert declared[("/complaint/transition/{pk}", "POST")] == ("Complaint", "transition")


def test_a_panel_route_that_declares_nothing_is_found():
    router = APIRouter()

    @router.get("/secret/list")
    async def secret(panel=Depends(signed_in)) -> None:  # signed in, but nothing declared
        return None

    @router.get("/declared/list", dependencies=[Depends(requires("Policy", "manage"))])
    async def declared() -> None:
        return None

    assert undeclared_routes({"a test": router}) == ["a test: ['GET'] /secret/list"]


async def test_the_panel_refuses_before_the_page_runs(world):
    from tests.admin_client import AdminClient, admin_asgi, client_for

    async with client_for(admin_asgi()) as http:
        staff = AdminClient(http)
        assert (await staff.login("staff.karawang")).status_code == 303
        for page in ("/admin/user/list", "/admin/user/create", "/admin/policy/list", "/admin/audit/list"):
            assert (await staff.get(page)).status_code == 403, page
        # a write is refused by the requirement even with a valid CSRF token
        refused = await staff.post("/admin/policy/add-rule", {"role": "regency_staff", "domain": "*", "object": "App", "action": "create"})
        assert refused.status_code == 403
    async with client_for(admin_asgi()) as http:
        assert (await AdminClient(http).get("/admin/user/list")).headers["location"] == "/admin/login"

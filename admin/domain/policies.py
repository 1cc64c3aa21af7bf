"""The access policy for people, for whoever may ``manage`` the ``Policy`` (Kominfo admins).

- **Per role, a grid**: models × actions as checkboxes with the panel's labels, and a sentence
  saying what the role is for ("Petugas kabupaten: membaca dan menindaklanjuti pengaduan
  wilayahnya"). A role's grid is its rules in the domain it holds them in (``*``; ``public`` for
  the public role); a cell a wildcard rule covers shows checked and fixed. Saving a grid adds and
  removes rules, all in one transaction.
- **Role assignments**: who holds which role where, the regency picked from a list.
- **Advanced**: the raw Casbin rules, to add or remove any rule (other domains, wildcards).

Every removal and revocation asks first: a ``<dialog>`` in the page, and without JavaScript a
confirmation page (a change that removes anything runs only with ``confirmed=yes``). Every
change goes through ``permissions.management`` (which refuses to remove the last administrator,
reason ``LAST_ADMIN``) and is in the audit log as done by the signed-in person from the panel;
it applies on the next request in every worker.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response
from starlette.status import HTTP_400_BAD_REQUEST

from admin import i18n
from admin.context import Panel, csrf_checked, requires
from admin.rendering import redirect, render_page
from admin.resources import DomainPage
from core.errors import BadUserInput

router = APIRouter()
BASE = "/policy"
MANAGE_POLICY = requires("Policy", "manage")
#: form fields → management function arguments, per single change the page offers.
CHANGES = {
    "add-rule": ("add_rule", ("role", "domain", "object", "action")),
    "remove-rule": ("remove_rule", ("role", "domain", "object", "action")),
    "assign-role": ("assign_role", ("username", "role", "domain")),
    "revoke-role": ("revoke_role", ("username", "role", "domain")),
}
#: Changes that take something away: they run only once confirmed.
DESTRUCTIVE = {"remove-rule", "revoke-role"}
#: The roles the platform ships, most powerful first; others follow in name order.
KNOWN_ROLES = ("kominfo_admin", "regency_staff", "public")
CONFIRMED = "yes"


# --- labels ---------------------------------------------------------------------------------------


def _entry(key: str) -> str | None:
    text = i18n.gettext(key)
    return None if text == key or not text else text


def role_label(role: str) -> str:
    return _entry(f"policy_role|{role}") or role


def action_label(action: str) -> str:
    return _entry(f"policy_action|{action}") or i18n.humanize(action)


def object_label(obj: str) -> str:
    return _entry(f"policy_object|{obj}") or i18n.model_label(obj)


def domain_label(domain: str, regencies: dict[str, str]) -> str:
    """``*`` and ``public`` in words, a regency code as ``Kabupaten Karawang (32.15)``."""
    named = _entry(f"policy_domain|{domain}")
    if named:
        return named
    return f"{regencies[domain]} ({domain})" if domain in regencies else domain


def rule_text(rule: tuple[str, str, str, str], regencies: dict[str, str]) -> str:
    """``Lihat · Pengaduan · Semua wilayah``: one rule in words (the role named elsewhere)."""
    _, domain, obj, act = rule
    return f"{action_label(act)} · {object_label(obj)} · {domain_label(domain, regencies)}"


# --- the grid -------------------------------------------------------------------------------------


@dataclass
class Cell:
    obj: str
    action: str
    #: "on" (a rule of its own), "off", "covered" (a wildcard rule allows it), None (does not apply).
    state: str | None

    @property
    def key(self) -> str:
        return f"{self.obj}|{self.action}"


@dataclass
class RoleGrid:
    role: str
    label: str
    about: str
    #: The domain the grid's rules hold in: "*", or "public" for the public role.
    domain: str
    holders: list[str]
    rows: list[tuple[str, str, list[Cell]]] = field(default_factory=list)
    #: Rules of the role the grid does not show (wildcards, one regency), in words.
    other_rules: list[str] = field(default_factory=list)


def grid_domain(role: str) -> str:
    from permissions.terms import ANY, PUBLIC

    return PUBLIC if role == PUBLIC else ANY


def applicable_actions(registry, rules) -> dict[str, list[str]]:
    """Object → the actions a grid offers for it: what its declaration offers, plus any action a rule
    or a declared grant names for it. ``User`` is managed by the account pages (read, create, update,
    delete); the ``Policy`` only by ``manage``."""
    from permissions.terms import ACTIONS, MANAGEMENT_OBJECTS

    named: dict[str, set[str]] = {}
    for _, _, obj, act in rules:
        named.setdefault(obj, set()).add(act)
    offered: dict[str, list[str]] = {}
    for spec in registry:
        if spec.name in MANAGEMENT_OBJECTS:
            continue
        wanted = {"read"} | {op for op in ("create", "update", "delete") if spec.declaration.allows(op)}
        if spec.declaration.personal:
            wanted.add("read_personal")
        for actions in spec.declaration.grants.values():
            wanted |= set(actions)
        wanted |= named.get(spec.name, set())
        offered[spec.name] = [a for a in ACTIONS if a in wanted]
    offered["User"] = ["read", "create", "update", "delete"]
    offered["Policy"] = ["manage"]
    return offered


def _roles(rules, assignments) -> list[str]:
    found = {r[0] for r in rules} | {role for _, role, _ in assignments}
    return [r for r in KNOWN_ROLES if r in found] + sorted(found - set(KNOWN_ROLES))


def build_grids(registry, rules, assignments, regencies: dict[str, str]) -> tuple[list[RoleGrid], list[str]]:
    """One grid per role, and the actions (columns) any grid offers, in ``ACTIONS`` order."""
    from permissions.terms import ACTIONS, ANY

    offered = applicable_actions(registry, rules)
    columns = [a for a in ACTIONS if any(a in acts for acts in offered.values())]
    grids = []
    for role in _roles(rules, assignments):
        domain = grid_domain(role)
        own = {(o, a) for r, d, o, a in rules if r == role and d == domain}
        grid = RoleGrid(role=role, label=role_label(role), about="", domain=domain,
                        holders=sorted({u for u, r, _ in assignments if r == role}))
        for obj, actions in offered.items():
            cells = []
            for action in columns:
                if action not in actions:
                    cells.append(Cell(obj, action, None))
                elif (obj, action) in own:
                    cells.append(Cell(obj, action, "on"))
                elif (obj, ANY) in own or (ANY, action) in own or (ANY, ANY) in own:
                    cells.append(Cell(obj, action, "covered"))
                else:
                    cells.append(Cell(obj, action, "off"))
            grid.rows.append((obj, object_label(obj), cells))
        grid.other_rules = [
            rule_text(rule, regencies) for rule in rules
            if rule[0] == role and (rule[1] != domain or ANY in (rule[2], rule[3]))
        ]
        grid.about = _entry(f"policy_role_about|{role}") or _generated_about(grid)
        grids.append(grid)
    return grids, columns


def _generated_about(grid: RoleGrid) -> str:
    """A sentence for a role nobody described: what its grid allows."""
    allowed = [f"{action_label(c.action)} {label}" for _, label, cells in grid.rows for c in cells
               if c.state in ("on", "covered")]
    rights = ", ".join(allowed) if allowed else i18n.gettext("policy_no_rights")
    return i18n.gettext("policy_role_about_other") % {"role": grid.label, "rights": rights}


# --- pages ----------------------------------------------------------------------------------------


async def _regencies() -> dict[str, str]:
    from models import Regency

    return dict(await Regency.all().order_by("name").values_list("code", "name"))


async def _assignments() -> list[tuple[str, str, str]]:
    from casbin_tortoise_adapter import CasbinRule

    rows = await CasbinRule.filter(ptype="g").order_by("v0", "v1", "v2").values_list("v0", "v1", "v2")
    return [tuple(row) for row in rows]


def _message(error: BadUserInput) -> str:
    """A refusal in the panel's language (``error|<REASON>`` in the catalogue, e.g. ``LAST_ADMIN``)."""
    return i18n.error_text(error)


async def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    from models import User
    from permissions import management
    from permissions.terms import ACTIONS, ANY, PUBLIC

    registry = request.app.state.registry
    rules = await management.list_rules()
    assignments = await _assignments()
    regencies = await _regencies()
    grids, columns = build_grids(registry, rules, assignments, regencies)
    roles = [g.role for g in grids]
    return render_page(request, "simpul/policies.html", {
        "page_title": i18n.gettext("policies"), "resource_label": i18n.gettext("policies"),
        "error": error, "done": request.query_params.get("done") == "1",
        "advanced": request.query_params.get("view") == "advanced",
        "grids": grids, "columns": columns, "action_label": action_label,
        "rules": [(rule, role_label(rule[0]), rule_text(rule, regencies)) for rule in rules],
        "assignments": [(u, r, d, role_label(r), domain_label(d, regencies)) for u, r, d in assignments],
        "usernames": await User.all().order_by("username").values_list("username", flat=True),
        "assignable_roles": [(r, role_label(r)) for r in roles if r != PUBLIC],
        "domains": [(ANY, domain_label(ANY, regencies)), (PUBLIC, domain_label(PUBLIC, regencies))]
                   + [(code, domain_label(code, regencies)) for code in regencies],
        "regency_domains": [(ANY, domain_label(ANY, regencies))]
                           + [(code, domain_label(code, regencies)) for code in regencies],
        "objects": [(ANY, object_label(ANY)), *[(o, object_label(o)) for o in management.policy_objects(registry)]],
        "actions": [(ANY, action_label(ANY)), *[(a, action_label(a)) for a in ACTIONS]],
        "roles": roles,
    }, status_code=status_code)


async def _confirm(request: Request, *, sentence: str, items: list[str], extra: list[str], action: str,
                   fields: list[tuple[str, str]]) -> Response:
    """The confirmation page of a change that takes something away (the page without JavaScript)."""
    return render_page(request, "simpul/policies.html", {
        "page_title": i18n.gettext("policies"), "resource_label": i18n.gettext("policies"),
        "confirm": {
            "sentence": sentence, "items": items, "extra": extra,
            "action": request.app.admin_path + BASE + "/" + action, "fields": fields,
            "cancel": request.app.admin_path + BASE + "/list",
        },
    })


def _done(request: Request, *, advanced: bool = False) -> Response:
    view = "&view=advanced" if advanced else ""
    return redirect(f"{request.app.admin_path}{BASE}/list?done=1{view}")


@router.get(BASE + "/list", name="policy_list", dependencies=[Depends(MANAGE_POLICY)])
async def policy_list(request: Request) -> Response:
    return await _page(request)


@router.post(BASE + "/grid", name="policy_grid", dependencies=[Depends(MANAGE_POLICY)])
async def policy_grid(request: Request, panel: Panel = Depends(csrf_checked)) -> Response:
    """Save one role's grid: rules for newly checked cells, none for cleared ones (asked first)."""
    from tortoise.transactions import in_transaction

    from permissions import management
    from permissions.enforcer import policy_engine
    from services import audit

    form = await request.form()
    role = str(form.get("role") or "").strip()
    domain = grid_domain(role)
    registry = request.app.state.registry
    rules = await management.list_rules()
    offered = applicable_actions(registry, rules)
    own = {(o, a) for r, d, o, a in rules if r == role and d == domain}

    def cells(name: str) -> set[tuple[str, str]]:
        found = set()
        for raw in form.getlist(name):
            obj, _, action = str(raw).partition("|")
            if action in offered.get(obj, ()):
                found.add((obj, action))
        return found

    checked, shown = cells("cell"), cells("shown")
    added = sorted(checked - own)
    removed = sorted((shown & own) - checked)
    if removed and form.get("confirmed") != CONFIRMED:
        regencies = await _regencies()
        return await _confirm(
            request,
            sentence=i18n.gettext("policy_confirm_grid") % {"role": role_label(role)},
            items=[rule_text((role, domain, o, a), regencies) for o, a in removed],
            extra=[rule_text((role, domain, o, a), regencies) for o, a in added],
            action="grid",
            fields=[("role", role), *[("shown", f"{o}|{a}") for o, a in sorted(shown)],
                    *[("cell", f"{o}|{a}") for o, a in sorted(checked)]],
        )
    record = audit.recorder(panel.user, source="admin")
    try:
        async with in_transaction():
            for obj, action in added:
                await management.add_rule(role, domain, obj, action, registry=registry, audit=record)
            for obj, action in removed:
                await management.remove_rule(role, domain, obj, action, audit=record)
    except BadUserInput as error:
        return await _page(request, error=_message(error), status_code=HTTP_400_BAD_REQUEST)
    # Each change announced itself inside our transaction; announce the committed whole once more.
    await policy_engine().announce_change()
    return _done(request)


@router.post(BASE + "/{change}", name="policy_change", dependencies=[Depends(MANAGE_POLICY)])
async def policy_change(request: Request, change: str, panel: Panel = Depends(csrf_checked)) -> Response:
    from permissions import management
    from services import audit

    if change not in CHANGES:
        raise HTTPException(status_code=404)
    function, names = CHANGES[change]
    form = await request.form()
    values = [str(form.get(n) or "").strip() for n in names]
    if change in DESTRUCTIVE and form.get("confirmed") != CONFIRMED:
        regencies = await _regencies()
        if change == "remove-rule":
            role = values[0]
            sentence = i18n.gettext("policy_confirm_remove_rule") % {"role": role_label(role)}
            items = [rule_text(tuple(values), regencies)]
        else:
            username, role, domain = values
            sentence = i18n.gettext("policy_confirm_revoke") % {
                "username": username, "role": role_label(role), "domain": domain_label(domain, regencies)}
            items = []
        return await _confirm(request, sentence=sentence, items=items, extra=[], action=change,
                              fields=list(zip(names, values)))
    extra = {"registry": request.app.state.registry} if function == "add_rule" else {}
    try:
        await getattr(management, function)(*values, audit=audit.recorder(panel.user, source="admin"), **extra)
    except BadUserInput as error:
        return await _page(request, error=_message(error), status_code=HTTP_400_BAD_REQUEST)
    return _done(request, advanced=change.endswith("-rule"))


def install(app) -> None:
    app.state.resources.add_page(DomainPage(
        url=BASE + "/list", label_key="policies", icon="fas fa-user-shield",
        visible_to=MANAGE_POLICY.allows,
    ))
    app.include_router(router)

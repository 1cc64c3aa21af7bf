"""Who calls the platform in the tests, and what each caller may do: the one oracle of the permission tests.

The callers are defined here and nowhere else (conftest's fixtures and every
test import them). Every expectation the permission tests check is derived
here from two things only:

- the grants the models declare (``class Simpul: grants``), read the way
  ``models.declaration`` documents them, plus the contract's administrator:
  ``kominfo_admin`` may do everything, everywhere;
- the rows of the world under test (their regency and whether they are
  published), read from the database.

So a model added with grants is covered by the generated decision, API, leak
and panel tests with no test edit, and a model with none is expected to be
invisible to everyone but Kominfo (default deny).

How a grant reads (the contract's Roles section, ``permissions/model.conf``):

- ``public`` grants hold for everyone, signed in or not, on the model's
  ``published`` rows (every row when it declares no rule);
- any other role's grants hold wherever a caller holds the role: every regency
  when held in ``*``, else the regencies it is held in, i.e. the rows whose
  ``regency_path`` names one of them (none of a global model's rows);
- ``read_personal`` on a row's regency makes its personal fields readable;
  through ``public`` only on a model that publishes every row (the product
  does not check a published rule per row for it).
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from permissions.terms import ANY, PUBLIC

if TYPE_CHECKING:
    from models.registry import ModelSpec, Registry
    from models.user import User

#: A permission rule as (role, domain, object, action), as the policy store holds it.
Rule = tuple[str, str, str, str]

#: The contract's administrator role: every regency, every model, users and policies.
ADMIN_ROLE = "kominfo_admin"
#: The role of a regency's staff.
STAFF_ROLE = "regency_staff"
#: The generated GraphQL operations and the action each needs.
OPERATION_ACTION = {"list": "read", "get": "read", "create": "create", "update": "update", "delete": "delete"}


# --- the callers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A user of the tests: a name to sign in with, a role and where it is held (``*`` or regency codes)."""

    name: str
    #: None for the anonymous caller, who holds only what ``public`` holds.
    role: str | None
    domains: tuple[str, ...] = ()

    @property
    def anonymous(self) -> bool:
        return self.role is None

    @property
    def home(self) -> str | None:
        """The first regency the role is held in (the account's home regency), or None."""
        return next((d for d in self.domains if d not in (ANY, PUBLIC)), None)

    def __str__(self) -> str:
        return self.name


KOMINFO = Caller("kominfo", ADMIN_ROLE, (ANY,))
STAFF_KARAWANG = Caller("staff.karawang", STAFF_ROLE, ("32.15",))
STAFF_BEKASI = Caller("staff.bekasi", STAFF_ROLE, ("32.16",))
#: Staff who hold the role in two regencies: sees the union of both, never less than either.
OFFICER = Caller("officer", STAFF_ROLE, ("32.15", "32.16"))
ANONYMOUS = Caller("anonymous", None)

#: Every caller the permission tests ask about.
CALLERS: tuple[Caller, ...] = (KOMINFO, STAFF_KARAWANG, STAFF_BEKASI, OFFICER, ANONYMOUS)
CALLER: dict[str, Caller] = {c.name: c for c in CALLERS}
#: The callers the shared world (tests/world.py) signs in: the contract's demo users and anonymous.
#: The ``callers`` fixture (conftest) enrols the others on top of it.
ROLES: tuple[str, ...] = ("kominfo", "staff.karawang", "staff.bekasi", "anonymous")


def denied_code(caller: Caller) -> str:
    """The contract's error for an action the caller's role lacks."""
    return "UNAUTHENTICATED" if caller.anonymous else "FORBIDDEN"


async def enrol(caller: Caller) -> "User":
    """Create ``caller``'s account (password ``tests.world.PASSWORD``) and assign its role in each of its domains."""
    from models import Regency, User
    from permissions.management import assign_role
    from tests.world import _HASH

    home = await Regency.get_or_none(code=caller.home) if caller.home else None
    # User.role is on its way out (roles live in the policy store): fill it only while the column exists.
    column = {"role": caller.role} if "role" in User._meta.fields_map else {}
    user = await User.create(username=caller.name, password_hash=_HASH, regency=home, **column)
    for domain in caller.domains:
        await assign_role(caller.name, caller.role, domain)
    return user


# --- the oracle -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What ``Access.decide`` must answer, field by field (``permissions.access.Decision``)."""

    allowed: bool
    everywhere: bool
    regencies: frozenset[str]
    published: bool

    def astuple(self) -> tuple[bool, bool, frozenset[str], bool]:
        return self.allowed, self.everywhere, self.regencies, self.published


DENIED = Expected(False, False, frozenset(), False)


@dataclass(frozen=True)
class RowFacts:
    """What the policy needs to know of one row."""

    pk: Any
    #: The row's regency code (its ``regency_path``), None for global data.
    regency: str | None
    #: Among the declaration's published rows (always, when it declares no rule).
    published: bool


def rules_declared_by(registry: "Registry") -> tuple[Rule, ...]:
    """The administrator's rule, then every model's grants as the declaration documents them."""
    rules: list[Rule] = [(ADMIN_ROLE, ANY, ANY, ANY)]
    for spec in registry:
        for role, actions in spec.declaration.grants.items():
            domain = PUBLIC if role == PUBLIC else ANY
            rules.extend((role, domain, spec.name, action) for action in actions)
    return tuple(dict.fromkeys(rules))


class Oracle:
    """Expected decisions, row scopes, API outcomes and panel pages, from the declared grants."""

    def __init__(self, registry: "Registry", rules: tuple[Rule, ...] | None = None):
        self.registry = registry
        self.rules = rules if rules is not None else rules_declared_by(registry)

    # --- may this run? ---------------------------------------------------------------------

    def _granted(self, role: str, domain: str, model: str, action: str) -> bool:
        """Does a rule give ``role`` this action in ``domain``? (``*`` in a rule matches anything)"""
        return any(
            r == role and d in (ANY, domain) and o in (ANY, model) and a in (ANY, action)
            for r, d, o, a in self.rules
        )

    def decision(self, caller: Caller, model: str, action: str) -> Expected:
        published = self._granted(PUBLIC, PUBLIC, model, action) or (
            PUBLIC in caller.domains and self._granted(caller.role, PUBLIC, model, action)
        )
        if caller.anonymous:
            return Expected(published, False, frozenset(), published)
        if ANY in caller.domains and self._granted(caller.role, ANY, model, action):
            return Expected(True, True, frozenset(), published)
        candidates = {d for d in caller.domains if d not in (ANY, PUBLIC)}
        if ANY in caller.domains:  # a role held everywhere also gets rules written for one regency
            candidates |= {d for _, d, _, _ in self.rules if d not in (ANY, PUBLIC)}
        regencies = frozenset(d for d in candidates if self._granted(caller.role, d, model, action))
        return Expected(bool(regencies) or published, False, regencies, published)

    def allowed(self, caller: Caller, model: str, action: str) -> bool:
        return self.decision(caller, model, action).allowed

    def readable_models(self, caller: Caller) -> set[str]:
        return {spec.name for spec in self.registry if self.allowed(caller, spec.name, "read")}

    # --- which rows? -----------------------------------------------------------------------

    def may(self, caller: Caller, spec: "ModelSpec", action: str, row: RowFacts) -> bool:
        """May ``caller`` ``action`` this row? (the parts of a decision are OR-ed)"""
        decision = self.decision(caller, spec.name, action)
        if decision.everywhere:
            return True
        if decision.published and row.published:
            return True
        return row.regency is not None and row.regency in decision.regencies

    def may_read_personal(self, caller: Caller, spec: "ModelSpec", row: RowFacts) -> bool:
        decision = self.decision(caller, spec.name, "read_personal")
        if decision.everywhere:
            return True
        if decision.published and spec.declaration.published is None:
            return True
        return row.regency is not None and row.regency in decision.regencies

    def shown_personal(self, caller: Caller, spec: "ModelSpec", row: Any, facts: RowFacts) -> dict[str, Any]:
        """The personal fields of ``row`` as the API must show them to ``caller`` (GraphQL names)."""
        from models.registry import camel

        may = self.may_read_personal(caller, spec, facts)
        return {camel(name): as_json(getattr(row, name)) if may else None for name in spec.declaration.personal}

    async def facts(self, spec: "ModelSpec") -> dict[Any, RowFacts]:
        """Every row of the model in the database, by primary key."""
        path, rule = spec.declaration.regency_path, spec.declaration.published
        if path is None:
            regencies = {pk: None for pk in await spec.model.all().values_list(spec.pk, flat=True)}
        else:
            regencies = dict(await spec.model.all().values_list(spec.pk, path))
        published = set(regencies) if rule is None else set(
            await spec.model.filter(**rule).values_list(spec.pk, flat=True)
        )
        return {pk: RowFacts(pk, code, pk in published) for pk, code in regencies.items()}

    async def rows(self, caller: Caller, spec: "ModelSpec", action: str = "read") -> set[Any]:
        """Primary keys of the rows ``caller`` may ``action``, among every row in the database."""
        return {pk for pk, row in (await self.facts(spec)).items() if self.may(caller, spec, action, row)}

    # --- the API and the panel --------------------------------------------------------------

    def api_outcome(self, caller: Caller, spec: "ModelSpec", operation: str, row: RowFacts) -> str:
        """"ok", "hidden" (absent from reads, no error) or the error code of a generated operation on ``row``.

        A model the caller may not ``action`` at all: UNAUTHENTICATED/FORBIDDEN.
        A row outside the caller's scope: hidden from reads, FORBIDDEN for a
        create there, NOT_FOUND for update/delete (its existence never shows).
        """
        action = OPERATION_ACTION[operation]
        if not self.allowed(caller, spec.name, action):
            return denied_code(caller)
        inside = self.may(caller, spec, action, row)
        if operation in ("list", "get"):
            return "ok" if inside else "hidden"
        if operation == "create":
            return "ok" if inside else "FORBIDDEN"
        return "ok" if inside else "NOT_FOUND"

    def panel_status(self, caller: Caller, model: str) -> int:
        """HTTP status of a model's panel list: 303 to the login page when anonymous, 200 or 403."""
        if caller.anonymous:
            return 303
        return 200 if self.allowed(caller, model, "read") else 403


def as_json(value: Any) -> Any:
    """A Python field value as the API writes it."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@lru_cache(maxsize=1)
def oracle() -> Oracle:
    """The oracle of the tests' registry (product models and tests/throwaway_models.py)."""
    from tests.conftest import registry_for_tests

    return Oracle(registry_for_tests())

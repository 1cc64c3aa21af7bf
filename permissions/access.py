"""What one caller may do, decided once per (model, action) for the life of one request.

Use it in two steps, as Keystone splits ``access.operation`` from ``access.filter``:

    access = await access_for(user)                 # once per request
    access.require("Complaint", "read")             # may this run at all? (raises)
    rows = Complaint.filter(access.row_filter(spec, "read"))   # which rows (SQL)

Anonymous callers and signed-in users both hold the ``public`` role in the
``public`` domain; a signed-in user adds the roles assigned to their username
(``g, <username>, <role>, <regency code | *>``), in every regency they hold one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q

from core.errors import Forbidden, Unauthenticated
from models.declaration import declaration_of
from permissions.enforcer import PolicyEngine, policy_engine
from permissions.scope import RegencyMembership, row_filter_for
from permissions.terms import ANY, PUBLIC

if TYPE_CHECKING:
    from tortoise.models import Model

    from models.registry import ModelSpec
    from models.user import User

log = logging.getLogger("simpul.permissions")


@dataclass(frozen=True)
class Decision:
    """The answer to "may this caller <action> <model>?", and over which rows.

    ``allowed`` is true when any of the three grants holds. When ``everywhere``
    is true the other two are not computed (they add nothing).
    """

    allowed: bool
    #: Granted in domain "*": no row restriction.
    everywhere: bool
    #: Regency codes the grant holds in (empty when ``everywhere``).
    regencies: frozenset[str]
    #: Granted through the public domain: the declaration's published rows.
    published: bool


DENIED = Decision(allowed=False, everywhere=False, regencies=frozenset(), published=False)


class Access:
    """What one caller may do; decisions are cached per (model, action) for the life of the object (one request)."""

    def __init__(self, user: "User | None", engine: PolicyEngine):
        #: The signed-in user, or None for an anonymous caller.
        self.user = user
        self._engine = engine
        self._decisions: dict[tuple[str, str], Decision] = {}
        self._membership = RegencyMembership()
        self._subject = self._subject_for(user)
        # Derived from the rules and the subject alone: remembered by the engine until the rules change.
        subject = self._subject
        self._grants = engine.remembered(("grants", subject), lambda: engine.grants_of(subject)) if subject else []
        self._regency_domains = engine.remembered(("regency domains", subject), self._regencies_to_ask_about)

    def _subject_for(self, user: "User | None") -> str | None:
        """The Casbin subject for ``user``, or None when only the public grants apply."""
        if user is None or not getattr(user, "is_active", True):
            return None
        if user.username in self._engine.remembered(("role names",), self._engine.role_names) or user.username == PUBLIC:
            # A username equal to a role name would inherit that role by name alone.
            log.error("user %r is named like a role; granting only public access", user.username)
            return None
        return user.username

    def _regencies_to_ask_about(self) -> frozenset[str]:
        """Regency domains a grant could hold in: where a role is held, plus, for a role held in
        ``*``, every regency a rule names on its own (``p, auditor, 32.15, Complaint, read``)."""
        held = {domain for _, domain in self._grants}
        candidates = set(held)
        if ANY in held:
            candidates |= self._engine.rule_domains()
        return frozenset(candidates - {ANY, PUBLIC})

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    def grants(self) -> list[tuple[str, str]]:
        """(role, domain) pairs the user holds directly, e.g. ``[("regency_staff", "32.15")]``; for ``me``/debugging."""
        return list(self._grants)

    # --- may this run? ----------------------------------------------------------------------

    def decide(self, model: str, action: str) -> Decision:
        """Sync, cached, no SQL: the enforcer is consulted once per (model, action) per Access."""
        key = (model, action)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decisions[key] = self._engine.remembered(
                ("decision", self._subject, model, action), lambda: self._evaluate(model, action)
            )
        return decision

    def _evaluate(self, model: str, action: str) -> Decision:
        enforce = self._engine.enforce
        domains = {domain for _, domain in self._grants}
        published = enforce(PUBLIC, PUBLIC, model, action) or (
            PUBLIC in domains and enforce(self._subject, PUBLIC, model, action)
        )
        if ANY in domains and enforce(self._subject, ANY, model, action):
            return Decision(allowed=True, everywhere=True, regencies=frozenset(), published=published)
        regencies = frozenset(
            domain for domain in self._regency_domains if enforce(self._subject, domain, model, action)
        )
        return Decision(
            allowed=bool(regencies) or published, everywhere=False, regencies=regencies, published=published
        )

    def require(self, model: str, action: str) -> Decision:
        """The decision, or ``Unauthenticated`` (anonymous) / ``Forbidden`` (signed in) when not allowed."""
        decision = self.decide(model, action)
        if decision.allowed:
            return decision
        if self.is_anonymous:
            raise Unauthenticated(f"Sign in to {action.replace('_', ' ')} {model} records.")
        raise Forbidden(f"Your role does not allow you to {action.replace('_', ' ')} {model} records.")

    # --- which rows? ------------------------------------------------------------------------

    def row_filter(self, target: "ModelSpec | type[Model]", action: str) -> Q | None:
        """None = every row; otherwise a Q on the declaration's regency_path / published rows.

        ``target`` is a registry spec or the declared model class itself. A denied
        decision gives a Q that matches no row (``WHERE 1=0``), never an error:
        callers that must raise call ``require`` first.
        """
        if isinstance(target, type):
            name, declaration = target.__name__, declaration_of(target)
        else:
            name, declaration = target.name, target.declaration
        return row_filter_for(declaration, self.decide(name, action))

    async def can_see_personal(self, spec: "ModelSpec", row: Any) -> bool:
        """May the caller read ``spec.declaration.personal`` fields of ``row``? (``read_personal`` on its regency)

        Cheap per row: no SQL for the decision; at most one query per request to
        map granted regency codes to ids for a ``<fk>__code`` path.
        A ``read_personal`` grant through the public domain counts only for
        models that declare no ``published`` filter (checking the filter per row
        would cost a query per row).
        """
        decision = self.decide(spec.name, "read_personal")
        if decision.everywhere:
            return True
        if decision.published and spec.declaration.published is None:
            return True
        return await self._membership.contains(spec, row, decision.regencies)


async def access_for(user: "User | None") -> Access:
    """The caller's Access for one request; reloads the policy first if it changed (one cache GET, no SQL)."""
    engine = policy_engine()
    await engine.ensure_fresh()
    return Access(user, engine)

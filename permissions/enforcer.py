"""The process-wide Casbin enforcer, kept in step with the policy table across worker processes.

Rules live in the database (casbin-tortoise-adapter's ``casbin_rule`` table);
each process holds them in memory. Every change made through
``permissions.management`` bumps a revision number in the shared cache
(Redis when ``REDIS_URL`` is set). ``ensure_fresh()`` runs once per request:
one cache GET, and a reload from the database only when the revision moved,
so a change takes effect on the next request in every worker.

A rule edited directly in SQL does not bump the revision; it is picked up
when the in-memory copy is older than ``POLICY_MAX_AGE_SECONDS`` (30 s by
default, env ``POLICY_MAX_AGE_SECONDS``). If the cache is unreachable the same
max age bounds how stale a worker can get.

Decisions are remembered per (subject, domain, object, action) until the rules
change: Casbin parses its matcher again (``ast.parse``) and walks every rule on
every call, while every request asks the same few questions. The memory is
emptied whenever the rules are reloaded or announced as changed, so it is never
older than the rules it was taken from.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from functools import lru_cache
from pathlib import Path

import casbin
from casbin_tortoise_adapter import TortoiseAdapter

from core.cache import cache_client
from permissions.terms import ANY

log = logging.getLogger("simpul.permissions")

MODEL_PATH = Path(__file__).with_name("model.conf")
#: Shared-cache key holding the policy revision; every change increments it.
REVISION_KEY = "simpul:policy:revision"
POLICY_MAX_AGE_SECONDS = float(os.environ.get("POLICY_MAX_AGE_SECONDS", "30"))
#: Decisions remembered at most; the oldest is forgotten first. A few roles × regencies × models × actions
#: fit many times over; usernames are subjects too, so the bound keeps many accounts from growing it unchecked.
DECISION_CACHE_SIZE = 10_000
_MISSING = object()


def role_domain_covers(request_domain: str, rule_domain: str) -> bool:
    """A role held in ``*`` holds in every domain; otherwise domains must be equal.

    Casbin calls this for ``g`` with (the domain asked about, the domain of a stored
    role assignment), only when the two differ.
    """
    return rule_domain == ANY or rule_domain == request_domain


class PolicyEngine:
    """One enforcer per process, plus what it needs to know whether it is stale."""

    #: (subject, domain, object, action) -> allowed, for the rules loaded now. A class default so that an
    #: engine built without ``__init__`` (management's ``PolicySnapshot``) gets its own on first use.
    _decisions: dict[tuple[str, str, str, str], bool] | None = None
    #: What ``remembered`` keeps, emptied with the decisions.
    _derived: dict[tuple, object] | None = None

    def __init__(self, max_age_seconds: float = POLICY_MAX_AGE_SECONDS):
        self.enforcer = casbin.AsyncEnforcer(str(MODEL_PATH), TortoiseAdapter())
        self.enforcer.add_named_domain_matching_func("g", role_domain_covers)
        self.max_age_seconds = max_age_seconds
        self._revision: str | None = None
        self._loaded_at: float | None = None  # time.monotonic() of the last load
        self._lock = asyncio.Lock()

    # --- freshness --------------------------------------------------------------------------

    async def ensure_fresh(self) -> None:
        """Reload from the database if another process (or this one) changed the policy."""
        shared = await self._shared_revision()
        if self._is_current(shared):
            return
        async with self._lock:
            if self._is_current(shared):  # a concurrent request reloaded while we waited
                return
            await self.reload(shared)

    async def reload(self, revision: str | None = None) -> None:
        """Load every rule from the database.

        ``revision`` must have been read *before* loading, so a change committed
        during the load still looks new on the next request.
        """
        await self.enforcer.load_policy()
        # After the load, not before: a decision taken from the old rules while it ran must not survive it.
        self.forget_decisions()
        self._revision = revision
        self._loaded_at = time.monotonic()

    def expire(self) -> None:
        """Forget the local copy: the next ``ensure_fresh`` reloads (after a change, or at the max age)."""
        self._loaded_at = None
        self.forget_decisions()

    def remembered(self, key: tuple, compute):
        """A value derived from the rules alone (a subject's grants, a caller's ``Decision``), computed once and
        kept, with the decisions, until the rules change."""
        memo = self._derived
        if memo is None:
            memo = self._derived = {}
        value = memo.get(key, _MISSING)
        if value is _MISSING:
            value = compute()
            if len(memo) >= DECISION_CACHE_SIZE:
                del memo[next(iter(memo))]
            memo[key] = value
        return value

    def forget_decisions(self) -> None:
        """Empty the remembered decisions: the one place every change of the rules in memory passes.

        ``reload`` and ``expire`` call it (every change made through ``permissions.management``,
        ``permissions.defaults``, the services and the panel ends in ``announce_change`` → ``expire``).
        Code that changes ``self.enforcer``'s rules in place must call it too.
        """
        self._decisions = {}
        self._derived = {}

    def _is_current(self, shared: str | None) -> bool:
        if self._loaded_at is None:
            return False
        if time.monotonic() - self._loaded_at > self.max_age_seconds:
            return False
        return shared == self._revision

    async def _shared_revision(self) -> str | None:
        try:
            return await cache_client().get(REVISION_KEY)
        except Exception:  # noqa: BLE001 - a cache outage must not lock everyone out
            log.warning("policy revision unavailable; relying on the %ss max age", self.max_age_seconds)
            return self._revision

    async def announce_change(self) -> None:
        """Tell every process (this one included) to reload before its next decision."""
        try:
            await cache_client().incr(REVISION_KEY)
        except Exception:  # noqa: BLE001
            log.warning("could not bump the policy revision; other workers reload within %ss", self.max_age_seconds)
        self.expire()

    # --- questions --------------------------------------------------------------------------

    def enforce(self, subject: str, domain: str, obj: str, action: str) -> bool:
        key = (subject, domain, obj, action)
        decisions = self._decisions
        if decisions is None:
            decisions = self._decisions = {}
        decision = decisions.get(key)
        if decision is None:
            decision = bool(self.enforcer.enforce(subject, domain, obj, action))
            if len(decisions) >= DECISION_CACHE_SIZE:
                del decisions[next(iter(decisions))]  # the oldest: dicts keep insertion order
            decisions[key] = decision
        return decision

    def grants_of(self, subject: str) -> list[tuple[str, str]]:
        """(role, domain) pairs assigned directly to ``subject`` by ``g`` rules."""
        return sorted((rule[1], rule[2]) for rule in self.enforcer.get_filtered_grouping_policy(0, subject))

    def rule_domains(self) -> set[str]:
        """Domains named by ``p`` rules (``*``, ``public`` and specific regency codes)."""
        return {rule[1] for rule in self.enforcer.get_policy()}

    def role_names(self) -> set[str]:
        """Every name a rule treats as a role: subjects of ``p`` rules and targets of ``g`` rules."""
        roles = {rule[0] for rule in self.enforcer.get_policy()}
        roles |= {rule[1] for rule in self.enforcer.get_grouping_policy()}
        return roles


@lru_cache(maxsize=1)
def policy_engine() -> PolicyEngine:
    return PolicyEngine()

"""What a hand-written operation needs, declared on its field instead of checked inside the resolver.

    strawberry.mutation(resolver=add_policy_rule, extensions=[Requires("Policy", "manage")])
    strawberry.mutation(resolver=login, extensions=[Public("signing in; throttled per username and address")])

:class:`Requires` asks the policy before the resolver runs, as the generated
operations do through ``permissions.rows``: ``access.require(object, action)``,
so an anonymous caller gets ``UNAUTHENTICATED`` and a signed-in one
``FORBIDDEN``, and nothing runs. :class:`Public` states that an operation is
deliberately open and says why that is safe. Every hand-written field of
Query, Mutation and Subscription carries one of the two; tests/test_requires.py
walks the schema and fails on a field that declares nothing. Which *rows* an
operation reaches stays the service's business (the row filter of the same
decision).

The declaration also ends the field's description, so a frontend developer
reading GraphiQL sees what the call needs.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from strawberry.extensions import FieldExtension

#: An action, or a function of the field's arguments (Python names) that picks one.
Action = str | Callable[[dict[str, Any]], str]


class Declared(FieldExtension):
    """Base of the two declarations; :func:`declaration_of` finds it on a field."""

    #: Sentence appended to the field's description.
    note: str = ""

    def apply(self, field) -> None:
        description = field.description or ""
        if self.note and not description.endswith(self.note):
            field.description = f"{description} {self.note}".strip()


class Requires(Declared):
    """Run the resolver only when the caller's role may ``action`` the ``obj`` somewhere.

    ``action`` may depend on the arguments: ``Requires("Complaint", lambda args: "track" if
    args.get("tracking_code") else "read")``; give ``note`` then to describe it in words.
    """

    def __init__(self, obj: str, action: Action, *, note: str | None = None):
        self.object = obj
        self.action = action
        if note is None:
            if callable(action):
                raise TypeError("Requires with an action chosen by the arguments needs a `note` describing it")
            note = f"Needs the `{action}` permission on `{obj}`."
        self.note = note

    def action_for(self, arguments: dict[str, Any]) -> str:
        return self.action(arguments) if callable(self.action) else self.action

    def check(self, access, arguments: dict[str, Any] | None = None):
        """The policy's decision, or ``Unauthenticated``/``Forbidden``; for re-checks (a subscription, per event)."""
        return access.require(self.object, self.action_for(arguments or {}))

    #: True on a subscription field (set by ``apply``).
    _stream = False

    def apply(self, field) -> None:
        super().apply(field)
        self._stream = field.is_subscription

    def resolve(self, next_, source: Any, info, **kwargs: Any) -> Any:
        self.check(info.context.access, kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_, source: Any, info, **kwargs: Any) -> Any:
        access = info.context.access
        if self._stream:
            stream = next_(source, info, **kwargs)  # an async generator: nothing of it has run yet
            return self._checked(await stream if inspect.isawaitable(stream) else stream, access, kwargs)
        self.check(access, kwargs)
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result

    async def _checked(self, stream, access, arguments: dict[str, Any]):
        """The subscription's events, once its first step passed the check: a refusal reaches the
        client as an error of the subscription (a ``next`` with the error), as one raised in its resolver."""
        try:
            self.check(access, arguments)
            async for event in stream:
                yield event
        finally:
            await stream.aclose()


class Public(Declared):
    """No permission of its own: the operation is open to every caller, for the ``reason`` given.

    For fields that are open on purpose (signing in, ``me``) or that are exactly as
    visible as the row they belong to.
    """

    def __init__(self, reason: str, *, note: str = ""):
        if not reason.strip():
            raise ValueError("Public needs the reason why the operation may be open")
        self.reason = reason
        self.note = note
        # Neither resolve nor resolve_async: Strawberry leaves it out of the resolver chain.


def declaration_of(field) -> Declared | None:
    """The Requires or Public a Strawberry field declares, or None."""
    found = [extension for extension in getattr(field, "extensions", None) or () if isinstance(extension, Declared)]
    return found[0] if found else None

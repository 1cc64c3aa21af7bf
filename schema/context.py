"""What every resolver of one request shares: the caller's access, the relation loaders, a request id."""
from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader


@dataclass
class Context:
    request: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    client_address: str | None = None
    #: Whom the request's token names (signature already checked), None for anonymous.
    caller: Any = None  # services.tokens.TokenSubject
    loaders: dict[Any, DataLoader] = field(default_factory=dict)
    #: The `connection_init` payload of a WebSocket (subscriptions send their token there).
    connection_params: dict[str, Any] | None = None
    #: "http" or "websocket": subscriptions need the second.
    transport: str = "http"
    #: Whether the HTTP request named the operation to run (None where the transport does not say).
    operation_name_given: bool | None = None
    _access: Any = None  # permissions.access.Access, once resolved

    @property
    def access(self):
        """The caller's ``Access``; resolved by ``resolve_access`` once the operation passed validation."""
        if self._access is None:
            raise RuntimeError("the caller's access is read before it was resolved")
        return self._access

    def for_operation(self) -> "Context":
        """A context for one operation on a long-lived connection: the same caller and connection,
        but the caller's access looked up afresh and empty loaders (no row cached from an earlier operation)."""
        return dataclasses.replace(self, loaders={}, _access=None, request_id=uuid.uuid4().hex[:12])

    async def resolve_access(self) -> None:
        """Look up the caller and their policy decisions (the first SQL a request may run).

        Deferred until validation passed, so a malformed, too deep or too costly
        request is refused before touching the database.
        """
        if self._access is None:
            self._access = await self._look_up_access()

    async def fresh_access(self):
        """The caller's access as a new request would see it now (a long-lived subscription asks per event):
        a changed policy applies, and a deactivated account raises ``Unauthenticated``."""
        self._access = await self._look_up_access()
        return self._access

    async def _look_up_access(self):
        from permissions.access import access_for
        from services.tokens import active_user

        user = None if self.caller is None else await active_user(self.caller)
        return await access_for(user)

    def loader(self, key: Any, load_fn) -> DataLoader:
        """One DataLoader per relation (and arguments) per request: rows are batched, never refetched."""
        found = self.loaders.get(key)
        if found is None:
            found = self.loaders[key] = DataLoader(load_fn=load_fn)
        return found

"""What every resolver of one request shares: the caller's access, the relation loaders, a request id."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader


@dataclass
class Context:
    access: Any  # permissions.access.Access
    request: Any = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    client_address: str | None = None
    loaders: dict[Any, DataLoader] = field(default_factory=dict)
    #: The `connection_init` payload of a WebSocket (subscriptions send their token there).
    connection_params: dict[str, Any] | None = None

    def loader(self, key: Any, load_fn) -> DataLoader:
        """One DataLoader per relation (and arguments) per request: rows are batched, never refetched."""
        found = self.loaders.get(key)
        if found is None:
            found = self.loaders[key] = DataLoader(load_fn=load_fn)
        return found

"""A WebSocket client that drives the ASGI app directly, in the test's own event loop.

Starlette's TestClient runs the app in another thread and loop, where the
Tortoise connections of the test session do not work; this one feeds the app's
``receive`` and reads its ``send`` through two queues, in the same loop.

    async with AsgiWebSocket(app, "/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_json({"type": "connection_init"})
        assert (await ws.receive_json())["type"] == "connection_ack"
"""
from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

#: Long enough for a slow CI machine, short enough that a missing message fails instead of hanging.
TIMEOUT = 10.0


class WebSocketClosed(Exception):
    """The app closed the connection (or refused it); ``code`` and ``reason`` say why."""

    def __init__(self, code: int, reason: str = ""):
        super().__init__(f"WebSocket closed with {code}: {reason}")
        self.code = code
        self.reason = reason


class AsgiWebSocket:
    def __init__(self, app, path: str, *, subprotocols=(), client=("203.0.113.8", 50002)):
        self.app = app
        self.scope = {
            "type": "websocket", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "ws",
            "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(b"host", b"testserver")]
            + ([(b"sec-websocket-protocol", ", ".join(subprotocols).encode())] if subprotocols else []),
            "subprotocols": list(subprotocols), "client": client, "server": ("testserver", 80),
        }
        self._to_app: asyncio.Queue = asyncio.Queue()
        self._from_app: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self.subprotocol: str | None = None

    async def __aenter__(self) -> "AsgiWebSocket":
        self._task = asyncio.create_task(self.app(self.scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "websocket.connect"})
        message = await self._next_from_app()
        if message["type"] != "websocket.accept":
            raise WebSocketClosed(message.get("code", 1000), message.get("reason", ""))
        self.subprotocol = message.get("subprotocol")
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._to_app.put({"type": "websocket.disconnect", "code": 1000})
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._task, timeout=TIMEOUT)
        if not self._task.done():
            self._task.cancel()

    async def _next_from_app(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait({getter, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if getter in done:
            return getter.result()
        getter.cancel()
        if self._task in done:
            self._task.result()  # re-raise the app's exception, if any
            raise WebSocketClosed(1006, "the app returned without closing")
        raise asyncio.TimeoutError(f"no WebSocket message from the app within {timeout} seconds")

    async def send_json(self, payload: Any) -> None:
        await self._to_app.put({"type": "websocket.receive", "text": json.dumps(payload)})

    async def receive_json(self, timeout: float = TIMEOUT) -> Any:
        message = await self._next_from_app(timeout)
        if message["type"] == "websocket.close":
            raise WebSocketClosed(message.get("code", 1000), message.get("reason") or "")
        return json.loads(message["text"] if message.get("text") is not None else message["bytes"])

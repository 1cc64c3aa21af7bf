"""What wraps every request: who the client really is (trusted proxies only) and the browser safety headers."""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

#: Sent with every HTTP response: no framing (clickjacking), no content sniffing, no full URLs to other sites.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


class TrustedProxies(ProxyHeadersMiddleware):
    """The client address (and https) from ``X-Forwarded-For``/``-Proto`` only when the direct peer is one
    of ``FORWARDED_ALLOW_IPS`` (uvicorn's own middleware, configured from our settings). Without a trusted
    proxy the headers are ignored: a client cannot rotate them to slip past the per-client limits."""

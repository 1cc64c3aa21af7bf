"""GraphQL over the real ASGI app in-process: no network, but every layer a request passes in production."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette

from seeds.users import DEMO_PASSWORD

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { token }
}
"""


class GraphQLFailed(RuntimeError):
    """The API answered with errors or not with GraphQL: figures of a failing request would mean nothing."""


@asynccontextmanager
async def http_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        yield http


class GraphQLClient:
    """Posts queries to ``/graphql`` as one caller (anonymous without a token) and returns ``data``."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = None, caller: str = "anonymous"):
        self.http = http
        self.caller = caller
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return (await self.post(query, variables)).json()["data"]

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        """The response to ``query``, once it is known to hold data and no errors."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )
        try:
            body = response.json()
        except ValueError:
            raise GraphQLFailed(self._describe(query, f"HTTP {response.status_code}, not JSON: {response.text[:300]}"))
        if body.get("errors") or response.status_code != 200:
            raise GraphQLFailed(self._describe(query, f"HTTP {response.status_code}, errors: {body.get('errors')}"))
        return response

    async def signed_in(self, username: str) -> GraphQLClient:
        """A client for the demo account ``username``, signed in through the ``login`` mutation."""
        data = await self(LOGIN, {"username": username, "password": DEMO_PASSWORD})
        return GraphQLClient(self.http, data["login"]["token"], caller=username)

    def _describe(self, query: str, problem: str) -> str:
        first_line = " ".join(query.split())[:120]
        return f"as {self.caller}: {first_line}\n  {problem}"

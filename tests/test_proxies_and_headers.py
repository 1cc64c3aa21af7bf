"""The client's address comes from X-Forwarded-For only through a trusted proxy; every response carries the safety headers."""
from __future__ import annotations

import uuid

import httpx
import pytest

from core.settings import get_settings, load_settings

SUBMIT = """mutation($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingCode } }"""


def submission(n: int) -> dict:
    return {"i": {"regencyCode": "32.15", "title": f"Lampu mati {n}", "body": "Sejak Senin.",
                  "reporterName": "Siti", "reporterContact": "0812"}}


async def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(world):
    from server.app import create_app

    app = create_app(load_settings({"PLATFORM_ENV": "test", "SECRET_KEY": "s"}), manage_database=False)
    per_client = int(get_settings().submit_rate.split("/")[0])
    peer = f"127.0.0.{uuid.uuid4().int % 200 + 20}"
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    accepted = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for n in range(per_client + 3):
            headers = {"X-Forwarded-For": f"192.0.2.{n}"}
            body = (await http.post("/graphql", json={"query": SUBMIT, "variables": submission(n)}, headers=headers)).json()
            accepted += "errors" not in body
    assert accepted == per_client


async def test_a_trusted_proxy_gives_each_citizen_their_own_limit(world):
    from server.app import create_app

    proxy = f"10.{uuid.uuid4().int % 250}.0.1"
    app = create_app(load_settings({"PLATFORM_ENV": "test", "SECRET_KEY": "s", "FORWARDED_ALLOW_IPS": proxy}),
                     manage_database=False)
    per_client = int(get_settings().submit_rate.split("/")[0])
    base = uuid.uuid4().int % 200
    transport = httpx.ASGITransport(app=app, client=(proxy, 50000))
    accepted = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for n in range(per_client + 3):
            headers = {"X-Forwarded-For": f"198.18.{base}.{n + 1}"}
            body = (await http.post("/graphql", json={"query": SUBMIT, "variables": submission(n)}, headers=headers)).json()
            accepted += "errors" not in body
    assert accepted == per_client + 3


def test_no_proxy_is_trusted_by_default_outside_development():
    assert load_settings({"SECRET_KEY": "s"}).forwarded_allow_ips == ()
    assert load_settings({"PLATFORM_ENV": "development"}).forwarded_allow_ips == ("127.0.0.1",)
    assert load_settings({"SECRET_KEY": "s", "FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.168.1.5"}).forwarded_allow_ips == (
        "10.0.0.0/8", "192.168.1.5")


@pytest.mark.parametrize("path", ["/health", "/graphql", "/admin/login", "/graphql/schema.graphql"])
async def test_every_response_carries_the_safety_headers(http, path):
    response = await http.get(path, headers={"accept": "text/html"})
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]

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


async def accepted_submissions(settings: dict, peer: str, forwarded_for: list[str]) -> int:
    """How many submissions, one per X-Forwarded-For value, an app with these settings accepts from ``peer``."""
    from server.app import create_app

    app = create_app(load_settings({"PLATFORM_ENV": "test", "SECRET_KEY": "s", **settings}), manage_database=False)
    transport = httpx.ASGITransport(app=app, client=(peer, 50000))
    accepted = 0
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for n, address in enumerate(forwarded_for):
            response = await http.post("/graphql", json={"query": SUBMIT, "variables": submission(n)},
                                       headers={"X-Forwarded-For": address})
            accepted += "errors" not in response.json()
    return accepted


PER_CLIENT = int(get_settings().submit_rate.split("/")[0])


async def test_rotating_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(world):
    peer = f"127.0.0.{uuid.uuid4().int % 200 + 20}"
    rotating = [f"192.0.2.{n}" for n in range(PER_CLIENT + 3)]
    assert await accepted_submissions({}, peer, rotating) == PER_CLIENT


async def test_a_trusted_proxy_gives_each_citizen_their_own_limit(world):
    proxy = f"10.{uuid.uuid4().int % 250}.0.1"
    base = uuid.uuid4().int % 200
    citizens = [f"198.18.{base}.{n + 1}" for n in range(PER_CLIENT + 3)]
    assert await accepted_submissions({"FORWARDED_ALLOW_IPS": proxy}, proxy, citizens) == PER_CLIENT + 3


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

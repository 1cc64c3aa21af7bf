"""`complaintUpdated` over WebSocket (graphql-transport-ws), against the real app in the test's event loop.

Changes are made through the HTTP API as the desk would make them; the
subscriber sees them as a browser would, through the protocol's messages.
"""
import asyncio
import json
from contextlib import asynccontextmanager

import pytest

from services.events import complaint_broadcast
from tests.ws_client import TIMEOUT, AsgiWebSocket, WebSocketClosed

PROTOCOL = "graphql-transport-ws"
UPDATED = """
subscription Watch($code: String) {
  complaintUpdated(trackingCode: $code) { trackingCode status regency { code name } history { status note } }
}"""
TRANSITION = """
mutation Move($id: ID!, $to: ComplaintStatus!, $note: String) {
  transitionComplaint(id: $id, to: $to, note: $note) { id status }
}"""


@asynccontextmanager
async def connected(app, token: str | None = None):
    """A WebSocket past `connection_init` → `connection_ack`, signed in with ``token`` when given."""
    async with AsgiWebSocket(app, "/graphql", subprotocols=[PROTOCOL]) as ws:
        assert ws.subprotocol == PROTOCOL
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send_json({"type": "connection_init", "payload": payload})
        assert await ws.receive_json() == {"type": "connection_ack"}
        yield ws


def subscribers() -> int:
    """Subscriptions of this process whose shared Redis subscription is confirmed (they hear every later change)."""
    return complaint_broadcast.listening()


async def until_subscribers(count: int) -> None:
    async def listening() -> None:
        while subscribers() < count:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(listening(), timeout=TIMEOUT)


async def subscribe(ws: AsgiWebSocket, op_id: str, code: str | None = None) -> None:
    """Start the subscription and return once the server listens for changes.

    graphql-transport-ws has no reply to `subscribe`; without waiting, a change
    made right after could be published before the server's resolver listens.
    """
    before = subscribers()
    await ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": UPDATED, "variables": {"code": code}}})
    await until_subscribers(before + 1)


async def move(as_role, role: str, complaint, to: str, note: str | None = None) -> None:
    body = await as_role(role)(TRANSITION, {"id": str(complaint.pk), "to": to, "note": note})
    assert "errors" not in body, body
    assert body["data"]["transitionComplaint"]["status"] == to


async def test_anyone_watches_one_complaint_by_its_code(app, world, as_role):
    watched, other = world.complaints["32.15"][0], world.complaints["32.15"][1]
    async with connected(app) as ws:
        # Given an anonymous subscriber to one complaint's code
        await subscribe(ws, "watch", watched.tracking_code)
        # When the desk moves another complaint, then the watched one
        await move(as_role, "staff.karawang", other, "VERIFIED")
        await move(as_role, "staff.karawang", watched, "VERIFIED", note="Internal: pelapor sulit dihubungi.")
        # then the first message is about the watched complaint: new status and full history
        message = await ws.receive_json()
        assert message == {"id": "watch", "type": "next", "payload": {"data": {"complaintUpdated": {
            "trackingCode": watched.tracking_code,
            "status": "VERIFIED",
            "regency": {"code": "32.15", "name": "Kabupaten Karawang"},
            "history": [{"status": "RECEIVED", "note": None}, {"status": "VERIFIED", "note": None}],
        }}}}
        # and nothing about who reported it, nor the desk's internal note
        shown = json.dumps(message)
        assert watched.reporter_name not in shown and watched.reporter_contact not in shown
        assert "pelapor sulit dihubungi" not in shown
        await ws.send_json({"id": "watch", "type": "complete"})


async def test_the_public_cannot_ask_a_subscription_for_the_reporter(app, world):
    async with connected(app) as ws:
        query = 'subscription { complaintUpdated(trackingCode: "%s") { reporterName } }' % world.complaints["32.15"][0].tracking_code
        await ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = await ws.receive_json()
        assert (message["id"], message["type"]) == ("1", "error")
        [error] = message["payload"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "Cannot query field 'reporterName' on type 'ComplaintTracking'" in error["message"]


async def test_staff_watching_everything_hear_only_their_own_regency(app, world, tokens, as_role):
    karawang_complaint, bekasi_complaint = world.complaints["32.15"][0], world.complaints["32.16"][0]
    async with connected(app, tokens["staff.karawang"]) as ws:
        # Given Karawang staff watching every complaint they may read
        await subscribe(ws, "desk")
        # When Bekasi's desk moves a Bekasi complaint, and then Karawang's desk a Karawang one
        await move(as_role, "staff.bekasi", bekasi_complaint, "VERIFIED", note="Bekasi")
        await move(as_role, "staff.karawang", karawang_complaint, "REJECTED", note="Bukan wewenang.")
        # then the first message the Karawang subscriber gets is Karawang's: Bekasi's was never sent
        message = await ws.receive_json()
        assert (message["id"], message["type"]) == ("desk", "next")
        seen = message["payload"]["data"]["complaintUpdated"]
        assert (seen["trackingCode"], seen["status"], seen["regency"]["code"]) == (
            karawang_complaint.tracking_code, "REJECTED", "32.15",
        )
        assert "Bekasi" not in json.dumps(message)


async def test_the_public_cannot_watch_every_complaint(app, world):
    async with connected(app) as ws:
        before = subscribers()
        await ws.send_json({"id": "all", "type": "subscribe", "payload": {"query": UPDATED}})
        message = await ws.receive_json()
        # Strawberry reports an error raised by the subscription resolver as a `next` with errors.
        assert (message["id"], message["type"]) == ("all", "next")
        assert message["payload"]["data"] is None
        [error] = message["payload"]["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert await ws.receive_json() == {"id": "all", "type": "complete"}
        assert subscribers() == before


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Bearer ", "Basic c3RhZmY6ZGVtbw=="])
async def test_a_bad_token_in_connection_init_is_rejected(app, world, authorization):
    async with AsgiWebSocket(app, "/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send_json({"type": "connection_init", "payload": {"Authorization": authorization}})
        with pytest.raises(WebSocketClosed) as closed:
            await ws.receive_json()
    assert (closed.value.code, closed.value.reason) == (4403, "Forbidden")


async def test_a_revoked_role_stops_a_running_subscription_at_the_next_change(app, world, tokens, as_role):
    from permissions.management import revoke_role

    complaint = world.complaints["32.15"][0]
    async with connected(app, tokens["staff.karawang"]) as ws:
        # Given Karawang staff watching their desk
        await subscribe(ws, "desk")
        # When their role is revoked while the subscription runs, and then a Karawang complaint moves
        assert await revoke_role("staff.karawang", "regency_staff", "32.15")
        await move(as_role, "kominfo", complaint, "VERIFIED")
        # then the change is not delivered: the subscription ends with the error a new request would get
        message = await ws.receive_json()
        assert (message["id"], message["type"]) == ("desk", "next")
        assert message["payload"]["data"] is None
        [error] = message["payload"]["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert complaint.tracking_code not in json.dumps(message)

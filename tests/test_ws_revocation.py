"""An open WebSocket never outlives its caller's rights: every operation looks the caller up afresh.

Strawberry builds one context per connection; before this, a deactivated officer
kept reading and transitioning over an already-open socket.
"""
from __future__ import annotations

import asyncio

import pytest

from models import Complaint, Regency, User
from models.enums import ComplaintStatus
from services.events import publish_caller_revoked, revocation_broadcast
from tests.test_subscriptions import connected, subscribe
from tests.ws_client import WebSocketClosed

DESK = "query { complaints { totalCount nodes { trackingCode regency { name } } } }"
TRANSITION = 'mutation($id: ID!) { transitionComplaint(id: $id, to: VERIFIED) { status } }'


async def run(ws, op_id: str, query: str, variables: dict | None = None) -> dict:
    await ws.send_json({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
    message = await ws.receive_json()
    assert message["id"] == op_id
    if message["type"] == "next":
        assert (await ws.receive_json()) == {"id": op_id, "type": "complete"}
    return message


async def deactivate(user: User) -> None:
    await User.filter(pk=user.pk).update(is_active=False)


async def change_password(user: User) -> None:
    # What a password change does to earlier sessions (services.accounts raises the epoch).
    await User.filter(pk=user.pk).update(session_epoch=user.session_epoch + 1)


async def delete(user: User) -> None:
    await User.filter(pk=user.pk).delete()


@pytest.mark.parametrize("revoke", [deactivate, change_password, delete])
async def test_the_next_operation_after_revocation_is_refused_and_the_socket_closed(app, world, tokens, revoke):
    complaint = world.complaints["32.15"][0]
    staff = await User.get(username="staff.karawang")
    async with connected(app, tokens["staff.karawang"]) as ws:
        # Given an officer working over an open socket
        first = await run(ws, "1", DESK)
        assert first["payload"]["data"]["complaints"]["totalCount"] == 3
        # When the account loses its rights while the socket stays open
        await revoke(staff)
        # Then the next write is refused, nothing is written, and the socket is closed with 4403
        refused = await run(ws, "2", TRANSITION, {"id": str(complaint.pk)})
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["UNAUTHENTICATED"]
        with pytest.raises(WebSocketClosed) as closed:
            await ws.receive_json()
        assert closed.value.code == 4403
    assert (await Complaint.get(pk=complaint.pk)).status == ComplaintStatus.RECEIVED


async def test_loaded_rows_do_not_outlive_an_operation(app, world, tokens):
    async with connected(app, tokens["staff.karawang"]) as ws:
        before = await run(ws, "1", DESK)
        assert {n["regency"]["name"] for n in before["payload"]["data"]["complaints"]["nodes"]} == {"Kabupaten Karawang"}
        await Regency.filter(code="32.15").update(name="Kabupaten Karawang (baru)")
        after = await run(ws, "2", DESK)
        assert {n["regency"]["name"] for n in after["payload"]["data"]["complaints"]["nodes"]} == {"Kabupaten Karawang (baru)"}


async def test_a_published_revocation_closes_the_socket_and_its_subscriptions_at_once(app, world, tokens):
    staff = await User.get(username="staff.karawang")
    async with connected(app, tokens["staff.karawang"]) as ws:
        # Given an officer watching the desk
        await subscribe(ws, "desk")

        async def watcher_listens() -> None:
            # This worker's own shared subscription: another test run on the same Redis must not count.
            while not (revocation_broadcast.listening() and revocation_broadcast.has_subscription()):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(watcher_listens(), timeout=5)
        # When their sessions are revoked (no complaint changes, no further operation)
        await deactivate(staff)
        await publish_caller_revoked(staff.pk)
        # Then the socket closes right away
        with pytest.raises(WebSocketClosed) as closed:
            await ws.receive_json()
        assert closed.value.code == 4403


async def test_another_users_revocation_leaves_the_socket_open(app, world, tokens):
    bekasi = await User.get(username="staff.bekasi")
    async with connected(app, tokens["staff.karawang"]) as ws:
        await run(ws, "1", DESK)
        await publish_caller_revoked(bekasi.pk)
        await asyncio.sleep(0.05)
        again = await run(ws, "2", DESK)
        assert again["payload"]["data"]["complaints"]["totalCount"] == 3


@pytest.mark.parametrize("change", [
    {"is_active": False}, {"password": "a-new-Passw0rd-long"}, {"regency_code": "32.16"}, "delete",
])
async def test_an_account_change_by_an_admin_closes_the_officers_open_socket_at_once(app, world, tokens, change):
    from permissions.access import access_for
    from services import users

    admin = await access_for(await User.get(username="kominfo"))
    staff = await User.get(username="staff.karawang")
    complaint = world.complaints["32.15"][0]
    async with connected(app, tokens["staff.karawang"]) as ws:
        await subscribe(ws, "desk")
        # When Kominfo deactivates, re-passwords, moves or deletes the account
        if change == "delete":
            await users.delete_user(admin, staff.pk)
        else:
            await users.update_user(admin, staff.pk, **change)
        # Then the officer's socket closes without waiting for another operation or event
        with pytest.raises(WebSocketClosed) as closed:
            await ws.receive_json()
        assert closed.value.code == 4403
    # and the old token no longer works anywhere
    body = await run_http(app, tokens["staff.karawang"], TRANSITION, {"id": str(complaint.pk)})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await Complaint.get(pk=complaint.pk)).status == ComplaintStatus.RECEIVED


async def run_http(app, token: str, query: str, variables: dict) -> dict:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers={"Authorization": f"Bearer {token}"})
    return response.json()

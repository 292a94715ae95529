"""Webhook management, signed delivery, event shapes, retries and deactivation."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import aiohttp
import pytest

from sandbox.enode.server import SandboxServer
from sandbox.enode.webhooks import WebhookDispatcher, is_loopback_url, sign
from sandbox.enode.world import World
from tests.sandbox.enode.helpers import Api, Receiver, seed
from tests.sandbox.enode.schema import check_component, check_response, check_webhook

SECRET = "0123456789abcdef-secret"


async def _webhook(api: Api, url: str, **extra: Any) -> dict[str, Any]:
    reply = await api.post("/webhooks", {"url": url, "secret": SECRET, **extra})
    assert reply.status == 200, reply.text
    check_response(reply.json, "POST /webhooks 200")
    body: dict[str, Any] = reply.json
    return body


def _verify(receiver: Receiver) -> None:
    for headers, body in receiver.deliveries:
        expected = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
        assert hmac.compare_digest(headers["x-enode-signature"], expected)
        assert headers["Content-Type"] == "application/json"
        assert headers["x-enode-delivery"]
        events = json.loads(body)
        assert 1 <= len(events) <= 100
        for event in events:
            check_webhook(event)


async def test_webhook_crud(api: Api, receiver: Receiver) -> None:
    created = await _webhook(api, receiver.url)
    assert created["events"] == ["*"]
    assert created["isActive"] is True
    assert created["authentication"] is None
    assert created["apiVersion"] is None
    listed = await api.get("/webhooks")
    check_response(listed.json, "GET /webhooks 200")
    assert [w["id"] for w in listed.json["data"]] == [created["id"]]
    fetched = await api.get(f"/webhooks/{created['id']}")
    check_response(fetched.json, "GET /webhooks/{webhookId} 200")
    patched = await api.patch(
        f"/webhooks/{created['id']}",
        {
            "events": ["user:vehicle:updated"],
            "apiVersion": "2024-10-01",
            "authentication": {"headerName": "x-api-key", "headerValue": "s3cret value"},
            "secret": "another-secret",
            "url": receiver.url + "?v=2",
        },
    )
    assert patched.status == 200
    check_response(patched.json, "PATCH /webhooks/{webhookId} 200")
    assert patched.json["authentication"] == {"headerName": "x-api-key"}
    assert patched.json["apiVersion"] == "2024-10-01"
    assert "headerValue" not in json.dumps(patched.json)
    cleared = await api.patch(f"/webhooks/{created['id']}", {"authentication": None, "events": []})
    assert cleared.json["authentication"] is None
    assert cleared.json["events"] == ["*"]
    assert (await api.delete(f"/webhooks/{created['id']}")).status == 204
    missing = await api.get(f"/webhooks/{created['id']}")
    assert missing.status == 404
    check_response(missing.json, "GET /webhooks/{webhookId} 404")
    assert (await api.delete(f"/webhooks/{created['id']}")).status == 404
    assert (await api.patch(f"/webhooks/{created['id']}", {})).status == 404
    assert (await api.post(f"/webhooks/{created['id']}/test")).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"url": "https://example.com/hook", "secret": SECRET},
        {"url": "http://10.0.0.1/hook", "secret": SECRET},
        {"url": "ftp://127.0.0.1/hook", "secret": SECRET},
        {"url": "http://1", "secret": SECRET},
        {"url": "http://127.0.0.1/" + "x" * 200, "secret": SECRET},
        {"url": "http://127.0.0.1/hook", "secret": "short"},
        {"url": "http://127.0.0.1/hook"},
        {"url": "http://127.0.0.1/hook", "secret": SECRET, "events": ["user:boat:updated"]},
        {"url": "http://127.0.0.1/hook", "secret": SECRET, "apiVersion": "2023-08-01"},
        {
            "url": "http://127.0.0.1/hook",
            "secret": SECRET,
            "authentication": {"headerName": "X-Upper", "headerValue": "v"},
        },
        {
            "url": "http://127.0.0.1/hook",
            "secret": SECRET,
            "authentication": {"headerName": "x-ok", "headerValue": "line\nbreak"},
        },
        {"url": "http://127.0.0.1/hook", "secret": SECRET, "authentication": "x"},
        {"url": "http://127.0.0.1/hook", "secret": SECRET, "events": "*"},
    ],
)
async def test_webhook_validation(api: Api, body: dict[str, Any]) -> None:
    reply = await api.post("/webhooks", body)
    assert reply.status == 400
    check_response(reply.json, "POST /webhooks 400")


async def test_duplicate_webhook(api: Api, receiver: Receiver) -> None:
    first = await _webhook(api, receiver.url)
    duplicate = await api.post("/webhooks", {"url": receiver.url, "secret": SECRET})
    assert duplicate.status == 400
    assert "already exists" in duplicate.json["detail"]
    other = await _webhook(api, receiver.url + "?other")
    clash = await api.patch(f"/webhooks/{other['id']}", {"url": receiver.url})
    assert clash.status == 400
    same = await api.patch(f"/webhooks/{first['id']}", {"url": receiver.url})
    assert same.status == 200


async def test_webhook_test_success(api: Api, receiver: Receiver) -> None:
    webhook = await _webhook(
        api,
        receiver.url,
        authentication={"headerName": "x-api-key", "headerValue": "k3y"},
    )
    reply = await api.post(f"/webhooks/{webhook['id']}/test")
    assert reply.status == 200
    check_response(reply.json, "POST /webhooks/{webhookId}/test 200")
    assert reply.json["status"] == "SUCCESS"
    assert reply.json["response"]["code"] == 200
    assert reply.json["response"]["body"] == '{"ok": true}'
    assert any(h.startswith("content-type: ") for h in reply.json["response"]["headers"])
    assert receiver.names() == ["enode:webhook:test"]
    headers, _ = receiver.deliveries[0]
    assert headers["x-api-key"] == "k3y"
    _verify(receiver)


async def test_webhook_test_failures(api: Api, receiver: Receiver) -> None:
    webhook = await _webhook(api, receiver.url)
    receiver.statuses = [500]
    reply = await api.post(f"/webhooks/{webhook['id']}/test")
    check_response(reply.json, "POST /webhooks/{webhookId}/test 200")
    assert reply.json["status"] == "FAILURE"
    assert reply.json["response"] is None
    assert "500" in reply.json["description"]
    closed = await _webhook(api, "http://127.0.0.1:9/nothing-listens")
    reply = await api.post(f"/webhooks/{closed['id']}/test")
    assert reply.json["status"] == "FAILURE"
    assert reply.json["response"] is None
    deliveries = await api.admin("GET", "/deliveries")
    assert [d["status"] for d in deliveries] == [500, None]


async def test_events_are_signed_and_shaped(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    await _webhook(api, receiver.url)
    ids = await seed(api, "w", vehicles=1, chargers=1, vehicleVendor="TESLA")
    await server.settle()
    names = receiver.names()
    assert names[:2] == ["user:vehicle:discovered", "user:charger:discovered"]
    discovered = receiver.events[0]
    assert discovered["user"] == {"id": "w"}
    assert discovered["version"] == "2024-10-01"
    assert discovered["vehicle"]["information"]["brand"] == "Tesla"
    assert discovered["vehicle"]["chargeState"]["batteryLevel"] is None
    updated = [e for e in receiver.events if e["event"] == "user:vehicle:updated"]
    assert len(updated) == 1
    assert "chargeState.batteryLevel" in updated[0]["updatedFields"]
    assert updated[0]["vehicle"]["chargeState"]["batteryLevel"] is not None
    _verify(receiver)
    receiver.deliveries.clear()
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    action = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    await server.settle()
    await server.advance(5)
    events = receiver.events
    action_events = [e for e in events if e["event"] == "user:vendor-action:updated"]
    assert action_events[-1]["vendorAction"]["id"] == action["id"]
    assert action_events[-1]["vendorAction"]["state"] == "CONFIRMED"
    assert "state" in action_events[-1]["updatedFields"]
    vehicle_fields = {
        field
        for e in events
        if e["event"] == "user:vehicle:updated"
        for field in e["updatedFields"]
    }
    assert {"chargeState.isPluggedIn", "chargeState.pluggedInChargerId"} <= vehicle_fields
    assert "chargeState.isCharging" in vehicle_fields
    charger_events = [e for e in events if e["event"] == "user:charger:updated"]
    assert charger_events[-1]["charger"]["chargeState"]["isCharging"] is True
    _verify(receiver)
    receiver.deliveries.clear()
    await server.advance(600)
    assert "user:vehicle:updated" in receiver.names()
    _verify(receiver)


async def test_change_right_after_first_webhook_is_delivered(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    """A change made before any tick since the first webhook was created is not absorbed."""
    ids = await seed(api, "w", vehicles=1)
    await server.settle()  # devices exist and were looked at while no webhook existed
    await _webhook(api, receiver.url)
    vehicle_id = ids["vehicleIds"][0]
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 13})
    await server.settle()
    updated = [e for e in receiver.events if e["event"] == "user:vehicle:updated"]
    assert [e["vehicle"]["chargeState"]["batteryLevel"] for e in updated] == [13]
    assert "chargeState.batteryLevel" in updated[0]["updatedFields"]


async def test_no_event_when_only_timestamps_change(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    await _webhook(api, receiver.url)
    await seed(api, "w", vehicles=1)
    await server.settle()
    receiver.deliveries.clear()
    await server.advance(60)
    await server.settle()
    assert receiver.deliveries == []


async def test_deleted_and_invalidated_events(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    await _webhook(api, receiver.url)
    await seed(api, "a", vehicles=1, chargers=1)
    await seed(api, "b", vehicles=1, chargers=0)
    await server.settle()
    receiver.deliveries.clear()
    await api.delete("/users/a")
    vendors = await api.admin("POST", "/users/b/invalidate-credentials", {})
    assert vendors == {"vendors": ["TOYOTA"]}
    await server.settle()
    names = receiver.names()
    assert "user:vehicle:deleted" in names
    assert "user:charger:deleted" in names
    invalidated = [e for e in receiver.events if e["event"] == "user:credentials:invalidated"]
    assert invalidated[0]["vendor"] == "TOYOTA"
    _verify(receiver)
    again = await api.admin("POST", "/users/b/invalidate-credentials", {"vendor": "TOYOTA"})
    assert again == {"vendors": []}


async def test_no_events_for_deauthorized_user(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    await _webhook(api, receiver.url)
    ids = await seed(api, "d", vehicles=1)
    await server.settle()
    receiver.deliveries.clear()
    await api.delete("/users/d/authorization")
    await api.admin("PATCH", f"/vehicles/{ids['vehicleIds'][0]}", {"batteryLevel": 12})
    await server.settle()
    assert receiver.deliveries == []


async def test_event_filter(api: Api, server: SandboxServer, receiver: Receiver) -> None:
    await _webhook(api, receiver.url, events=["user:charger:discovered"])
    await seed(api, "f", vehicles=1, chargers=1)
    await server.settle()
    assert receiver.names() == ["user:charger:discovered"]


async def test_batches_of_at_most_100(api: Api, server: SandboxServer, receiver: Receiver) -> None:
    await _webhook(api, receiver.url, events=["user:vehicle:discovered"])
    await seed(api, "many", vehicles=150)
    await server.settle()
    await server.settle()
    assert [len(json.loads(body)) for _, body in receiver.deliveries] == [100, 50]
    _verify(receiver)


async def test_retries_then_success(api: Api, server: SandboxServer, receiver: Receiver) -> None:
    webhook = await _webhook(api, receiver.url, events=["user:vehicle:discovered"])
    receiver.statuses = [500, 503]
    await seed(api, "r", vehicles=1)
    await server.settle()
    assert len(receiver.deliveries) == 1
    await server.advance(0.5)
    assert len(receiver.deliveries) == 1  # the first retry waits 1 s
    await server.advance(0.5)
    assert len(receiver.deliveries) == 2
    await server.advance(2)
    assert len(receiver.deliveries) == 3
    bodies = {body for _, body in receiver.deliveries}
    assert len(bodies) == 1  # the same events each time
    delivery_ids = {headers["x-enode-delivery"] for headers, _ in receiver.deliveries}
    assert len(delivery_ids) == 3
    state = (await api.get(f"/webhooks/{webhook['id']}")).json
    assert state["isActive"] is True
    assert state["lastSuccess"] > webhook["lastSuccess"]
    log = await api.admin("GET", "/deliveries")
    assert [entry["attempt"] for entry in log] == [1, 2, 3]


async def test_deactivated_after_max_attempts(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    webhook = await _webhook(api, receiver.url)
    receiver.statuses = [500] * 5
    await seed(api, "x", vehicles=1)
    await server.settle()
    for delay in (1, 2, 4, 8):
        await server.advance(delay)
    assert len(receiver.deliveries) == 5
    state = (await api.get(f"/webhooks/{webhook['id']}")).json
    assert state["isActive"] is False
    await api.admin(
        "PATCH",
        "/vehicles/" + (await api.get("/users/x/vehicles")).json["data"][0]["id"],
        {"batteryLevel": 3},
    )
    await server.advance(60)
    assert len(receiver.deliveries) == 5  # inactive webhooks get nothing
    test = await api.post(f"/webhooks/{webhook['id']}/test")
    assert test.json["status"] == "SUCCESS"
    assert (await api.get(f"/webhooks/{webhook['id']}")).json["isActive"] is True
    await api.patch(f"/webhooks/{webhook['id']}", {"events": ["*"]})


async def test_deleting_webhook_drops_queue(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    webhook = await _webhook(api, receiver.url)
    receiver.statuses = [500]
    await seed(api, "q", vehicles=1)
    await server.settle()
    await api.delete(f"/webhooks/{webhook['id']}")
    await server.advance(10)
    assert len(receiver.deliveries) == 1


async def test_heartbeat(receiver: Receiver, session: aiohttp.ClientSession) -> None:
    async with SandboxServer(time_scale=0, background=False, heartbeat_interval=60) as server:
        api = Api(session, server)
        await _webhook(api, receiver.url, events=["user:charger:updated"])
        inactive = await _webhook(api, receiver.url + "?inactive")
        server.world.get_webhook(inactive["id"]).is_active = False
        await server.advance(30)
        assert receiver.deliveries == []
        await server.advance(30)
        events = receiver.events
        assert [e["event"] for e in events] == ["system:heartbeat"]
        assert events[0]["pendingEvents"] == 0
        check_webhook(events[0])


def test_loopback_urls() -> None:
    assert is_loopback_url("http://127.0.0.1:8123/api/webhook/x")
    assert is_loopback_url("https://localhost/hook")
    assert is_loopback_url("http://[::1]:80/")
    assert is_loopback_url("http://sub.localhost/")
    assert not is_loopback_url("http://example.com/")
    assert not is_loopback_url("http://[::1/")
    assert not is_loopback_url("mailto:127.0.0.1")
    assert sign("k", b"body") == "sha1=" + hmac.new(b"k", b"body", hashlib.sha1).hexdigest()


async def test_dispatcher_refuses_off_machine_and_sessionless() -> None:
    from sandbox.clock import SimClock  # noqa: PLC0415

    world = World(SimClock(scale=0))
    dispatcher = WebhookDispatcher(world)
    hook = world.create_webhook(
        url="http://127.0.0.1:9/x", secret=SECRET, events=["*"], api_version=None, auth=None
    )
    result = await dispatcher.send_test(hook)
    assert "no HTTP session" in result["description"]
    hook.url = "http://example.com/x"
    async with aiohttp.ClientSession() as session:
        dispatcher.session = session
        result = await dispatcher.send_test(hook)
    assert "loopback" in result["description"]
    check_component(result, "TestFirehoseWebhook")


async def test_delivery_errors_are_retried(api: Api, server: SandboxServer) -> None:
    webhook = await _webhook(api, "http://127.0.0.1:9/nothing-listens")
    await seed(api, "e", vehicles=1)
    await server.settle()
    log = await api.admin("GET", "/deliveries")
    assert log[0]["status"] is None
    assert "Error" in log[0]["error"]
    assert (await api.get(f"/webhooks/{webhook['id']}")).json["isActive"] is True


async def test_stopping_cancels_deliveries_in_flight(session: aiohttp.ClientSession) -> None:
    from aiohttp import web  # noqa: PLC0415

    started = asyncio.Event()
    release = asyncio.Event()

    async def hang(_request: web.Request) -> web.Response:
        started.set()
        await asyncio.wait_for(release.wait(), 30)
        return web.Response()

    app = web.Application()
    app.router.add_post("/slow", hang)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with SandboxServer(time_scale=0, background=False, session=session) as server:
            api = Api(session, server)
            await _webhook(api, f"http://127.0.0.1:{runner.addresses[0][1]}/slow")
            await seed(api, "slow", vehicles=1)
            server.sandbox.tick()
            await asyncio.wait_for(started.wait(), 5)
        assert not session.closed  # an injected session belongs to the caller
    finally:
        release.set()
        await runner.cleanup()


async def test_deauthorized_user_deleted_quietly(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    await _webhook(api, receiver.url)
    await seed(api, "quiet", vehicles=1)
    await server.settle()
    receiver.deliveries.clear()
    await api.delete("/users/quiet/authorization")
    await api.delete("/users/quiet")
    await server.settle()
    assert receiver.deliveries == []
    assert server.sandbox.events._baselines == {}

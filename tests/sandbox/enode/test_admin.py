"""Admin API: seeding, physical changes, clock, counters, state dump, loopback guard."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import Mock

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from sandbox.enode.app import gate_middleware
from sandbox.enode.server import SandboxServer
from sandbox.serving import is_loopback_client
from tests.sandbox.enode.helpers import Api, Receiver, seed


async def test_seed_and_pool(api: Api) -> None:
    ids = await seed(api, "s", vehicles=2, chargers=1)
    assert ids["userId"] == "s"
    assert len(ids["vehicleIds"]) == 2
    assert len(ids["chargerIds"]) == 1
    pool_vehicle = (await api.admin("POST", "/devices", {"vehicles": 1}))["vehicleIds"][0]
    plugged = await api.admin("POST", f"/vehicles/{pool_vehicle}/plug", {"autoStart": True})
    assert plugged["userId"] is None
    assert plugged["isReachable"] is False
    empty = await api.raw("POST", "/_sandbox/users/s2/seed")
    assert empty.json == {"userId": "s2", "vehicleIds": [], "chargerIds": []}
    pool = await api.admin("POST", "/devices", {"vehicles": 1, "chargers": 2})
    assert len(pool["vehicleIds"]) == 1
    assert len(pool["chargerIds"]) == 2
    assert (await api.get(f"/vehicles/{pool['vehicleIds'][0]}")).status == 404


async def test_seed_rejects_invalid_json(api: Api) -> None:
    reply = await api.raw("POST", "/_sandbox/users/s/seed", data=b"{oops")
    assert reply.status == 400


@pytest.mark.parametrize(
    "body",
    [
        {"vehicles": -1},
        {"vehicles": 1.5},
        {"vehicles": 5000},
        {"vehicleVendor": "ZAPTEC"},
        {"chargerVendor": "TESLA", "extra": True},
        {"chargers": True},
    ],
)
async def test_seed_validation(api: Api, body: dict[str, Any]) -> None:
    assert (await api.raw("POST", "/_sandbox/users/s/seed", json=body)).status == 400


async def test_plug_rules(api: Api) -> None:
    ids = await seed(api, "p", vehicles=2, chargers=1)
    first, second = ids["vehicleIds"]
    charger = ids["chargerIds"][0]
    plugged = await api.admin("POST", f"/vehicles/{first}/plug", {"chargerId": charger})
    assert plugged["chargeState"]["pluggedInChargerId"] == charger
    busy = await api.raw("POST", f"/_sandbox/vehicles/{second}/plug", json={"chargerId": charger})
    assert busy.status == 400
    again = await api.admin("POST", f"/vehicles/{first}/plug", {"chargerId": charger})
    assert again["chargeState"]["isPluggedIn"] is True
    other = await api.admin("POST", f"/vehicles/{first}/plug", {})
    assert other["chargeState"]["pluggedInChargerId"] is None
    unplugged = await api.admin("POST", f"/vehicles/{first}/unplug")
    assert unplugged["chargeState"]["powerDeliveryState"] == "UNPLUGGED"
    missing = await api.raw("POST", "/_sandbox/vehicles/nope/plug", json={})
    assert missing.status == 404
    no_charger = await api.raw(
        "POST", f"/_sandbox/vehicles/{first}/plug", json={"chargerId": "nope"}
    )
    assert no_charger.status == 404
    bad = await api.raw("POST", f"/_sandbox/vehicles/{first}/plug", json={"autoStart": "yes"})
    assert bad.status == 400


async def test_patch_validation(api: Api) -> None:
    ids = await seed(api, "v", vehicles=1, chargers=1)
    vehicle, charger = ids["vehicleIds"][0], ids["chargerIds"][0]
    body: dict[str, Any]
    for body in (
        {"batteryLevel": 101},
        {"chargeLimit": 0},
        {"latitude": 100},
        {"isReachable": "no"},
        {"capabilities": {"flying": True}},
        {"capabilities": {"location": "yes"}},
        {"capabilities": []},
        {"colour": "red"},
    ):
        reply = await api.raw("PATCH", f"/_sandbox/vehicles/{vehicle}", json=body)
        assert reply.status == 400, body
    for body in ({"maxCurrent": 0}, {"capabilities": {"odometer": True}}):
        reply = await api.raw("PATCH", f"/_sandbox/chargers/{charger}", json=body)
        assert reply.status == 400, body
    assert (await api.raw("PATCH", "/_sandbox/chargers/nope", json={})).status == 404
    moved = await api.admin(
        "PATCH", f"/vehicles/{vehicle}", {"longitude": 11.0, "capabilities": {"location": True}}
    )
    assert moved["location"]["longitude"] == 11.0


async def test_clock(api: Api, server: SandboxServer) -> None:
    before = await api.admin("GET", "/clock")
    assert before["scale"] == 0
    after = await api.admin("POST", "/clock/advance", {"seconds": 90})
    assert after["timestamp"] == pytest.approx(before["timestamp"] + 90)
    assert (await api.raw("POST", "/_sandbox/clock/advance", json={"seconds": -1})).status == 400
    settled = await api.admin("POST", "/settle")
    assert settled["timestamp"] == after["timestamp"]


async def test_request_counters(api: Api) -> None:
    await seed(api, "c", vehicles=1)
    await api.admin("DELETE", "/requests")
    await api.get("/users/c/vehicles")
    await api.get("/users/c/vehicles")
    await api.get("/nothing")
    counts = await api.admin("GET", "/requests")
    assert counts["byRoute"]["GET /users/{userId}/vehicles"] == 2
    assert counts["byRoute"]["POST /oauth2/token"] == 1
    assert counts["byRoute"]["GET <unmatched>"] == 1
    assert counts["total"] == 4
    await api.admin("DELETE", "/requests")
    assert (await api.admin("GET", "/requests")) == {"total": 0, "byRoute": {}}


async def test_state_dump(api: Api, receiver: Receiver) -> None:
    ids = await seed(api, "d", vehicles=1, chargers=1)
    await api.post("/users/d/locations", {"name": "Home", "latitude": 1, "longitude": 2})
    await api.post(
        "/webhooks",
        {
            "url": receiver.url,
            "secret": "top-secret",
            "authentication": {"headerName": "x-key", "headerValue": "hidden"},
        },
    )
    await api.post(f"/vehicles/{ids['vehicleIds'][0]}/max-current", {"maxCurrent": 10})
    await api.post(
        "/users/d/link",
        {
            "vendorType": "vehicle",
            "scopes": ["vehicle:read:data"],
            "language": "en-US",
            "redirectUri": "https://example.test/",
        },
    )
    await api.admin("POST", "/faults", {"path": "/x", "kind": "error"})
    state = await api.admin("GET", "/state")
    assert state["users"][0]["vendors"]
    assert {v["id"] for v in state["vehicles"]} == set(ids["vehicleIds"])
    assert len(state["chargers"]) == 1
    assert len(state["locations"]) == 1
    assert len(state["actions"]) == 1
    assert len(state["linkSessions"]) == 1
    assert state["webhooks"][0]["secret"] == "***"
    assert state["webhooks"][0]["auth_header_value"] == "***"
    assert "pendingEvents" in state["webhooks"][0]
    assert state["faults"][0]["path"] == "/x"


def _request_from(address: str | None, app: Any = None) -> Any:
    transport = Mock()
    transport.get_extra_info.return_value = None if address is None else (address, 1234)
    return make_mocked_request("GET", "/_sandbox/state", transport=transport, app=app)


def test_loopback_guard() -> None:
    assert is_loopback_client(_request_from("127.0.0.1"))
    assert is_loopback_client(_request_from("::1"))
    assert is_loopback_client(_request_from(None))
    assert not is_loopback_client(_request_from("192.168.1.10"))
    assert not is_loopback_client(_request_from("not-an-ip"))


async def test_non_loopback_admin_is_forbidden(server: SandboxServer) -> None:
    handler = Mock()
    response = await gate_middleware(_request_from("10.1.2.3", server.app), handler)
    assert response.status == 403
    handler.assert_not_called()


async def test_background_tick_delivers(
    receiver: Receiver, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    async with SandboxServer(time_scale=1, tick_interval=0.02, heartbeat_interval=0) as server:
        api = Api(session, server)
        await api.post("/webhooks", {"url": receiver.url, "secret": "secret-1"})
        original = server.sandbox.tick
        calls = 0

        def flaky() -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("boom")
            original()

        server.sandbox.tick = flaky  # type: ignore[method-assign]
        await seed(api, "bg", vehicles=1)
        for _ in range(200):
            if "user:vehicle:updated" in receiver.names():
                break
            await asyncio.sleep(0.02)
        assert "user:vehicle:discovered" in receiver.names()
        assert "user:vehicle:updated" in receiver.names()
    assert "Sandbox tick failed" in caplog.text

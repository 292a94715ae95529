"""Admin API: injected errors (every documented code), faults, rate limits, settings, state."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from sandbox.chargetrip.errors import CODES
from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import DATA, REMOVE, USER, codes, post

CHEAP = "query Check { connectedVehicleList(size: 1) { id } }"


async def admin(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    method: str,
    path: str,
    body: Any = None,
) -> tuple[int, Any]:
    async with session.request(method, f"{server.url}/_sandbox{path}", json=body) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


@pytest.mark.parametrize("code", list(CODES))
async def test_every_code_is_injectable(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str, code: str
) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)
    status, _ = await admin(
        session, server, "POST", "/errors", {"field": "connectedVehicleData", "code": code}
    )
    assert status == 201
    failed = await post(session, server, DATA, {"id": vehicle.id}, token=token)
    assert codes(failed) == [code]
    assert failed["data"] == {"connectedVehicleData": None}
    error = failed["errors"][0]
    assert error["path"] == ["connectedVehicleData"]
    assert error["extensions"]["exception"]["response"] == code
    recovered = await post(session, server, DATA, {"id": vehicle.id}, token=token)
    assert "errors" not in recovered


async def test_injected_error_targets_one_vehicle_and_lower_case(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    first, second = server.world.seed_connected(USER, 2)
    await admin(session, server, "POST", "/settings", {"errorCodeCase": "lower"})
    injected = {"field": "removeConnectedVehicle", "code": "CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED"}
    await admin(session, server, "POST", "/errors", {**injected, "id": second.id, "count": 2})
    ok = await post(session, server, REMOVE, {"input": {"id": first.id}}, token=token)
    assert "errors" not in ok
    refused = await post(session, server, REMOVE, {"input": {"id": second.id}}, token=token)
    assert codes(refused) == ["connected_vehicle_removal_not_allowed"]
    _, state = await admin(session, server, "GET", "/state")
    assert state["errors"][0]["count"] == 1
    assert state["settings"]["errorCodeCase"] == "lower"
    assert await admin(session, server, "DELETE", "/errors") == (204, "")
    assert "errors" not in await post(
        session, server, REMOVE, {"input": {"id": second.id}}, token=token
    )


async def test_rate_limit(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    await admin(session, server, "POST", "/settings", {"rateLimit": 2, "rateWindow": 60})
    for _ in range(2):
        assert "errors" not in await post(session, server, CHEAP, token=token)
    limited = await post(session, server, CHEAP, token=token)
    assert codes(limited) == ["RATE_LIMIT_EXCEEDED"]
    assert limited["data"] is None
    other = server.issue_token("someone-else")
    assert "errors" not in await post(session, server, CHEAP, token=other)
    await server.advance(60)
    assert "errors" not in await post(session, server, CHEAP, token=token)


async def test_transport_faults(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    status, fault = await admin(
        session, server, "POST", "/faults", {"kind": "error", "status": 502}
    )
    assert (status, fault["path"]) == (201, "/graphql")
    async with session.post(server.graphql_url, json={"query": CHEAP}) as response:
        assert response.status == 502
    await admin(session, server, "POST", "/faults", {"kind": "malformed"})
    async with session.post(
        server.graphql_url,
        json={"query": CHEAP},
        headers={"x-client-id": server.client_id, "x-app-id": server.app_id},
    ) as response:
        with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
            await response.json()
    await admin(session, server, "POST", "/faults", {"kind": "token_expiry"})
    assert codes(await post(session, server, CHEAP, token=token)) == ["AUTH_TOKEN_EXPIRED"]
    await admin(session, server, "POST", "/faults", {"kind": "latency", "latencyMs": 1})
    assert codes(await post(session, server, CHEAP, token=token)) == ["AUTH_TOKEN_EXPIRED"]
    await admin(session, server, "POST", "/faults", {"kind": "error", "count": 5})
    assert await admin(session, server, "DELETE", "/faults") == (204, "")
    _, state = await admin(session, server, "GET", "/state")
    assert state["faults"] == []


async def test_seed_status_patch_and_clock(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    status, seeded = await admin(
        session, server, "POST", "/connected-vehicles", {"userId": USER, "count": 2}
    )
    assert status == 201
    assert [v["status"] for v in seeded] == ["authorized", "authorized"]
    vehicle_id = seeded[0]["id"]
    path = f"/connected-vehicles/{vehicle_id}"
    _, patched = await admin(
        session,
        server,
        "PATCH",
        path,
        {"plugged": True, "odometer": 1234.5, "chargeLimit": 90, "label": "Van"},
    )
    assert patched["label"] == "Van"
    assert patched["data"]["charge"]["is_plugged_in"] is True
    assert patched["data"]["charge"]["is_charging"] is False
    assert patched["data"]["charge"]["limit"] == 90
    assert patched["data"]["odometer"]["distance"] == 1234.5
    _, charging = await admin(session, server, "PATCH", path, {"charging": True})
    assert charging["data"]["charge"]["is_charging"] is True
    _, stopped = await admin(session, server, "PATCH", path, {"charging": False})
    assert stopped["data"]["charge"]["is_charging"] is False
    _, unplugged = await admin(session, server, "PATCH", path, {"plugged": False})
    assert unplugged["data"]["charge"]["is_plugged_in"] is False
    _, idle = await admin(session, server, "PATCH", path, {"charging": False})
    assert idle["data"]["charge"]["is_plugged_in"] is False

    _, moved = await admin(session, server, "POST", f"{path}/status", {"status": "pending_removal"})
    assert moved["status"] == "pending_removal"
    _, now = await admin(session, server, "POST", "/clock/advance", {"seconds": 10})
    assert now["now"].endswith("Z")
    _, state = await admin(session, server, "GET", "/state")
    assert state["vehicles"][0]["status"] == "removed"

    model_seed = {"userId": USER, "vehicleId": seeded[1]["vehicle_id"]}
    status, same = await admin(session, server, "POST", "/connected-vehicles", model_seed)
    assert status == 201
    assert same[0]["vehicle_id"] == seeded[1]["vehicle_id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/tokens", {}),
        ("POST", "/tokens", {"userId": "u", "ttl": 0}),
        ("POST", "/tokens", {"userId": "u", "extra": 1}),
        ("POST", "/tokens", [1]),
        ("POST", "/connected-vehicles", {"userId": "u", "vehicleId": "nope"}),
        ("POST", "/connected-vehicles", {"userId": "u", "count": 101}),
        ("POST", "/errors", {"code": "NOPE"}),
        ("POST", "/errors", {"field": "nope", "code": "RATE_LIMIT_EXCEEDED"}),
        ("POST", "/faults", {"kind": "nope"}),
        ("POST", "/settings", {"errorCodeCase": "mixed"}),
        ("POST", "/settings", {"redirectCode": "yes"}),
        ("POST", "/clock/advance", {"seconds": -1}),
        ("POST", "/clock/advance", {"seconds": True}),
    ],
)
async def test_admin_validation(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    method: str,
    path: str,
    body: Any,
) -> None:
    status, _ = await admin(session, server, method, path, body)
    assert status == 400


async def test_admin_unknown_vehicle_and_bad_json(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    assert (await admin(session, server, "POST", "/connected-vehicles/x/status", {}))[0] == 404
    (vehicle,) = server.world.seed_connected(USER, 1)
    bad_status = {"status": "gone"}
    path = f"/connected-vehicles/{vehicle.id}"
    assert (await admin(session, server, "POST", f"{path}/status", bad_status))[0] == 400
    async with session.post(f"{server.url}/_sandbox/tokens", data=b"{") as response:
        assert response.status == 400
    (await admin(session, server, "POST", f"{path}/status", {"status": "removed"}))
    assert (await admin(session, server, "PATCH", path, {"odometer": -1}))[0] == 400
    pending = server.world.create(
        USER, vehicle.model.id, label=None, redirect_uri="http://127.0.0.1:9/cb", scope=["odometer"]
    )
    unlinked = f"/connected-vehicles/{pending.id}"
    assert (await admin(session, server, "PATCH", unlinked, {"plugged": True}))[0] == 409


async def test_settings_and_request_log(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    _, settings = await admin(
        session,
        server,
        "POST",
        "/settings",
        {"redirectCode": False, "perMakeLimit": 3, "removalDelay": 0, "enodeEnabled": True},
    )
    assert settings["redirectCode"] is False
    assert settings["removalDelay"] == 0
    await post(session, server, CHEAP, token=token)
    _, log = await admin(session, server, "GET", "/requests")
    assert log == [
        {
            "operationName": "Check",
            "operation": "query",
            "fields": ["connectedVehicleList"],
            "aliases": 0,
        }
    ]
    assert await admin(session, server, "DELETE", "/requests") == (204, "")
    assert (await admin(session, server, "GET", "/requests"))[1] == []

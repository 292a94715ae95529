"""The connected-vehicle status machine: create, Link UI, authorize, read, rename, remove."""

from __future__ import annotations

import aiohttp

from sandbox.chargetrip import catalog
from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import (
    AUTHORIZE,
    DATA,
    REMOVE,
    STATUS,
    USER,
    codes,
    create,
    finish_link,
    first_model,
    link_vehicle,
    post,
    query_of,
)


async def test_link_flow_end_to_end(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    model = await first_model(session, server)
    body = await create(session, server, token, model, label="<b>Family</b> car")
    vehicle = body["data"]["createConnectedVehicle"]
    assert vehicle["status"] == "pending_authorization"
    assert vehicle["provider"] == "Enode"
    assert vehicle["vehicle_id"] == model
    assert vehicle["label"] == "Family car"  # PlainString: HTML removed
    assert vehicle["vin"] is None
    assert vehicle["authorization_url"].startswith(server.url + "/link/")

    async with session.get(vehicle["authorization_url"]) as page:
        html = await page.text()
    assert page.status == 200
    for element in ("continue", "cancel", "scope-location", "scope-odometer"):
        assert f"id='{element}'" in html

    location = await finish_link(session, vehicle["authorization_url"])
    status = await post(session, server, STATUS, {"id": vehicle["id"]}, token=token)
    assert status["data"]["connectedVehicle"]["vin"] is None  # not before authorization
    params = query_of(location)
    assert location.startswith("http://127.0.0.1:9/auth/external/callback?")
    assert params["state"] == ["abc"]  # the redirect's own query is kept
    variables = {"input": {"id": vehicle["id"], "options": {"code": params["code"][0]}}}
    authorized = await post(session, server, AUTHORIZE, variables, token=token)
    result = authorized["data"]["authorizeConnectedVehicle"]
    assert result["status"] == "authorized"
    assert result["scope"] == ["location", "charge_state", "odometer"]
    assert len(result["vin"]) == 17

    status = await post(session, server, STATUS, {"id": vehicle["id"]}, token=token)
    assert status["data"]["connectedVehicle"]["status"] == "authorized"
    async with session.get(vehicle["authorization_url"]) as used:
        assert used.status == 404  # the Link session is over


async def test_authorize_without_code_and_before_link(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    settings = {"redirectCode": False}
    async with session.post(f"{server.url}/_sandbox/settings", json=settings) as response:
        assert response.status == 200
    body = await create(session, server, token, await first_model(session, server))
    vehicle = body["data"]["createConnectedVehicle"]
    variables = {"input": {"id": vehicle["id"], "options": {}}}

    early = await post(session, server, AUTHORIZE, variables, token=token)
    assert codes(early) == ["CONNECTED_VEHICLE_FORBIDDEN"]
    assert early["data"] == {"authorizeConnectedVehicle": None}

    location = await finish_link(session, vehicle["authorization_url"])
    assert "code" not in query_of(location)
    done = await post(session, server, AUTHORIZE, variables, token=token)
    assert done["data"]["authorizeConnectedVehicle"]["status"] == "authorized"


async def test_wrong_code_and_cancel(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await create(session, server, token, await first_model(session, server))
    vehicle = body["data"]["createConnectedVehicle"]
    cancelled = await finish_link(session, vehicle["authorization_url"], {"action": "cancel"})
    assert query_of(cancelled)["error"] == ["access_denied"]
    await finish_link(session, vehicle["authorization_url"])
    variables = {"input": {"id": vehicle["id"], "options": {"code": "wrong"}}}
    wrong = await post(session, server, AUTHORIZE, variables, token=token)
    assert codes(wrong) == ["AUTH_CODE_INVALID"]


async def test_scopes_deselected_on_the_link_page_null_their_groups(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await create(session, server, token, await first_model(session, server))
    vehicle = body["data"]["createConnectedVehicle"]
    form = {"action": "continue", "scopes_shown": "1", "scope": "odometer"}
    code = query_of(await finish_link(session, vehicle["authorization_url"], form))["code"][0]
    variables = {"input": {"id": vehicle["id"], "options": {"code": code}}}
    authorized = await post(session, server, AUTHORIZE, variables, token=token)
    assert authorized["data"]["authorizeConnectedVehicle"]["scope"] == ["odometer"]
    data = (await post(session, server, DATA, {"id": vehicle["id"]}, token=token))["data"]
    groups = data["connectedVehicleData"]
    assert groups["battery"] is None
    assert groups["charge"] is None
    assert groups["location"] is None
    assert groups["odometer"]["distance"] > 0


async def test_create_refusals(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    model = await first_model(session, server)
    assert codes(await create(session, server, token, "f" * 24)) == ["VEHICLE_NOT_FOUND"]
    blocked = await first_model(session, server, connectable=False)
    assert codes(await create(session, server, token, blocked)) == ["CONNECT_PROVIDER_NOT_ALLOWED"]
    assert codes(await create(session, server, token, model, scope=[])) == [
        "NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE"
    ]
    await create(session, server, token, model)
    assert codes(await create(session, server, token, model)) == ["VEHICLE_ALREADY_CONNECTED"]
    async with session.post(
        f"{server.url}/_sandbox/settings", json={"perMakeLimit": 1, "enodeEnabled": False}
    ) as response:
        assert (await response.json())["perMakeLimit"] == 1
    assert codes(await create(session, server, token, model)) == ["CONNECT_PROVIDER_NOT_ALLOWED"]
    async with session.post(
        f"{server.url}/_sandbox/settings", json={"enodeEnabled": True}
    ) as response:
        assert response.status == 200
    same_make = next(
        m.id for m in catalog.MODELS if m.make == "Tesla" and m.id != model and m.connectable
    )
    assert codes(await create(session, server, token, same_make)) == [
        "CONNECTED_VEHICLE_PER_MAKE_LIMIT_REACHED"
    ]


async def test_remove_goes_through_pending_removal(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    vehicle_id = await link_vehicle(session, server, token)
    removed = await post(session, server, REMOVE, {"input": {"id": vehicle_id}}, token=token)
    assert removed["data"]["removeConnectedVehicle"]["status"] == "pending_removal"
    again = await post(session, server, REMOVE, {"input": {"id": vehicle_id}}, token=token)
    assert codes(again) == ["CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED"]
    data = await post(session, server, DATA, {"id": vehicle_id}, token=token)
    assert codes(data) == ["CONNECTED_VEHICLE_FORBIDDEN"]

    await server.advance(5)
    status = await post(session, server, STATUS, {"id": vehicle_id}, token=token)
    assert status["data"]["connectedVehicle"]["status"] == "removed"
    assert status["data"]["connectedVehicle"]["vin"] is None


async def test_admin_can_authorize_a_pending_vehicle(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await create(session, server, token, await first_model(session, server))
    vehicle_id = body["data"]["createConnectedVehicle"]["id"]
    async with session.post(
        f"{server.url}/_sandbox/connected-vehicles/{vehicle_id}/status",
        json={"status": "authorized"},
    ) as response:
        state = await response.json()
    assert state["status"] == "authorized"
    assert state["data"]["battery"]["percentage"] > 0
    assert len(state["vin"]) == 17


async def test_remove_pending_vehicle_at_once_and_not_found(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await create(session, server, token, await first_model(session, server))
    vehicle_id = body["data"]["createConnectedVehicle"]["id"]
    removed = await post(session, server, REMOVE, {"input": {"id": vehicle_id}}, token=token)
    assert removed["data"]["removeConnectedVehicle"]["status"] == "removed"
    other = server.issue_token("someone-else")
    missing = await post(session, server, REMOVE, {"input": {"id": vehicle_id}}, token=other)
    assert codes(missing) == ["CONNECTED_VEHICLE_NOT_FOUND"]
    assert server.world.vehicles[vehicle_id].user_id == USER

"""Chargers: reads, location assignment, charge and max-current actions."""

from __future__ import annotations

from typing import Any

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api, seed
from tests.sandbox.enode.schema import check_component, check_response


async def _charger(api: Api, charger_id: str) -> dict[str, Any]:
    reply = await api.get(f"/chargers/{charger_id}")
    assert reply.status == 200, reply.text
    check_response(reply.json, "GET /chargers/{chargerId} 200")
    body: dict[str, Any] = reply.json
    return body


async def _setup(api: Api) -> tuple[str, str]:
    ids = await seed(api, "c", vehicles=1, chargers=1, vehicleVendor="TESLA")
    return ids["vehicleIds"][0], ids["chargerIds"][0]


async def test_charger_shape_and_lists(api: Api) -> None:
    _, charger_id = await _setup(api)
    charger = await _charger(api, charger_id)
    assert charger["vendor"] == "ZAPTEC"
    assert charger["information"]["serialNumber"].startswith("ZAP")
    assert charger["chargeState"]["powerDeliveryState"] == "UNPLUGGED"
    assert charger["chargeState"]["pluggedInVehicleId"] is None
    assert charger["location"] == {"id": None, "lastUpdated": None}
    user_list = await api.get("/users/c/chargers")
    check_response(user_list.json, "GET /users/{userId}/chargers 200")
    all_list = await api.get("/chargers?pageSize=1")
    check_response(all_list.json, "GET /chargers 200")
    assert [c["id"] for c in all_list.json["data"]] == [charger_id]


async def test_unknown_charger(api: Api) -> None:
    reply = await api.get("/chargers/nope")
    assert reply.status == 404
    check_component(reply.json, "Problem")
    assert (await api.post("/chargers/nope/refresh-hint")).status == 404
    assert (await api.put("/chargers/nope", {"locationId": None})).status == 404


async def test_refresh_hint(api: Api) -> None:
    _, charger_id = await _setup(api)
    assert (await api.post(f"/chargers/{charger_id}/refresh-hint")).status == 204


async def test_set_location(api: Api) -> None:
    _, charger_id = await _setup(api)
    location = (
        await api.post("/users/c/locations", {"name": "Home", "latitude": 1, "longitude": 2})
    ).json
    reply = await api.put(f"/chargers/{charger_id}", {"locationId": location["id"]})
    assert reply.status == 200
    check_response(reply.json, "PUT /chargers/{chargerId} 200")
    assert reply.json["location"]["id"] == location["id"]
    assert reply.json["location"]["lastUpdated"] is not None
    cleared = await api.put(f"/chargers/{charger_id}", {"locationId": None})
    assert cleared.json["location"]["id"] is None
    missing = await api.put(f"/chargers/{charger_id}", {"locationId": "unknown"})
    assert missing.status == 404
    foreign = (
        await api.post("/users/other/locations", {"name": "X", "latitude": 1, "longitude": 2})
    ).json
    assert (await api.put(f"/chargers/{charger_id}", {"locationId": foreign["id"]})).status == 404
    assert (await api.put(f"/chargers/{charger_id}", {})).status == 400
    assert (await api.put(f"/chargers/{charger_id}", {"locationId": 5})).status == 400


async def test_charger_start_stop(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _setup(api)
    no_vehicle = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    assert no_vehicle.status == 400
    check_response(no_vehicle.json, "POST /chargers/{chargerId}/charging 400")
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 30})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    charger = await _charger(api, charger_id)
    assert charger["chargeState"]["powerDeliveryState"] == "PLUGGED_IN:STOPPED"
    assert charger["chargeState"]["pluggedInVehicleId"] == vehicle_id
    assert (await api.post(f"/chargers/{charger_id}/charging", {"action": "STOP"})).status == 400
    start = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    check_response(start.json, "POST /chargers/{chargerId}/charging 200")
    assert start.json["targetType"] == "charger"
    await server.advance(5)
    action = await api.get(f"/chargers/actions/{start.json['id']}")
    check_response(action.json, "GET /chargers/actions/{actionId} 200")
    assert action.json["state"] == "CONFIRMED"
    assert (await _charger(api, charger_id))["chargeState"]["isCharging"] is True
    assert (await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})).status == 400
    stop = await api.post(f"/chargers/{charger_id}/charging", {"action": "STOP"})
    await server.advance(5)
    assert (await api.get(f"/chargers/actions/{stop.json['id']}")).json["state"] == "CONFIRMED"
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 80})
    full = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    assert full.status == 400


async def test_charger_action_without_vehicle_at_due_time(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _setup(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 30})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    start = (await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})).json
    await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    await server.advance(5)
    action = (await api.get(f"/chargers/actions/{start['id']}")).json
    assert action["state"] == "CANCELLED"
    assert action["failureReason"]["type"] == "FAILED_PRECONDITION"


async def test_charger_cancel(api: Api) -> None:
    vehicle_id, charger_id = await _setup(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 30})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    start = (await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})).json
    cancelled = await api.post(f"/chargers/actions/{start['id']}/cancel")
    check_response(cancelled.json, "POST /chargers/actions/{actionId}/cancel 200")
    again = await api.post(f"/chargers/actions/{start['id']}/cancel")
    assert again.status == 409
    check_response(again.json, "POST /chargers/actions/{actionId}/cancel 409")
    assert (await api.post("/chargers/actions/nope/cancel")).status == 404


async def test_charger_max_current(api: Api, server: SandboxServer) -> None:
    _, charger_id = await _setup(api)
    reply = await api.post(f"/chargers/{charger_id}/max-current", {"maxCurrent": 10})
    assert reply.status == 200
    check_response(reply.json, "POST /chargers/{chargerId}/max-current 200")
    await server.advance(5)
    action = (await api.get(f"/chargers/actions/{reply.json['id']}")).json
    check_response(action, "GET /chargers/actions/{actionId} 200")
    assert action["state"] == "CONFIRMED"
    assert (await _charger(api, charger_id))["chargeState"]["maxCurrent"] == 10
    assert (await api.post(f"/chargers/{charger_id}/max-current", {})).status == 400
    await api.admin("PATCH", f"/chargers/{charger_id}", {"capabilities": {"setMaxCurrent": False}})
    assert (await api.post(f"/chargers/{charger_id}/max-current", {"maxCurrent": 10})).status == 400


async def test_charger_capability_interventions(api: Api) -> None:
    charger_id = (await seed(api, "e", vehicles=0, chargers=1, chargerVendor="EASEE"))[
        "chargerIds"
    ][0]
    await api.admin("PATCH", f"/chargers/{charger_id}", {"capabilities": {"startCharging": False}})
    charger = await _charger(api, charger_id)
    assert charger["capabilities"]["startCharging"]["isCapable"] is False
    intervention_id = charger["capabilities"]["startCharging"]["interventionIds"][0]
    intervention = await api.get(f"/interventions/{intervention_id}")
    assert intervention.json["vendor"] == "EASEE"
    refused = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    assert "not capable" in refused.json["detail"]


async def test_charger_unreachable_action_fails(api: Api, server: SandboxServer) -> None:
    _, charger_id = await _setup(api)
    reply = await api.post(f"/chargers/{charger_id}/max-current", {"maxCurrent": 12})
    await api.admin("PATCH", f"/chargers/{charger_id}", {"isReachable": False})
    assert (await _charger(api, charger_id))["isReachable"] is False
    await server.advance(5)
    action = (await api.get(f"/chargers/actions/{reply.json['id']}")).json
    assert action["state"] == "FAILED"
    await api.admin("PATCH", f"/chargers/{charger_id}", {"isReachable": True})
    assert (await _charger(api, charger_id))["isReachable"] is True


async def test_charger_control_scope(api: Api) -> None:
    token = (
        await api.post(
            "/users/s/link",
            {
                "vendorType": "charger",
                "scopes": ["charger:read:data"],
                "language": "en-US",
                "redirectUri": "https://example.test/",
            },
        )
    ).json["linkToken"]
    await api.raw("POST", f"/link/{token}", data={"device": ""})
    charger_id = (await api.get("/users/s/chargers")).json["data"][0]["id"]
    reply = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    assert "scope" in reply.json["detail"]


async def test_action_fails_when_device_deleted(api: Api, server: SandboxServer) -> None:
    _, charger_id = await _setup(api)
    reply = await api.post(f"/chargers/{charger_id}/max-current", {"maxCurrent": 12})
    await api.delete("/users/c")
    await server.advance(5)
    action = (await api.get(f"/chargers/actions/{reply.json['id']}")).json
    assert action["state"] == "FAILED"
    assert action["failureReason"]["type"] == "NOT_FOUND"

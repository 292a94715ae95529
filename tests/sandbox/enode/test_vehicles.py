"""Vehicles: reads, pagination, charging physics, actions, pairing, geofence, smart charging."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.enode.server import SandboxServer
from tests.sandbox.enode.helpers import Api, seed
from tests.sandbox.enode.schema import check_component, check_response

ACTION = "GET /vehicles/actions/{actionId} 200"


async def _vehicle(api: Api, vehicle_id: str) -> dict[str, Any]:
    reply = await api.get(f"/vehicles/{vehicle_id}")
    assert reply.status == 200, reply.text
    check_response(reply.json, "GET /vehicles/{vehicleId} 200")
    body: dict[str, Any] = reply.json
    return body


async def _tesla_with_charger(api: Api, user: str = "u") -> tuple[str, str]:
    ids = await seed(api, user, vehicles=1, chargers=1, vehicleVendor="TESLA")
    return ids["vehicleIds"][0], ids["chargerIds"][0]


async def test_get_vehicle_full_shape(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["userId"] == "u"
    assert vehicle["vendor"] == "TESLA"
    assert len(vehicle["information"]["vin"]) == 17
    assert vehicle["information"]["brand"] == "Tesla"
    assert vehicle["chargeState"]["powerDeliveryState"] == "UNPLUGGED"
    assert vehicle["chargeState"]["chargeRate"] is None
    assert vehicle["chargeState"]["pluggedInChargerId"] is None
    assert vehicle["capabilities"]["setMaxCurrent"]["isCapable"] is True
    assert vehicle["location"]["latitude"] is not None
    assert vehicle["location"]["id"] is None
    state = vehicle["chargeState"]
    assert state["range"] == round(state["batteryLevel"] / 100 * 75 * 6, -0) or state["range"] > 0


async def test_unknown_vehicle(api: Api) -> None:
    for path in ("/vehicles/nope", "/vehicles/nope/smart-charging-policy"):
        reply = await api.get(path)
        assert reply.status == 404
        check_component(reply.json, "Problem")
    assert (await api.post("/vehicles/nope/refresh-hint")).status == 404


async def test_refresh_hint(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    assert (await api.post(f"/vehicles/{vehicle_id}/refresh-hint")).status == 204


async def test_pagination_across_pages(api: Api) -> None:
    ids = (await seed(api, "p", vehicles=5))["vehicleIds"]
    newest_first = list(reversed(ids))
    seen: list[str] = []
    after: str | None = None
    for _ in range(5):
        query = "?pageSize=2" + (f"&after={after}" if after else "")
        page = await api.get(f"/users/p/vehicles{query}")
        check_response(page.json, "GET /users/{userId}/vehicles 200")
        seen += [v["id"] for v in page.json["data"]]
        after = page.json["pagination"]["after"]
        if after is None:
            break
    assert seen == newest_first
    last = await api.get(f"/users/p/vehicles?pageSize=2&after={(await _cursor(api, 1))}")
    before = last.json["pagination"]["before"]
    assert before is not None
    back = await api.get(f"/users/p/vehicles?pageSize=2&before={before}")
    assert [v["id"] for v in back.json["data"]] == newest_first[:2]
    assert back.json["pagination"]["before"] is None
    everything = await api.get("/vehicles")
    check_response(everything.json, "GET /vehicles 200")
    assert [v["id"] for v in everything.json["data"]] == newest_first


async def _cursor(api: Api, index: int) -> str:
    page = await api.get(f"/users/p/vehicles?pageSize={index + 1}")
    return str(page.json["pagination"]["after"])


@pytest.mark.parametrize(
    "query",
    [
        "?after=abc&before=abc",
        "?pageSize=0",
        "?pageSize=ten",
        "?after=%%%",
        "?after=bm90LWEtY3Vyc29y",
        "?before=c2VxOng",
        "?after=a",
        "?after=__4",
    ],
)
async def test_pagination_errors(api: Api, query: str) -> None:
    reply = await api.get(f"/vehicles{query}")
    assert reply.status == 400
    check_component(reply.json, "Problem")


async def test_empty_page_of_unknown_user(api: Api) -> None:
    reply = await api.get("/users/nobody/vehicles")
    assert reply.json == {"data": [], "pagination": {"after": None, "before": None}}


async def test_soc_rises_while_charging_until_limit(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 50, "chargeLimit": 80})
    await api.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    state = (await _vehicle(api, vehicle_id))["chargeState"]
    assert state["powerDeliveryState"] == "PLUGGED_IN:CHARGING"
    assert state["chargeRate"] == 11.04
    assert state["isCharging"] is True
    await server.advance(3600)
    state = (await _vehicle(api, vehicle_id))["chargeState"]
    assert state["batteryLevel"] == 65  # 50 % + 11.04 kWh of 75 kWh
    assert state["range"] == 291
    assert state["chargeTimeRemaining"] == 62
    charger = (await api.get(f"/chargers/{charger_id}")).json
    assert charger["chargeState"]["chargeRate"] == 11.04
    assert charger["chargeState"]["powerDeliveryState"] == "PLUGGED_IN:CHARGING"
    await server.advance(7200)
    state = (await _vehicle(api, vehicle_id))["chargeState"]
    assert state["batteryLevel"] == 80
    assert state["isFullyCharged"] is True
    assert state["isCharging"] is False
    assert state["powerDeliveryState"] == "PLUGGED_IN:COMPLETE"
    assert state["chargeRate"] is None
    assert state["chargeTimeRemaining"] is None
    start = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert start.status == 400
    assert "fully charged" in start.json["detail"]


async def test_charge_rate_limited_by_charger(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/chargers/{charger_id}", {"maxCurrent": 10})
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 20})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"autoStart": True})
    assert (await _vehicle(api, vehicle_id))["chargeState"]["chargeRate"] == 22.08
    await api.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    assert (await _vehicle(api, vehicle_id))["chargeState"]["chargeRate"] == 6.9


async def test_start_stop_actions(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    assert (await _vehicle(api, vehicle_id))["chargeState"]["powerDeliveryState"] == (
        "PLUGGED_IN:STOPPED"
    )
    stop = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    assert stop.status == 400
    start = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert start.status == 200
    check_response(start.json, "POST /vehicles/{vehicleId}/charging 200")
    action = start.json
    assert action["state"] == "PENDING"
    assert action["kind"] == "START"
    assert action["targetType"] == "vehicle"
    assert action["completedAt"] is None
    again = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert again.json["id"] == action["id"]
    await server.advance(4)
    assert (await api.get(f"/vehicles/actions/{action['id']}")).json["state"] == "PENDING"
    await server.advance(1)
    done = (await api.get(f"/vehicles/actions/{action['id']}")).json
    check_response(done, ACTION)
    assert done["state"] == "CONFIRMED"
    assert done["completedAt"] is not None
    assert done["failureReason"] is None
    assert (await _vehicle(api, vehicle_id))["chargeState"]["isCharging"] is True
    assert (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).status == 400
    stop = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    await server.advance(5)
    assert (await api.get(f"/vehicles/actions/{stop.json['id']}")).json["state"] == "CONFIRMED"
    assert (await _vehicle(api, vehicle_id))["chargeState"]["powerDeliveryState"] == (
        "PLUGGED_IN:STOPPED"
    )


async def test_different_kind_cancels_pending(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    start = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    stop = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    assert stop.status == 200
    old = (await api.get(f"/vehicles/actions/{start['id']}")).json
    assert old["state"] == "CANCELLED"
    assert old["failureReason"]["type"] == "CONFLICT"
    await server.advance(5)
    assert (await api.get(f"/vehicles/actions/{stop.json['id']}")).json["state"] == "CONFIRMED"
    assert (await _vehicle(api, vehicle_id))["chargeState"]["isCharging"] is False


async def test_action_fails_when_unreachable(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    action = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"isReachable": False})
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["isReachable"] is False
    await server.advance(60)
    failed = (await api.get(f"/vehicles/actions/{action['id']}")).json
    assert failed["state"] == "FAILED"
    assert failed["failureReason"] == {
        "type": "NO_RESPONSE",
        "detail": "The device remained unreachable.",
    }
    assert (await _vehicle(api, vehicle_id))["lastSeen"] == vehicle["lastSeen"]
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"isReachable": True})
    assert (await _vehicle(api, vehicle_id))["lastSeen"] != vehicle["lastSeen"]


async def test_action_cancelled_when_unplugged_meanwhile(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    action = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    await server.advance(5)
    cancelled = (await api.get(f"/vehicles/actions/{action['id']}")).json
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["failureReason"]["type"] == "FAILED_PRECONDITION"


async def test_action_cancelled_when_full_meanwhile(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    action = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 90})
    await server.advance(5)
    assert (await api.get(f"/vehicles/actions/{action['id']}")).json["state"] == "CANCELLED"


async def test_cancel_action(api: Api) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    action = (await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})).json
    cancelled = await api.post(f"/vehicles/actions/{action['id']}/cancel")
    assert cancelled.status == 200
    check_response(cancelled.json, "POST /vehicles/actions/{actionId}/cancel 200")
    assert cancelled.json["state"] == "CANCELLED"
    assert cancelled.json["failureReason"]["type"] == "REQUESTED_CANCELLATION"
    again = await api.post(f"/vehicles/actions/{action['id']}/cancel")
    assert again.status == 409
    check_response(again.json, "POST /vehicles/actions/{actionId}/cancel 409")
    assert (await api.post("/vehicles/actions/unknown/cancel")).status == 404
    assert (await api.get("/vehicles/actions/unknown")).status == 404
    assert (await api.get(f"/chargers/actions/{action['id']}")).status == 404


async def test_charging_body_validation(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    for body in ({}, {"action": "PAUSE"}, {"action": "START", "extra": 1}):
        reply = await api.post(f"/vehicles/{vehicle_id}/charging", body)
        assert reply.status == 400
        check_response(reply.json, "POST /vehicles/{vehicleId}/charging 400")
    assert (await api.post("/vehicles/nope/charging", {"action": "START"})).status == 404


async def test_unplugged_start_is_refused(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    reply = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert reply.status == 400
    assert "plugged" in reply.json["detail"]


async def test_max_current(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    reply = await api.post(f"/vehicles/{vehicle_id}/max-current", {"maxCurrent": 20})
    assert reply.status == 200
    check_response(reply.json, "POST /vehicles/{vehicleId}/max-current 200")
    assert reply.json["targetState"] == {"maxCurrent": 20}
    await server.advance(5)
    action = (await api.get(f"/vehicles/actions/{reply.json['id']}")).json
    check_response(action, ACTION)
    assert action["state"] == "CONFIRMED"
    assert (await _vehicle(api, vehicle_id))["chargeState"]["maxCurrent"] == 20
    assert (await api.post(f"/vehicles/{vehicle_id}/max-current", {"maxCurrent": 0})).status == 400
    toyota = (await seed(api, "u", vehicles=1, vehicleVendor="TOYOTA"))["vehicleIds"][0]
    refused = await api.post(f"/vehicles/{toyota}/max-current", {"maxCurrent": 10})
    assert refused.status == 400


async def test_new_max_current_supersedes(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    first = (await api.post(f"/vehicles/{vehicle_id}/max-current", {"maxCurrent": 20})).json
    await api.post(f"/vehicles/{vehicle_id}/max-current", {"maxCurrent": 24})
    old = (await api.get(f"/vehicles/actions/{first['id']}")).json
    assert old["state"] == "CANCELLED"
    assert old["failureReason"]["type"] == "CONFLICT"


async def test_missing_control_scope(api: Api) -> None:
    token = (
        await api.post(
            "/users/scoped/link",
            {
                "vendorType": "vehicle",
                "scopes": ["vehicle:read:data"],
                "language": "en-US",
                "redirectUri": "https://example.test/",
            },
        )
    ).json["linkToken"]
    await api.raw("POST", f"/link/{token}", data={"vendor": "TESLA", "device": ""})
    vehicle = (await api.get("/users/scoped/vehicles")).json["data"][0]
    assert vehicle["location"]["latitude"] is None  # no vehicle:read:location scope
    reply = await api.post(f"/vehicles/{vehicle['id']}/charging", {"action": "START"})
    assert reply.status == 400
    assert "scope" in reply.json["detail"]


async def test_pairing_unlocks_capabilities(api: Api) -> None:
    ids = await seed(api, "pair", vehicles=1, chargers=1, vehicleVendor="TOYOTA")
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    caps = (await _vehicle(api, vehicle_id))["capabilities"]
    for name in ("startCharging", "stopCharging", "location"):
        assert caps[name]["isCapable"] is False
        assert caps[name]["interventionIds"]
    refused = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert refused.status == 400
    assert "not capable" in refused.json["detail"]
    location = (
        await api.post(
            "/users/pair/locations",
            {"name": "Home", "latitude": 60.0, "longitude": 11.0, "timezoneName": "Europe/Oslo"},
        )
    ).json
    await api.put(f"/chargers/{charger_id}", {"locationId": location["id"]})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    vehicle = await _vehicle(api, vehicle_id)
    for name in ("startCharging", "stopCharging", "location"):
        assert vehicle["capabilities"][name] == {"isCapable": True, "interventionIds": []}
    assert vehicle["chargeState"]["pluggedInChargerId"] == charger_id
    assert vehicle["location"]["id"] == location["id"]
    assert vehicle["location"]["latitude"] == 60.0
    charger = (await api.get(f"/chargers/{charger_id}")).json
    assert charger["chargeState"]["pluggedInVehicleId"] == vehicle_id
    assert charger["chargeState"]["isPluggedIn"] is True
    await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["chargeState"]["pluggedInChargerId"] is None
    assert vehicle["capabilities"]["startCharging"]["isCapable"] is True  # persisted
    for attempt in range(10):
        kind = "START" if attempt % 2 else "STOP"
        reply = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": kind})
        assert reply.status == 400
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["capabilities"]["startCharging"]["isCapable"] is False
    assert vehicle["capabilities"]["location"]["isCapable"] is False
    assert vehicle["location"]["latitude"] is None
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    assert (await _vehicle(api, vehicle_id))["capabilities"]["startCharging"]["isCapable"]


async def test_pairing_only_with_same_user(api: Api) -> None:
    vehicle_id = (await seed(api, "a", vehicles=1, vehicleVendor="TOYOTA"))["vehicleIds"][0]
    charger_id = (await seed(api, "b", chargers=1, vehicles=0))["chargerIds"][0]
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["chargeState"]["isPluggedIn"] is True
    assert vehicle["chargeState"]["pluggedInChargerId"] is None
    assert vehicle["capabilities"]["startCharging"]["isCapable"] is False
    charger = (await api.get(f"/chargers/{charger_id}")).json
    assert charger["chargeState"]["isPluggedIn"] is True
    assert charger["chargeState"]["pluggedInVehicleId"] is None


async def test_pairing_cleared_when_charger_unlinked(api: Api) -> None:
    ids = await seed(api, "pair", vehicles=1, chargers=1, vehicleVendor="TOYOTA")
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    await api.delete("/users/pair/vendors/ZAPTEC")
    assert not (await _vehicle(api, vehicle_id))["capabilities"]["startCharging"]["isCapable"]


async def test_linking_charger_pairs_plugged_vehicle(api: Api) -> None:
    vehicle_id = (await seed(api, "late", vehicles=1, vehicleVendor="TOYOTA"))["vehicleIds"][0]
    pool = await api.admin("POST", "/devices", {"chargers": 1, "chargerVendor": "OHME"})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": pool["chargerIds"][0]})
    assert (await _vehicle(api, vehicle_id))["chargeState"]["pluggedInChargerId"] is None
    token = (
        await api.post(
            "/users/late/link",
            {
                "vendorType": "charger",
                "scopes": ["charger:read:data"],
                "language": "en-US",
                "redirectUri": "https://example.test/",
            },
        )
    ).json["linkToken"]
    await api.raw("POST", f"/link/{token}", data={"device": pool["chargerIds"][0]})
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["chargeState"]["pluggedInChargerId"] == pool["chargerIds"][0]
    assert vehicle["capabilities"]["stopCharging"]["isCapable"] is True


async def test_geofence(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    vehicle = await _vehicle(api, vehicle_id)
    lat, lon = vehicle["location"]["latitude"], vehicle["location"]["longitude"]
    home = (
        await api.post("/users/u/locations", {"name": "Home", "latitude": lat, "longitude": lon})
    ).json
    assert (await _vehicle(api, vehicle_id))["location"]["id"] == home["id"]
    # 0.0027 degrees of latitude is about 300 m.
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"latitude": lat + 0.0027})
    assert (await _vehicle(api, vehicle_id))["location"]["id"] is None
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"latitude": lat + 0.0013})
    assert (await _vehicle(api, vehicle_id))["location"]["id"] == home["id"]
    near = (
        await api.post(
            "/users/u/locations",
            {"name": "Neighbour", "latitude": lat + 0.0013, "longitude": lon},
        )
    ).json
    assert (await _vehicle(api, vehicle_id))["location"]["id"] == near["id"]
    other = (await seed(api, "other", vehicles=0, chargers=0))["userId"]
    await api.post(f"/users/{other}/locations", {"name": "X", "latitude": lat, "longitude": lon})
    assert (await _vehicle(api, vehicle_id))["location"]["id"] == near["id"]


async def test_smart_charging_policy(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    policy = await api.get(f"/vehicles/{vehicle_id}/smart-charging-policy")
    check_response(policy.json, "GET /vehicles/{vehicleId}/smart-charging-policy 200")
    assert policy.json == {"isEnabled": False, "deadline": None, "minimumChargeLimit": 0}
    no_deadline = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": True}
    )
    assert no_deadline.status == 400
    check_response(no_deadline.json, "PUT /vehicles/{vehicleId}/smart-charging-policy 400")
    for deadline in ("25:00", "7:00", "24:01"):
        reply = await api.put(
            f"/vehicles/{vehicle_id}/smart-charging-policy", {"deadline": deadline}
        )
        assert reply.status == 400, deadline
    ok = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": True, "deadline": "24:00"}
    )
    assert ok.status == 200
    check_response(ok.json, "PUT /vehicles/{vehicleId}/smart-charging-policy 200")
    partial = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"minimumChargeLimit": 30}
    )
    assert partial.json == {"isEnabled": True, "deadline": "24:00", "minimumChargeLimit": 30}
    too_high = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"minimumChargeLimit": 95}
    )
    assert too_high.status == 400
    vehicle = await _vehicle(api, vehicle_id)
    assert vehicle["smartChargingPolicy"]["deadline"] == "24:00"
    status = await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")
    check_response(status.json, "GET /vehicles/{vehicleId}/smart-charging-status 200")
    assert status.json["state"] == "CONSIDERING"
    assert status.json["plan"] is None


async def test_smart_charging_not_capable(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"capabilities": {"smartCharging": False}})
    reply = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": True, "deadline": "07:00"}
    )
    assert reply.status == 400


async def test_smart_status_states(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    status = (await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")).json
    assert status["state"] == "DISABLED"
    assert status["consideration"]["isPluggedIn"] is False
    await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": True, "deadline": "07:00"}
    )
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 80})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    status = (await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")).json
    assert status["state"] == "FULLY_CHARGED"


async def test_smart_override(api: Api, server: SandboxServer) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    unplugged = await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert unplugged.status == 400
    assert (await api.delete(f"/vehicles/{vehicle_id}/smart-override")).status == 404
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    created = await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert created.status == 200
    check_response(created.json, "POST /vehicles/{vehicleId}/smart-override 200")
    assert created.json["vendorActionId"] is not None
    assert created.json["endedAt"] is None
    assert (await api.post(f"/vehicles/{vehicle_id}/smart-override")).json == created.json
    status = (await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")).json
    assert status["smartOverride"]["targetId"] == vehicle_id
    await server.advance(5)
    assert (await _vehicle(api, vehicle_id))["chargeState"]["isCharging"] is True
    ended = await api.delete(f"/vehicles/{vehicle_id}/smart-override")
    assert ended.status == 200
    check_response(ended.json, "DELETE /vehicles/{vehicleId}/smart-override 200")
    assert ended.json["endedAt"] is not None
    missing = await api.delete(f"/vehicles/{vehicle_id}/smart-override")
    check_response(missing.json, "DELETE /vehicles/{vehicleId}/smart-override 404")
    again = await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert again.json["vendorActionId"] is None  # already charging
    await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    await server.advance(5)
    status = (await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")).json
    assert status["smartOverride"] is None


async def test_smart_override_when_full(api: Api) -> None:
    vehicle_id, charger_id = await _tesla_with_charger(api)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 80})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    assert (await api.post(f"/vehicles/{vehicle_id}/smart-override")).status == 400


async def test_odometer_capability(api: Api) -> None:
    nissan = (await seed(api, "n", vehicles=1, vehicleVendor="NISSAN"))["vehicleIds"][0]
    vehicle = await _vehicle(api, nissan)
    assert vehicle["odometer"] == {"distance": None, "lastUpdated": None}
    await api.admin("PATCH", f"/vehicles/{nissan}", {"odometer": 1234})
    assert (await _vehicle(api, nissan))["odometer"]["distance"] is None
    tesla = (await seed(api, "n", vehicles=1, vehicleVendor="TESLA"))["vehicleIds"][0]
    await api.admin("PATCH", f"/vehicles/{tesla}", {"odometer": 1234.4})
    assert (await _vehicle(api, tesla))["odometer"]["distance"] == 1234


async def test_policy_update_while_disabled(api: Api) -> None:
    vehicle_id, _ = await _tesla_with_charger(api)
    reply = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"minimumChargeLimit": 20}
    )
    assert reply.json == {"isEnabled": False, "deadline": None, "minimumChargeLimit": 20}


async def test_unexpected_error_is_500_problem(
    api: Api, server: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: Any) -> None:
        raise RuntimeError("boom")

    await api.fetch_token()
    monkeypatch.setattr(server.world, "vehicles_of", explode)
    reply = await api.get("/vehicles")
    assert reply.status == 500
    check_component(reply.json, "Problem")

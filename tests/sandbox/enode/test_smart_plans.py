"""Smart-charging plans: made at a charging location, walked through, ended; 422 and 403."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sandbox.clock import SimClock
from sandbox.enode import smart
from sandbox.enode.events import SMART_STATUS_EVENT
from sandbox.enode.server import SandboxServer
from sandbox.enode.world import World
from tests.sandbox.enode.helpers import Api, Receiver, seed
from tests.sandbox.enode.schema import check_response, check_webhook

# 17:00 in Oslo: peak price; the night (00-06 local) is the cheapest time to charge.
START = datetime(2026, 12, 4, 16, 0, tzinfo=UTC).timestamp()
OSLO = ZoneInfo("Europe/Oslo")


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run a sandbox whose clock starts at a known time and only moves when advanced."""
    async with SandboxServer(
        time_scale=0,
        action_delay=5,
        background=False,
        heartbeat_interval=0,
        start=START,
        connections_limit=3,
    ) as running:
        yield running


async def _plugged_at_home(api: Api, *, battery: float = 40) -> tuple[str, str]:
    """Plug a Tesla into a charger at the user's home location, charging from plug-in."""
    ids = await seed(api, "u", vehicles=1, chargers=1, vehicleVendor="TESLA")
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    vehicle = (await api.get(f"/vehicles/{vehicle_id}")).json
    home = await api.post(
        "/users/u/locations",
        {
            "name": "Home",
            "latitude": vehicle["location"]["latitude"],
            "longitude": vehicle["location"]["longitude"],
            "timezoneName": "Europe/Oslo",
        },
    )
    await api.put(f"/chargers/{charger_id}", {"locationId": home.json["id"]})
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": battery})
    await api.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    return vehicle_id, charger_id


async def _status(api: Api, vehicle_id: str) -> dict[str, Any]:
    reply = await api.get(f"/vehicles/{vehicle_id}/smart-charging-status")
    check_response(reply.json, "GET /vehicles/{vehicleId}/smart-charging-status 200")
    body: dict[str, Any] = reply.json
    return body


async def _enable(api: Api, vehicle_id: str, deadline: str = "07:00") -> None:
    reply = await api.put(
        f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": True, "deadline": deadline}
    )
    assert reply.status == 200, reply.text


async def test_plan_moves_charging_to_the_cheap_night(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _plugged_at_home(api)
    assert (await _status(api, vehicle_id))["plan"] is None
    await _enable(api, vehicle_id)

    status = await _status(api, vehicle_id)
    plan = status["plan"]
    assert status["state"] == "PLAN:EXECUTING:STOPPING"
    assert status["consideration"]["atChargingLocation"] is True
    # 40 % -> 80 % of 75 kWh at 11.04 kW takes 2 h 43 min: from local midnight, by 07:00.
    assert plan["startAt"] == "2026-12-04T23:00:00.000Z"
    assert plan["estimatedFinishAt"].startswith("2026-12-05T01:43")
    assert plan["stopAt"] == _iso(START)
    assert (plan["currency"], plan["smartCost"], plan["nonSmartCost"]) == ("NOK", 30.0, 90.0)
    assert plan["finalState"] is None

    await server.advance(5)
    stopped = await _status(api, vehicle_id)
    assert stopped["state"] == "PLAN:EXECUTING:STOPPED"
    assert stopped["plan"]["stopConfirmedAt"] == _iso(START + 5)
    assert stopped["stateChangedAt"] == _iso(START + 5)
    assert (await api.get(f"/vehicles/{vehicle_id}")).json["chargeState"]["isCharging"] is False

    await server.advance(7 * 3600 - 5)  # 23:00 UTC: the window opens
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STARTING"
    await server.advance(5)
    started = await _status(api, vehicle_id)
    assert started["state"] == "PLAN:EXECUTING:STARTED"
    assert started["plan"]["startConfirmedAt"] == _iso(START + 7 * 3600 + 5)

    await server.advance(3 * 3600)
    finished = await _status(api, vehicle_id)
    assert finished["state"] == "PLAN:ENDED:FINISHED"
    assert finished["plan"]["finalState"] == "PLAN:ENDED:FINISHED"
    assert finished["plan"]["endedAt"].startswith("2026-12-05T01:43")
    vehicle = (await api.get(f"/vehicles/{vehicle_id}")).json
    assert vehicle["chargeState"]["batteryLevel"] == 80

    latest = await api.get(f"/vehicles/{vehicle_id}/smart-charging-plans/latest")
    check_response(
        latest.json, "GET /vehicles/{vehicleId}/smart-charging-plans/{smartChargingPlanId} 200"
    )
    assert latest.json == finished["plan"]
    by_id = await api.get(f"/vehicles/{vehicle_id}/smart-charging-plans/{plan['id']}")
    assert by_id.json == finished["plan"]


async def test_no_plan_without_location_deadline_room_or_need(
    api: Api, server: SandboxServer
) -> None:
    ids = await seed(api, "u", vehicles=1, chargers=1, vehicleVendor="TESLA")
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    missing = await api.get(f"/vehicles/{vehicle_id}/smart-charging-plans/latest")
    assert missing.status == 404
    await _enable(api, vehicle_id)
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 40})
    await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
    status = await _status(api, vehicle_id)  # plugged in, but not at a charging location
    assert (status["state"], status["plan"]) == ("CONSIDERING", None)


async def test_plan_starts_now_when_the_deadline_is_close(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _plugged_at_home(api, battery=20)
    await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    await server.advance(5)
    await _enable(api, vehicle_id, deadline="18:00")  # one hour away, 4 h of charging needed
    status = await _status(api, vehicle_id)
    assert status["state"] == "PLAN:EXECUTING:STARTING"
    assert status["plan"]["startAt"] == status["plan"]["stopAt"]
    assert status["plan"]["smartCost"] == status["plan"]["nonSmartCost"]
    await server.advance(5)
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STARTED"


async def test_plan_while_charging_starts_at_once(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _plugged_at_home(api, battery=20)
    await _enable(api, vehicle_id, deadline="18:00")
    status = await _status(api, vehicle_id)
    assert status["state"] == "PLAN:EXECUTING:STARTED"
    assert status["plan"]["startConfirmedAt"] == _iso(START)


async def test_active_plan_answers_422_to_charging_commands(
    api: Api, server: SandboxServer
) -> None:
    vehicle_id, charger_id = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await server.advance(5)
    refused = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "START"})
    assert refused.status == 422
    check_response(refused.json, "POST /vehicles/{vehicleId}/charging 422")
    assert "smart charging plan" in refused.json["detail"]
    refused = await api.post(f"/chargers/{charger_id}/charging", {"action": "START"})
    assert refused.status == 422
    check_response(refused.json, "POST /chargers/{chargerId}/charging 422")

    # The smart override gives control back: the plan is overridden, commands work again.
    override = await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert override.status == 200
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:OVERRIDDEN"
    await server.advance(5)
    stop = await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    assert stop.status == 200
    await server.advance(5)  # charging stopped: the override ends, the plan waits again
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STOPPED"


async def test_override_ending_after_the_window_opened(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await server.advance(5)
    await server.advance(7 * 3600)
    await server.advance(5)  # charging in the window
    override = await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert override.json["vendorActionId"] is None
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:OVERRIDDEN"
    await api.delete(f"/vehicles/{vehicle_id}/smart-override")
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STARTED"


async def test_override_ended_before_charging_and_window_open(
    api: Api, server: SandboxServer
) -> None:
    """Stopped by hand while overridden inside the window: the plan starts charging again."""
    vehicle_id, _ = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await server.advance(5)
    await server.advance(7 * 3600)  # STARTING at the window
    await api.post(f"/vehicles/{vehicle_id}/smart-override")
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:OVERRIDDEN"
    await api.post(f"/vehicles/{vehicle_id}/charging", {"action": "STOP"})
    await server.advance(5)
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STARTING"


async def test_override_while_charging_before_window_stops_again(
    api: Api, server: SandboxServer
) -> None:
    vehicle_id, _ = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await server.advance(5)
    await api.post(f"/vehicles/{vehicle_id}/smart-override")
    await server.advance(5)
    await api.delete(f"/vehicles/{vehicle_id}/smart-override")
    assert (await _status(api, vehicle_id))["state"] == "PLAN:EXECUTING:STOPPING"


@pytest.mark.parametrize(
    ("change", "final_state", "next_state"),
    [
        ("unplug", "PLAN:ENDED:UNPLUGGED", "PLAN:ENDED:UNPLUGGED"),
        ("disable", "PLAN:ENDED:DISABLED", "PLAN:ENDED:DISABLED"),
        ("deadline", "PLAN:ENDED:DEADLINE_CHANGED", "PLAN:EXECUTING:STOPPED"),
        ("full", "PLAN:ENDED:FINISHED", "PLAN:ENDED:FINISHED"),
    ],
)
async def test_plan_ends(
    api: Api, server: SandboxServer, change: str, final_state: str, next_state: str
) -> None:
    vehicle_id, charger_id = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await server.advance(5)
    first = (await _status(api, vehicle_id))["plan"]["id"]
    if change == "unplug":
        await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    elif change == "disable":
        await api.put(f"/vehicles/{vehicle_id}/smart-charging-policy", {"isEnabled": False})
    elif change == "deadline":
        await _enable(api, vehicle_id, deadline="06:00")
    else:
        await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 80})
    ended = await api.get(f"/vehicles/{vehicle_id}/smart-charging-plans/{first}")
    assert ended.json["finalState"] == final_state
    status = await _status(api, vehicle_id)
    assert status["state"] == next_state
    if change == "unplug":  # plugging in again starts afresh with a new plan
        await api.admin("POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id})
        assert (await _status(api, vehicle_id))["plan"]["id"] != first
    if change == "disable":  # enabling again while plugged in makes a new plan
        await _enable(api, vehicle_id)
        assert (await _status(api, vehicle_id))["plan"]["id"] != first


async def test_unlinking_forgets_plans(api: Api, server: SandboxServer) -> None:
    vehicle_id, _ = await _plugged_at_home(api)
    await _enable(api, vehicle_id)
    await api.delete("/users/u")
    await seed(api, "v", vehicles=0)
    world = server.world
    assert world.vehicles[vehicle_id].smart_plans == []


async def test_status_changes_are_pushed(
    api: Api, server: SandboxServer, receiver: Receiver
) -> None:
    vehicle_id, _ = await _plugged_at_home(api)
    reply = await api.post("/webhooks", {"url": receiver.url, "secret": "0123456789abcdef"})
    assert reply.status == 200
    await server.settle()
    receiver.deliveries.clear()
    await _enable(api, vehicle_id)
    await server.advance(5)
    events = [e for e in receiver.events if e["event"] == SMART_STATUS_EVENT]
    for event in events:
        check_webhook(event)
    assert [e["smartChargingStatus"]["state"] for e in events] == ["PLAN:EXECUTING:STOPPED"]
    assert {"state", "plan.id", "plan.stopConfirmedAt"} <= set(events[0]["updatedFields"])
    assert "updatedAt" not in events[0]["updatedFields"]
    receiver.deliveries.clear()
    await server.advance(1)  # nothing changed: nothing is pushed
    assert SMART_STATUS_EVENT not in receiver.names()


async def test_connections_limit_answers_403(api: Api, server: SandboxServer) -> None:
    body = {"vendorType": "vehicle", "scopes": ["vehicle:read:data"], "language": "en-US"}
    body["redirectUri"] = "https://example.com/back"
    assert (await api.post("/users/u/link", body)).status == 200
    await seed(api, "u", vehicles=2, chargers=1)
    refused = await api.post("/users/u/link", body)
    assert refused.status == 403
    check_response(refused.json, "POST /users/{userId}/link 403")
    assert refused.json["title"] == "Connections limit reached."
    assert refused.json["type"].endswith("/forbidden")


def test_price_curve_and_deadlines() -> None:
    evening = datetime(2026, 12, 4, 18, 0, tzinfo=OSLO).timestamp()
    assert smart.price_at(evening, OSLO) == 3.0
    assert smart.price_at(evening - 4 * 3600, OSLO) == 2.0
    assert smart.price_at(evening + 7 * 3600, OSLO) == 1.0
    midnight = datetime(2026, 12, 5, 0, 0, tzinfo=OSLO).timestamp()
    assert smart.next_deadline(evening, "24:00", OSLO) == midnight
    assert smart.next_deadline(evening, "18:00", OSLO) == midnight + 18 * 3600
    # One kWh in the peak and one at day price, across a quarter-hour boundary.
    assert smart.charging_cost(evening - 2 * 3600 - 450, 900, 4.0, OSLO) == pytest.approx(2.5)
    assert smart.cheapest_start(evening, 3600, midnight + 3600, 1.0, OSLO) == midnight
    assert smart.zone_of("Not/AZone") == ZoneInfo("UTC")


def test_steps_due_without_the_clock_moving() -> None:
    """With no action delay a plan's next step is due at once, at the next read."""
    world = World(SimClock(scale=0, start=START), action_delay=0)
    (vehicle,), (charger,) = world.seed_user("u", vehicles=1, chargers=1, vehicle_vendor="TESLA")
    home = world.create_location("u", "Home", vehicle.latitude, vehicle.longitude, "Europe/Oslo")
    world.set_charger_location(charger.id, home.id)
    world.patch_vehicle(vehicle.id, battery_level=40)
    world.plug(vehicle.id, charger.id, auto_start=True)
    world.update_smart_policy(vehicle.id, is_enabled=True, deadline="07:00")
    assert world.smart_state(vehicle) == "PLAN:EXECUTING:STOPPING"
    world.now()
    assert world.smart_state(vehicle) == "PLAN:EXECUTING:STOPPED"
    assert vehicle.charging is False

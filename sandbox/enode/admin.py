"""Admin API under ``/_sandbox/``: seed users, move devices, advance time, inject faults.

No authentication (it is a local test tool) but loopback clients only. Tests, the demo and
benchmarks drive scenarios through these routes; the CLI flags map onto the same operations.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from aiohttp import web

from sandbox.clock import isoformat
from sandbox.enode import catalog
from sandbox.enode.payloads import charger_json, vehicle_json
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import Body, present, read_json, read_optional_json
from sandbox.faults import FAULT_KINDS, Fault
from sandbox.problems import ApiProblem
from sandbox.serving import is_loopback_client

routes = web.RouteTableDef()
PREFIX = "/_sandbox"

MAX_SEED_DEVICES = 1000
MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600.0
MIN_CHARGE_LIMIT = 1.0
MAX_PERCENT = 100.0
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0
MIN_STATUS, MAX_STATUS = 400, 599
MAX_FAULT_COUNT = 1_000_000
_fault_ids = itertools.count(1)


def _counts(body: Body) -> tuple[int, int, str | None, str | None]:
    vehicles = body.number("vehicles", minimum=0, maximum=MAX_SEED_DEVICES, integer=True)
    chargers = body.number("chargers", minimum=0, maximum=MAX_SEED_DEVICES, integer=True)
    vehicle_vendor = body.string("vehicleVendor", enum=catalog.VEHICLE_VENDORS)
    charger_vendor = body.string("chargerVendor", enum=catalog.CHARGER_VENDORS)
    body.check()
    return int(vehicles or 0), int(chargers or 0), vehicle_vendor, charger_vendor


_SEED_FIELDS = ("vehicles", "chargers", "vehicleVendor", "chargerVendor")


@routes.post(PREFIX + "/users/{userId}/seed")
async def seed_user(request: web.Request) -> web.Response:
    """Link new simulated devices straight to a user (no Link UI)."""
    world = request.app[SANDBOX].world
    body = Body(await read_optional_json(request), allowed=_SEED_FIELDS)
    vehicles, chargers, vehicle_vendor, charger_vendor = _counts(body)
    user_id = request.match_info["userId"]
    new_vehicles, new_chargers = world.seed_user(
        user_id,
        vehicles=vehicles,
        chargers=chargers,
        vehicle_vendor=vehicle_vendor,
        charger_vendor=charger_vendor,
    )
    return web.json_response(
        {
            "userId": user_id,
            "vehicleIds": [v.id for v in new_vehicles],
            "chargerIds": [c.id for c in new_chargers],
        }
    )


@routes.post(PREFIX + "/devices")
async def create_pool_devices(request: web.Request) -> web.Response:
    """Create unlinked simulated devices that the Link UI will offer."""
    world = request.app[SANDBOX].world
    body = Body(await read_optional_json(request), allowed=_SEED_FIELDS)
    vehicles, chargers, vehicle_vendor, charger_vendor = _counts(body)
    new_vehicles = [world.create_vehicle(vehicle_vendor) for _ in range(vehicles)]
    new_chargers = [world.create_charger(charger_vendor) for _ in range(chargers)]
    return web.json_response(
        {"vehicleIds": [v.id for v in new_vehicles], "chargerIds": [c.id for c in new_chargers]}
    )


@routes.post(PREFIX + "/users/{userId}/invalidate-credentials")
async def invalidate_credentials(request: web.Request) -> web.Response:
    """Simulate the vendor revoking a user's credentials (emits credentials:invalidated)."""
    world = request.app[SANDBOX].world
    body = Body(await read_optional_json(request), allowed=("vendor",))
    vendor = body.string("vendor", enum=catalog.ALL_VENDORS)
    body.check()
    vendors = world.invalidate_credentials(request.match_info["userId"], vendor)
    return web.json_response({"vendors": vendors})


@routes.post(PREFIX + "/vehicles/{vehicleId}/plug")
async def plug(request: web.Request) -> web.Response:
    """Plug a vehicle into a charger (or an unknown one without ``chargerId``)."""
    world = request.app[SANDBOX].world
    body = Body(await read_optional_json(request), allowed=("chargerId", "autoStart"))
    charger_id = body.string("chargerId", nullable=True)
    auto_start = body.boolean("autoStart")
    body.check()
    vehicle_id = request.match_info["vehicleId"]
    world.plug(vehicle_id, charger_id, auto_start=bool(auto_start))
    return web.json_response(vehicle_json(world, world.get_vehicle(vehicle_id, linked=False)))


@routes.post(PREFIX + "/vehicles/{vehicleId}/unplug")
async def unplug(request: web.Request) -> web.Response:
    """Unplug a vehicle."""
    world = request.app[SANDBOX].world
    vehicle_id = request.match_info["vehicleId"]
    world.unplug(vehicle_id)
    return web.json_response(vehicle_json(world, world.get_vehicle(vehicle_id, linked=False)))


def _capabilities(body: Body, names: tuple[str, ...]) -> dict[str, bool] | None:
    nested = body.obj("capabilities", allowed=names)
    if nested is None:
        return None
    result: dict[str, bool] = {}
    for name in names:
        value = nested.boolean(name)
        if value is not None:
            result[name] = value
    return result


@routes.patch(PREFIX + "/vehicles/{vehicleId}")
async def patch_vehicle(request: web.Request) -> web.Response:
    """Change simulated facts about a vehicle."""
    world = request.app[SANDBOX].world
    body = Body(
        await read_json(request),
        allowed=(
            "batteryLevel",
            "chargeLimit",
            "isReachable",
            "latitude",
            "longitude",
            "odometer",
            "capabilities",
        ),
    )
    battery = body.number("batteryLevel", minimum=0, maximum=MAX_PERCENT)
    limit = body.number("chargeLimit", minimum=MIN_CHARGE_LIMIT, maximum=MAX_PERCENT)
    reachable = body.boolean("isReachable")
    latitude = body.number("latitude", minimum=-MAX_LATITUDE, maximum=MAX_LATITUDE)
    longitude = body.number("longitude", minimum=-MAX_LONGITUDE, maximum=MAX_LONGITUDE)
    odometer = body.number("odometer", minimum=0)
    capabilities = _capabilities(body, catalog.VEHICLE_CAPABILITIES)
    body.check()
    vehicle = world.patch_vehicle(
        request.match_info["vehicleId"],
        battery_level=battery,
        charge_limit=limit,
        is_reachable=reachable,
        latitude=latitude,
        longitude=longitude,
        odometer=odometer,
        capabilities=capabilities,
    )
    return web.json_response(vehicle_json(world, vehicle))


_CAR_FIELDS = {
    "battery_level": "batteryLevel",
    "charge_limit": "chargeLimit",
    "latitude": "latitude",
    "longitude": "longitude",
    "odometer": "odometer",
}


@routes.post(PREFIX + "/vehicles/{vehicleId}/car-changes")
async def car_change(request: web.Request) -> web.Response:
    """Change facts in the car: the API shows them from Enode's next refresh of the vehicle.

    Unlike PATCH (the sandbox changes what Enode shows, at once), this is what a user does to
    the car; it answers 202 with the changes waiting and when that refresh is planned.
    """
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=tuple(_CAR_FIELDS.values()))
    battery = body.number("batteryLevel", minimum=0, maximum=MAX_PERCENT)
    limit = body.number("chargeLimit", minimum=MIN_CHARGE_LIMIT, maximum=MAX_PERCENT)
    latitude = body.number("latitude", minimum=-MAX_LATITUDE, maximum=MAX_LATITUDE)
    longitude = body.number("longitude", minimum=-MAX_LONGITUDE, maximum=MAX_LONGITUDE)
    odometer = body.number("odometer", minimum=0)
    body.check()
    vehicle_id = request.match_info["vehicleId"]
    applies_at = world.car_change(
        vehicle_id,
        battery_level=battery,
        charge_limit=limit,
        latitude=latitude,
        longitude=longitude,
        odometer=odometer,
    )
    pending = world.refreshes.pending(vehicle_id)
    return web.json_response(
        {
            "vehicleId": vehicle_id,
            "pending": {_CAR_FIELDS[name]: value for name, value in pending.items()},
            "appliesAt": None if applies_at is None else isoformat(applies_at),
        },
        status=202,
    )


@routes.patch(PREFIX + "/chargers/{chargerId}")
async def patch_charger(request: web.Request) -> web.Response:
    """Change simulated facts about a charger."""
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=("isReachable", "maxCurrent", "capabilities"))
    reachable = body.boolean("isReachable")
    max_current = body.number("maxCurrent", exclusive_minimum=0)
    capabilities = _capabilities(body, catalog.CHARGER_CAPABILITIES)
    body.check()
    charger = world.patch_charger(
        request.match_info["chargerId"],
        is_reachable=reachable,
        max_current=max_current,
        capabilities=capabilities,
    )
    return web.json_response(charger_json(world, charger))


def _clock_json(request: web.Request) -> dict[str, Any]:
    sandbox = request.app[SANDBOX]
    now = sandbox.world.now()
    return {"now": isoformat(now), "timestamp": now, "scale": sandbox.clock.scale}


@routes.get(PREFIX + "/clock")
async def get_clock(request: web.Request) -> web.Response:
    """Return the simulated time and scale."""
    return web.json_response(_clock_json(request))


@routes.post(PREFIX + "/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    """Advance simulated time, then run the simulation and deliver due webhooks."""
    sandbox = request.app[SANDBOX]
    body = Body(await read_json(request), allowed=("seconds",))
    seconds = body.number("seconds", required=True, minimum=0, maximum=MAX_ADVANCE_SECONDS)
    body.check()
    sandbox.clock.advance(present(seconds))
    await sandbox.settle()
    return web.json_response(_clock_json(request))


@routes.post(PREFIX + "/settle")
async def settle(request: web.Request) -> web.Response:
    """Run one tick and wait for the webhook deliveries it started."""
    await request.app[SANDBOX].settle()
    return web.json_response(_clock_json(request))


@routes.post(PREFIX + "/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Inject a fault for requests whose path matches a glob.

    Unlike the other sandboxes (``faults.fault_from_body``), Enode's admin body is read like
    its API's: every invalid member reported at once as ``issues``, ``path`` and ``kind``
    required, the method upper-cased.
    """
    sandbox = request.app[SANDBOX]
    body = Body(
        await read_json(request),
        allowed=("path", "method", "kind", "count", "status", "retryAfter", "latencyMs"),
    )
    path = body.string("path", required=True, min_length=1)
    method = body.string("method", min_length=1)
    kind = body.string("kind", required=True, enum=FAULT_KINDS)
    count = body.number("count", minimum=1, maximum=MAX_FAULT_COUNT, integer=True)
    status = body.number("status", minimum=MIN_STATUS, maximum=MAX_STATUS, integer=True)
    retry_after = body.number("retryAfter", minimum=0)
    latency = body.number("latencyMs", minimum=0)
    body.check()
    fault = sandbox.faults.add(
        Fault(
            id=f"fault-{next(_fault_ids)}",
            path=present(path),
            kind=present(kind),
            remaining=int(count or 1),
            method=method.upper() if method else None,
            status=int(status or 503),
            retry_after=retry_after,
            latency_ms=1000.0 if latency is None else latency,
        )
    )
    return web.json_response(fault.as_json())


@routes.get(PREFIX + "/faults")
async def list_faults(request: web.Request) -> web.Response:
    """List the faults that still apply."""
    return web.json_response([f.as_json() for f in request.app[SANDBOX].faults.active()])


@routes.delete(PREFIX + "/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """Remove every fault."""
    request.app[SANDBOX].faults.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/requests")
async def get_requests(request: web.Request) -> web.Response:
    """Return API request counters (per method and route template, and the total)."""
    return web.json_response(request.app[SANDBOX].counters.as_json())


@routes.delete(PREFIX + "/requests")
async def reset_requests(request: web.Request) -> web.Response:
    """Reset the request counters."""
    request.app[SANDBOX].counters.reset()
    return web.Response(status=204)


@routes.get(PREFIX + "/deliveries")
async def get_deliveries(request: web.Request) -> web.Response:
    """Return the most recent webhook delivery attempts."""
    return web.json_response([d.as_json() for d in request.app[SANDBOX].dispatcher.log])


def _dump(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(obj)
    for secret in ("secret", "auth_header_value"):
        if data.get(secret) is not None:
            data[secret] = "***"
    if "vendors" in data:
        data["vendors"] = [dataclasses.asdict(v) for v in obj.vendors.values()]
    return data


@routes.get(PREFIX + "/state")
async def get_state(request: web.Request) -> web.Response:
    """Dump the whole simulated world (times are POSIX seconds)."""
    sandbox = request.app[SANDBOX]
    world = sandbox.world
    now = world.now()
    return web.json_response(
        {
            "now": isoformat(now),
            "timestamp": now,
            "users": [_dump(u) for u in world.users.values()],
            "vehicles": [_dump(v) for v in world.vehicles.values()],
            "chargers": [_dump(c) for c in world.chargers.values()],
            "locations": [_dump(loc) for loc in world.locations.values()],
            "actions": [_dump(a) for a in world.actions.values()],
            "linkSessions": [_dump(s) for s in world.link_sessions.values()],
            "webhooks": [
                _dump(w) | {"pendingEvents": sandbox.dispatcher.pending(w.id)}
                for w in world.webhooks.values()
            ],
            "faults": [f.as_json() for f in sandbox.faults.active()],
        }
    )


def forbidden_unless_loopback(request: web.Request) -> None:
    """Raise a 403 problem for admin calls from other machines."""
    if not is_loopback_client(request):
        raise ApiProblem(403, "The sandbox admin API only accepts loopback clients.")

"""Admin API under ``/_sandbox/`` (loopback clients only, no API key).

Seed cars for a user, create cars to offer on the authorize page, set a car's state of charge
and charging status, move the clock, inject faults, read the request log and the state.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from aiohttp import web

from sandbox.clock import isoformat
from sandbox.faults import FAULT_KINDS, FaultBodyError, fault_from_body
from sandbox.hiven import catalog
from sandbox.hiven.api import _number, read_object
from sandbox.hiven.state import HIVEN
from sandbox.hiven.world import CHARGING_STATUSES, WorldError
from sandbox.serving import is_loopback_client

routes = web.RouteTableDef()
PREFIX = "/_sandbox"
HIVEN_FAULT_KINDS = tuple(kind for kind in FAULT_KINDS if kind != "token_expiry")
MAX_SEED = 100
MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600.0
_fault_ids = itertools.count(1)


def forbidden_unless_loopback(request: web.Request) -> None:
    """Refuse admin requests from other machines."""
    if not is_loopback_client(request):
        raise WorldError(403, "The admin API is only available from loopback")


def _make(value: object) -> str | None:
    if value is None:
        return None
    if value not in catalog.MANUFACTURERS:
        raise WorldError(400, "manufacturer must be one of " + ", ".join(catalog.MANUFACTURERS))
    return str(value)


def _count(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    return int(_number(value, name, 0, MAX_SEED)) if value != default else default


@routes.post(PREFIX + "/users/{userId}/seed")
async def seed_user(request: web.Request) -> web.Response:
    """Add new simulated cars (and chargers) straight to a user."""
    body = await read_object(request, ("vehicles", "chargers", "manufacturer"))
    user_id = request.match_info["userId"]
    cars, chargers = request.app[HIVEN].world.seed_user(
        user_id,
        vehicles=_count(body, "vehicles", 1),
        chargers=_count(body, "chargers", 0),
        make=_make(body.get("manufacturer")),
    )
    return web.json_response(
        {
            "userId": user_id,
            "deviceIds": [car.id for car in cars],
            "chargerIds": [charger.id for charger in chargers],
        }
    )


@routes.post(PREFIX + "/vehicles")
async def create_vehicle(request: web.Request) -> web.Response:
    """Create a car nobody has added yet (offered on the authorize page)."""
    body = await read_object(request, ("manufacturer", "soc"))
    make = _make(body.get("manufacturer")) or "VOLKSWAGEN"
    soc = None if body.get("soc") is None else _number(body["soc"], "soc", 0, 100)
    car = request.app[HIVEN].world.create_car(make, soc=soc)
    return web.json_response(car.device_json(), status=201)


@routes.patch(PREFIX + "/vehicles/{deviceId}")
async def patch_vehicle(request: web.Request) -> web.Response:
    """Set a car's state of charge, charging status or owner (``null``: nobody)."""
    world = request.app[HIVEN].world
    world.simulate()
    car = world.cars.get(request.match_info["deviceId"])
    if car is None:
        raise WorldError(404, "Device not found")
    body = await read_object(request, ("soc", "chargingStatus", "owner"))
    if "soc" in body:
        car.soc = _number(body["soc"], "soc", 0, 100)
    if "chargingStatus" in body:
        if body["chargingStatus"] not in CHARGING_STATUSES:
            raise WorldError(400, "chargingStatus must be one of " + ", ".join(CHARGING_STATUSES))
        car.charging_status = body["chargingStatus"]
    if "owner" in body:
        owner = body["owner"]
        if owner is not None and (not isinstance(owner, str) or not owner):
            raise WorldError(400, "owner must be a user id or null")
        car.owner = owner
    world.touch(car)
    return web.json_response({**car.device_json(), "status": car.status_json()})


@routes.post(PREFIX + "/vehicles/{deviceId}/car-changes")
async def car_change(request: web.Request) -> web.Response:
    """Change the car itself: the API shows it from Hiven's next read of the car.

    Unlike PATCH (what Hiven shows changes at once), this is what happens in the car; it
    answers 202 with the changes waiting and when that read is planned.
    """
    world = request.app[HIVEN].world
    car = world.cars.get(request.match_info["deviceId"])
    if car is None:
        raise WorldError(404, "Device not found")
    body = await read_object(request, ("soc", "chargingStatus"))
    soc = None if body.get("soc") is None else _number(body["soc"], "soc", 0, 100)
    status = body.get("chargingStatus")
    if status is not None and status not in CHARGING_STATUSES:
        raise WorldError(400, "chargingStatus must be one of " + ", ".join(CHARGING_STATUSES))
    applies_at = world.car_change(car, soc=soc, charging_status=status)
    pending = world.refreshes.pending(car.id)
    return web.json_response(
        {
            "deviceId": car.id,
            "pending": {
                "chargingStatus" if name == "charging_status" else name: value
                for name, value in pending.items()
            },
            "appliesAt": None if applies_at is None else isoformat(applies_at),
        },
        status=202,
    )


@routes.post(PREFIX + "/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    """Move simulated time forward (charging cars gain charge)."""
    body = await read_object(request, ("seconds",))
    world = request.app[HIVEN].world
    world.clock.advance(_number(body.get("seconds"), "seconds", 0, MAX_ADVANCE_SECONDS))
    world.simulate()
    return web.json_response({"now": world.clock.iso_now()})


@routes.post(PREFIX + "/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Inject a fault for API requests whose path matches a glob."""
    body = await read_object(
        request, ("path", "method", "kind", "count", "status", "retryAfter", "latencyMs")
    )
    try:
        fault = fault_from_body(body, kinds=HIVEN_FAULT_KINDS, ids=_fault_ids)
    except FaultBodyError as err:
        raise WorldError(400, err.message) from err
    request.app[HIVEN].faults.add(fault)
    return web.json_response(fault.as_json(), status=201)


@routes.get(PREFIX + "/faults")
async def list_faults(request: web.Request) -> web.Response:
    """Return the faults that still apply."""
    return web.json_response([f.as_json() for f in request.app[HIVEN].faults.active()])


@routes.delete(PREFIX + "/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """Remove every fault."""
    request.app[HIVEN].faults.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/requests")
async def get_requests(request: web.Request) -> web.Response:
    """Return the API requests served so far (method, path, user id; never the API key)."""
    return web.json_response(request.app[HIVEN].requests)


@routes.delete(PREFIX + "/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    request.app[HIVEN].requests.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/state")
async def get_state(request: web.Request) -> web.Response:
    """Everything simulated, for debugging (VINs included: it is a local test tool)."""
    sandbox = request.app[HIVEN]
    world = sandbox.world
    world.simulate()
    state = {
        "now": world.clock.iso_now(),
        "cars": [{**car.device_json(), "status": car.status_json()} for car in world.cars.values()],
        "chargers": [c.device_json() for c in world.chargers.values()],
        "locations": [{**loc.as_json(), "userId": loc.owner} for loc in world.locations.values()],
        "pendingCodes": len(world.codes),
        "faults": [f.as_json() for f in sandbox.faults.active()],
    }
    return web.json_response(state, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

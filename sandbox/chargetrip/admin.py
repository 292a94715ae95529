"""Admin API under ``/_sandbox/`` (loopback clients only, no credentials).

Issue and expire user tokens, seed authorized vehicles, move a vehicle through its statuses,
change what its simulated car reports, move the clock, inject GraphQL errors (any code of
:data:`sandbox.chargetrip.errors.CODES`, on any root field or the subscription) and transport
faults, change project settings, and read the request log and the whole state.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from sandbox.chargetrip import catalog, ws
from sandbox.chargetrip.errors import CODES
from sandbox.chargetrip.state import CHARGETRIP, ChargetripSandbox, InjectedError
from sandbox.chargetrip.world import STATUSES, ConnectedVehicle
from sandbox.clock import isoformat
from sandbox.faults import FAULT_KINDS, FaultBodyError, fault_from_body
from sandbox.serving import is_loopback_client

PREFIX = "/_sandbox"
MAX_SEED = 100
MAX_COUNT = 1_000_000
MAX_SECONDS = 10 * 365 * 24 * 3600.0
FIELDS = (
    "*",
    "vehicleList",
    "vehicle",
    "connectedVehicle",
    "connectedVehicleList",
    "connectedVehicleData",
    "createConnectedVehicle",
    "authorizeConnectedVehicle",
    "updateConnectedVehicle",
    "removeConnectedVehicle",
    "subscription",
)
_fault_ids = itertools.count(1)
routes = web.RouteTableDef()


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=message, content_type="text/plain")


async def _body(request: web.Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not is_loopback_client(request):
        raise web.HTTPForbidden(text="The admin API is only available from loopback")
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as err:
        raise _bad("The body must be JSON") from err
    if not isinstance(body, dict):
        raise _bad("The body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise _bad("Unknown members: " + ", ".join(unknown))
    return body


def _number(body: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise _bad(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise _bad(f"{name} must be true or false")
    return value


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if (value is None and required) or (value is not None and not isinstance(value, str)):
        raise _bad(f"{name} must be a string")
    return value


def _sandbox(request: web.Request) -> ChargetripSandbox:
    return request.app[CHARGETRIP]


def _vehicle(request: web.Request) -> ConnectedVehicle:
    vehicle = _sandbox(request).world.vehicles.get(request.match_info["id"])
    if vehicle is None:
        raise web.HTTPNotFound(text="No such connected vehicle", content_type="text/plain")
    return vehicle


def _vehicle_state(request: web.Request, vehicle: ConnectedVehicle) -> dict[str, Any]:
    base = f"{request.scheme}://{request.host}"
    state: dict[str, Any] = {**vehicle.as_json(base), "userId": vehicle.user_id}
    if vehicle.status == "authorized":
        state["data"] = _sandbox(request).world.data(vehicle.user_id, vehicle.id)
    return state


@routes.post(PREFIX + "/tokens")
async def issue_token(request: web.Request) -> web.Response:
    """Issue a user token (``ttl`` simulated seconds; none: never expires)."""
    body = await _body(request, ("userId", "ttl"))
    user = _text(body, "userId", required=True) or ""
    ttl = None if body.get("ttl") is None else _number(body, "ttl", 1, MAX_SECONDS, 0)
    token = _sandbox(request).world.issue_token(user, ttl)
    expires = None if token.expires_at is None else isoformat(token.expires_at)
    return web.json_response(
        {"token": token.value, "userId": user, "expiresAt": expires}, status=201
    )


@routes.post(PREFIX + "/tokens/expire")
async def expire_token(request: web.Request) -> web.Response:
    """Make a token answer ``AUTH_TOKEN_EXPIRED``."""
    body = await _body(request, ("token",))
    token = _text(body, "token", required=True) or ""
    _sandbox(request).world.expire(token)
    ws.close_for_token(_sandbox(request), token)
    return web.Response(status=204)


@routes.post(PREFIX + "/connected-vehicles")
async def seed(request: web.Request) -> web.Response:
    """Add authorized vehicles with every scope to a user."""
    body = await _body(request, ("userId", "count", "vehicleId"))
    user = _text(body, "userId", required=True) or ""
    model_id = _text(body, "vehicleId")
    if model_id is not None and not (
        model_id in catalog.BY_ID and catalog.BY_ID[model_id].connectable
    ):
        raise _bad("vehicleId must be a connectable catalogue id")
    count = int(_number(body, "count", 1, MAX_SEED, 1))
    made = _sandbox(request).world.seed_connected(user, count, model_id)
    return web.json_response([_vehicle_state(request, v) for v in made], status=201)


@routes.post(PREFIX + "/connected-vehicles/{id}/status")
async def set_status(request: web.Request) -> web.Response:
    """Move a vehicle to a status; subscribers get a ``next``."""
    vehicle = _vehicle(request)
    body = await _body(request, ("status",))
    status = body.get("status")
    if status not in STATUSES:
        raise _bad("status must be one of " + ", ".join(STATUSES))
    _sandbox(request).world.set_status(vehicle, str(status))
    return web.json_response(_vehicle_state(request, vehicle))


@routes.patch(PREFIX + "/connected-vehicles/{id}")
async def patch_vehicle(request: web.Request) -> web.Response:
    """Change what the vehicle's simulated car reports (or its label)."""
    vehicle = _vehicle(request)
    names = ("plugged", "charging", "batteryLevel", "chargeLimit", "latitude", "longitude")
    body = await _body(request, (*names, "odometer", "label"))
    world = _sandbox(request).world
    car = vehicle.sim
    if car is None:
        raise web.HTTPConflict(text="The vehicle has not been linked yet")
    level = None if "batteryLevel" not in body else _number(body, "batteryLevel", 0, 100, 0)
    limit = None if "chargeLimit" not in body else _number(body, "chargeLimit", 50, 100, 0)
    lat = None if "latitude" not in body else _number(body, "latitude", -90, 90, 0)
    lon = None if "longitude" not in body else _number(body, "longitude", -180, 180, 0)
    odo = None if "odometer" not in body else _number(body, "odometer", 0, 10_000_000, 0)
    plugged, charging = _flag(body, "plugged"), _flag(body, "charging")
    world.sim.patch_vehicle(
        car.id, battery_level=level, charge_limit=limit, latitude=lat, longitude=lon, odometer=odo
    )
    if plugged is False:
        world.sim.unplug(car.id)
    elif plugged or charging:
        world.sim.plug(car.id, None, auto_start=bool(charging))
    elif charging is False and car.charging:
        world.sim.stop_charging(car, world.sim.now())
    if "label" in body:
        world.rename(vehicle.user_id, vehicle.id, _text(body, "label"))
    return web.json_response(_vehicle_state(request, vehicle))


@routes.post(PREFIX + "/clock/advance")
async def advance(request: web.Request) -> web.Response:
    """Move simulated time forward (charging, removals)."""
    body = await _body(request, ("seconds",))
    world = _sandbox(request).world
    world.clock.advance(_number(body, "seconds", 0, MAX_SECONDS, 0))
    world.tick()
    return web.json_response({"now": world.clock.iso_now()})


@routes.post(PREFIX + "/errors")
async def inject_error(request: web.Request) -> web.Response:
    """Make the next resolutions of a root field fail with a code."""
    body = await _body(request, ("field", "code", "count", "id", "message"))
    field = body.get("field", "*")
    if field not in FIELDS:
        raise _bad("field must be one of " + ", ".join(FIELDS))
    code = body.get("code")
    if code not in CODES:
        raise _bad("code must be one of " + ", ".join(CODES))
    item = InjectedError(
        field=str(field),
        code=str(code),
        remaining=int(_number(body, "count", 1, MAX_COUNT, 1)),
        id=_text(body, "id"),
        message=_text(body, "message"),
    )
    _sandbox(request).errors.items.append(item)
    return web.json_response(item.as_json(), status=201)


@routes.delete(PREFIX + "/errors")
async def clear_errors(request: web.Request) -> web.Response:
    """Forget every injected error."""
    await _body(request, ())
    _sandbox(request).errors.items.clear()
    return web.Response(status=204)


@routes.post(PREFIX + "/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Inject a transport fault on ``/graphql`` (HTTP status, latency, malformed, …)."""
    body = await _body(request, ("kind", "count", "status", "retryAfter", "latencyMs"))
    try:
        fault = fault_from_body(body, kinds=FAULT_KINDS, ids=_fault_ids, path="/graphql")
    except FaultBodyError as err:
        raise _bad(err.message) from err
    _sandbox(request).faults.add(fault)
    return web.json_response(fault.as_json(), status=201)


@routes.delete(PREFIX + "/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """Forget every transport fault."""
    await _body(request, ())
    _sandbox(request).faults.clear()
    return web.Response(status=204)


@routes.post(PREFIX + "/settings")
async def settings(request: web.Request) -> web.Response:
    """Change project settings: error-code case, redirect code, plan, limits."""
    names = ("errorCodeCase", "redirectCode", "perMakeLimit", "enodeEnabled", "removalDelay")
    body = await _body(request, (*names, "freePlan", "rateLimit", "rateWindow"))
    sandbox = _sandbox(request)
    current = sandbox.world.settings
    case = body.get("errorCodeCase")
    if case is not None:
        if case not in ("upper", "lower"):
            raise _bad("errorCodeCase must be upper or lower")
        current.error_code_lower = case == "lower"
    flags = (
        ("redirectCode", "redirect_code"),
        ("enodeEnabled", "enode_enabled"),
        ("freePlan", "free_plan"),
    )
    for name, attribute in flags:
        value = _flag(body, name)
        if value is not None:
            setattr(current, attribute, value)
    if "perMakeLimit" in body:
        current.per_make_limit = int(_number(body, "perMakeLimit", 0, MAX_SEED, 0))
    if "removalDelay" in body:
        current.removal_delay = _number(body, "removalDelay", 0, MAX_SECONDS, 0)
    if "rateLimit" in body:
        sandbox.rate.limit = int(_number(body, "rateLimit", 0, MAX_COUNT, 0))
    if "rateWindow" in body:
        sandbox.rate.window = _number(body, "rateWindow", 0.001, MAX_SECONDS, 1)
    return web.json_response(_settings(sandbox))


def _settings(sandbox: ChargetripSandbox) -> dict[str, Any]:
    current = sandbox.world.settings
    return {
        "errorCodeCase": "lower" if current.error_code_lower else "upper",
        "redirectCode": current.redirect_code,
        "perMakeLimit": current.per_make_limit,
        "enodeEnabled": current.enode_enabled,
        "freePlan": current.free_plan,
        "removalDelay": current.removal_delay,
        "rateLimit": sandbox.rate.limit,
        "rateWindow": sandbox.rate.window,
    }


@routes.get(PREFIX + "/requests")
async def requests_log(request: web.Request) -> web.Response:
    """Return the GraphQL requests served: operation, root fields, aliases (no variables)."""
    await _body(request, ())
    return web.json_response(list(_sandbox(request).requests))


@routes.delete(PREFIX + "/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    await _body(request, ())
    _sandbox(request).requests.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/state")
async def state(request: web.Request) -> web.Response:
    """Everything simulated, for debugging (VINs included: a local test tool)."""
    await _body(request, ())
    sandbox = _sandbox(request)
    sandbox.world.tick()
    return web.json_response(
        {
            "now": sandbox.world.clock.iso_now(),
            "settings": _settings(sandbox),
            "vehicles": [_vehicle_state(request, v) for v in sandbox.world.vehicles.values()],
            "subscriptions": {k: v for k, v in sandbox.world.subscriptions.items() if v},
            "errors": [item.as_json() for item in sandbox.errors.items],
            "faults": [fault.as_json() for fault in sandbox.faults.active()],
        }
    )

"""Admin API under ``/_sandbox/`` (loopback clients only, no token).

Create users and vehicles, make a vehicle drive, park or charge, set its battery, fuel,
12 V voltage and lamps, move the clock, throttle or break requests, set the login rate,
expire or revoke tokens, and read the request log and the whole state.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from aiohttp import web

from sandbox.connectedcars.accounts import ORGANIZATIONS, Accounts, User
from sandbox.connectedcars.fleet import CHARGING, DRIVING, PARKED, FleetError
from sandbox.connectedcars.state import CONNECTED_CARS
from sandbox.connectedcars.world import World, _number, spec_for
from sandbox.faults import FAULT_KINDS, FaultBodyError, fault_from_body
from sandbox.serving import is_loopback_client

routes = web.RouteTableDef()
PREFIX = "/_sandbox"
MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600.0
MAX_VEHICLES = 100
ACTIONS = {"drive": DRIVING, "park": PARKED, "charge": CHARGING}
CC_FAULT_KINDS = tuple(kind for kind in FAULT_KINDS if kind != "empty")
_fault_ids = itertools.count(1)


def forbidden_unless_loopback(request: web.Request) -> None:
    """Refuse admin requests from other machines."""
    if not is_loopback_client(request):
        raise FleetError(403, "The admin API is only available from loopback", "forbidden")


async def _body(request: web.Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Return a JSON object body with only ``allowed`` members (empty body: ``{}``)."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as err:
        raise FleetError(400, "Body must be JSON", "validation_error") from err
    if not isinstance(body, dict):
        raise FleetError(400, "Body must be a JSON object", "validation_error")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise FleetError(400, "Unknown members: " + ", ".join(unknown), "validation_error")
    return body


def _world(request: web.Request) -> World:
    return request.app[CONNECTED_CARS].world


def _string(body: dict[str, Any], name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value:
        raise FleetError(400, f"{name} must be a non-empty string", "validation_error")
    return value


def _organization(request: web.Request) -> str:
    key = request.match_info["org"]
    if key not in ORGANIZATIONS:
        raise FleetError(404, "Organization could not be found", "organization_not_found")
    return key


def _user(world: World, organization: str, raw_id: str) -> User:
    user = world.accounts.users.get(int(raw_id)) if raw_id.isdigit() else None
    if user is None or user.organization != organization:
        raise FleetError(404, "User could not be found", "user_not_found")
    return user


def _vehicle_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Return the keyword arguments of ``World.add_vehicle`` an admin body gives."""
    optional = {"vin": "vin", "licensePlate": "license_plate", "name": "name"}
    fields: dict[str, Any] = {"fuel_type": _string(body, "fuelType", "electric")}
    for member, argument in optional.items():
        if member in body:
            fields[argument] = _string(body, member)
    return fields


def _vehicle_json(world: World, organization: str, vehicle_id: str) -> web.Response:
    vehicle = world.vehicle(organization, vehicle_id)
    return web.json_response(vehicle.summary(world.clock.now()))


@routes.post(PREFIX + "/users")
async def create_user(request: web.Request) -> web.Response:
    """Create an account (``organization`` or an app ``namespace``) with vehicles (fuel types)."""
    body = await _body(
        request,
        ("organization", "namespace", "email", "password", "firstname", "lastname", "vehicles"),
    )
    world = _world(request)
    organization = _string(body, "organization", "semler")
    if "namespace" in body:
        organization = Accounts.organization_for(_string(body, "namespace"), None).key
    fuel_types = body.get("vehicles", [])
    if not isinstance(fuel_types, list) or len(fuel_types) > MAX_VEHICLES:
        raise FleetError(400, "vehicles must be a list of fuel types", "validation_error")
    for kind in fuel_types:
        spec_for(str(kind))
    user = world.accounts.add_user(
        organization,
        _string(body, "email"),
        _string(body, "password"),
        _string(body, "firstname", "Sandbox"),
        _string(body, "lastname", "User"),
    )
    vehicles = [world.add_vehicle(user, organization, str(kind)) for kind in fuel_types]
    return web.json_response(
        {
            "id": user.id,
            "organization": organization,
            "email": user.email,
            "vehicleIds": [v.id for v in vehicles],
        },
        status=201,
    )


@routes.post(PREFIX + "/organizations/{org}/users/{userId}/vehicles")
async def add_vehicle(request: web.Request) -> web.Response:
    """Add a vehicle to a user (``fuelType`` electric by default)."""
    body = await _body(request, ("fuelType", "vin", "licensePlate", "name"))
    world = _world(request)
    organization = _organization(request)
    user = _user(world, organization, request.match_info["userId"])
    vehicle = world.add_vehicle(user, organization, **_vehicle_fields(body))
    return web.json_response(vehicle.summary(world.clock.now()), status=201)


@routes.post(PREFIX + "/organizations/{org}/vehicles")
async def add_unowned_vehicle(request: web.Request) -> web.Response:
    """Fit a unit to a vehicle nobody owns yet; the workshop page can add it to an account."""
    body = await _body(request, ("fuelType", "vin", "licensePlate", "name"))
    world = _world(request)
    vehicle = world.add_vehicle(None, _organization(request), **_vehicle_fields(body))
    return web.json_response(vehicle.summary(world.clock.now()), status=201)


@routes.delete(PREFIX + "/organizations/{org}/vehicles/{vehicleId}")
async def remove_vehicle(request: web.Request) -> web.Response:
    """Remove a vehicle from its organization (and so from its owner)."""
    _world(request).remove_vehicle(_organization(request), request.match_info["vehicleId"])
    return web.Response(status=204)


@routes.post(PREFIX + "/organizations/{org}/vehicles/{vehicleId}/{action:drive|park|charge}")
async def vehicle_action(request: web.Request) -> web.Response:
    """Start driving, park, or start charging (``powerKw`` optional) now."""
    body = await _body(request, ("powerKw",))
    world = _world(request)
    organization = _organization(request)
    power = body.get("powerKw")
    world.set_mode(
        organization,
        request.match_info["vehicleId"],
        ACTIONS[request.match_info["action"]],
        power_kw=None if power is None else _number(power, "powerKw", 0.5, 350),
    )
    return _vehicle_json(world, organization, request.match_info["vehicleId"])


@routes.patch(PREFIX + "/organizations/{org}/vehicles/{vehicleId}")
async def patch_vehicle(request: web.Request) -> web.Response:
    """Set ``soc``, ``fuelPercent``, ``batteryVoltage`` (12 V, parked) or ``lamps``."""
    body = await _body(request, ("soc", "fuelPercent", "batteryVoltage", "lamps"))
    world = _world(request)
    organization = _organization(request)
    world.patch(organization, request.match_info["vehicleId"], body)
    return _vehicle_json(world, organization, request.match_info["vehicleId"])


@routes.post(PREFIX + "/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    """Move simulated time forward (vehicles drive, charge and report)."""
    body = await _body(request, ("seconds",))
    world = _world(request)
    world.clock.advance(_number(body.get("seconds"), "seconds", 0, MAX_ADVANCE_SECONDS))
    world.simulate()
    return web.json_response({"now": world.clock.iso_now()})


@routes.put(PREFIX + "/login-limit")
async def set_login_limit(request: web.Request) -> web.Response:
    """Set the per-account password-login rate (``limit`` per ``windowSeconds``)."""
    body = await _body(request, ("limit", "windowSeconds"))
    accounts = _world(request).accounts
    accounts.login_limit = int(_number(body.get("limit"), "limit", 1, 10_000))
    accounts.login_window = _number(body.get("windowSeconds"), "windowSeconds", 1, 86_400)
    return web.json_response(
        {"limit": accounts.login_limit, "windowSeconds": accounts.login_window}
    )


@routes.post(PREFIX + "/tokens/{action:expire|revoke}")
async def tokens(request: web.Request) -> web.Response:
    """Expire JWTs now (still refreshable for an hour) or revoke JWTs and device tokens."""
    body = await _body(request, ("userId",))
    user_id = body.get("userId")
    if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
        raise FleetError(400, "userId must be a number", "validation_error")
    accounts = _world(request).accounts
    if request.match_info["action"] == "expire":
        count = accounts.expire_tokens(user_id)
    else:
        count = accounts.revoke_tokens(user_id)
    return web.json_response({"tokens": count})


@routes.post(PREFIX + "/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Inject a fault for requests whose path matches a glob (``rate_limit``: 429)."""
    body = await _body(
        request, ("path", "method", "kind", "count", "status", "retryAfter", "latencyMs")
    )
    try:
        fault = fault_from_body(body, kinds=CC_FAULT_KINDS, ids=_fault_ids)
    except FaultBodyError as err:
        raise FleetError(400, err.message, "validation_error") from err
    request.app[CONNECTED_CARS].faults.add(fault)
    return web.json_response(fault.as_json(), status=201)


@routes.get(PREFIX + "/faults")
async def list_faults(request: web.Request) -> web.Response:
    """Return the faults that still apply."""
    return web.json_response([f.as_json() for f in request.app[CONNECTED_CARS].faults.active()])


@routes.delete(PREFIX + "/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """Remove every fault."""
    request.app[CONNECTED_CARS].faults.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/requests")
async def get_requests(request: web.Request) -> web.Response:
    """Return the requests served so far (method, path, namespace, operation; never tokens)."""
    return web.json_response(request.app[CONNECTED_CARS].requests)


@routes.delete(PREFIX + "/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    request.app[CONNECTED_CARS].requests.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/state")
async def get_state(request: web.Request) -> web.Response:
    """Everything simulated, for debugging (VINs included: it is a local test tool)."""
    state = _world(request).state()
    return web.json_response(state, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

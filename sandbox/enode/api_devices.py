"""Vehicle and charger routes: reads, refresh hints, charge and max-current actions."""

from __future__ import annotations

from aiohttp import web

from sandbox.enode.pagination import paginate, parse_page_request
from sandbox.enode.payloads import action_json, charger_json, vehicle_json
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import Body, present, read_json
from sandbox.enode.world import ActionResolvedError, ChargeKind, TargetType

routes = web.RouteTableDef()

_CHARGE_KINDS: tuple[ChargeKind, ...] = ("START", "STOP")


async def _charge_kind(request: web.Request) -> ChargeKind:
    body = Body(await read_json(request), allowed=("action",))
    action = body.string("action", required=True, enum=_CHARGE_KINDS)
    body.check()
    return "START" if present(action) == "START" else "STOP"


async def _max_current(request: web.Request) -> float:
    body = Body(await read_json(request), allowed=("maxCurrent",))
    amps = body.number("maxCurrent", required=True, exclusive_minimum=0)
    body.check()
    return present(amps)


def _get_action(request: web.Request, target_type: TargetType) -> web.Response:
    world = request.app[SANDBOX].world
    return web.json_response(action_json(world.get_action(target_type, request.match_info["id"])))


def _cancel_action(request: web.Request, target_type: TargetType) -> web.Response:
    world = request.app[SANDBOX].world
    try:
        action = world.cancel_action(target_type, request.match_info["id"])
    except ActionResolvedError as err:
        return web.json_response(action_json(err.action), status=409)
    return web.json_response(action_json(action))


# ---------------------------------------------------------------- vehicles


@routes.get("/vehicles/actions/{id}")
async def get_vehicle_action(request: web.Request) -> web.Response:
    """Return a vehicle action."""
    return _get_action(request, "vehicle")


@routes.post("/vehicles/actions/{id}/cancel")
async def cancel_vehicle_action(request: web.Request) -> web.Response:
    """Cancel a pending vehicle action (409 with the action when already resolved)."""
    return _cancel_action(request, "vehicle")


@routes.get("/vehicles")
async def list_vehicles(request: web.Request) -> web.Response:
    """List every linked vehicle of the client."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    world.now()
    return web.json_response(
        paginate(world.vehicles_of(None), page, lambda v: vehicle_json(world, v))
    )


@routes.get("/users/{userId}/vehicles")
async def list_user_vehicles(request: web.Request) -> web.Response:
    """List a user's vehicles (empty for an unknown user)."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    world.now()
    vehicles = world.vehicles_of(request.match_info["userId"])
    return web.json_response(paginate(vehicles, page, lambda v: vehicle_json(world, v)))


@routes.get("/vehicles/{vehicleId}")
async def get_vehicle(request: web.Request) -> web.Response:
    """Return one vehicle."""
    world = request.app[SANDBOX].world
    world.now()
    return web.json_response(
        vehicle_json(world, world.get_vehicle(request.match_info["vehicleId"]))
    )


@routes.post("/vehicles/{vehicleId}/refresh-hint")
async def vehicle_refresh_hint(request: web.Request) -> web.Response:
    """Accept a refresh hint (the simulation is always fresh)."""
    world = request.app[SANDBOX].world
    world.get_vehicle(request.match_info["vehicleId"])
    return web.Response(status=204)


@routes.post("/vehicles/{vehicleId}/charging")
async def vehicle_charging(request: web.Request) -> web.Response:
    """Start or stop charging a vehicle."""
    world = request.app[SANDBOX].world
    kind = await _charge_kind(request)
    action = world.charge_vehicle(request.match_info["vehicleId"], kind)
    return web.json_response(action_json(action))


@routes.post("/vehicles/{vehicleId}/max-current")
async def vehicle_max_current(request: web.Request) -> web.Response:
    """Set the current a vehicle may draw (Tesla-only in the simulation)."""
    world = request.app[SANDBOX].world
    amps = await _max_current(request)
    action = world.set_max_current("vehicle", request.match_info["vehicleId"], amps)
    return web.json_response(action_json(action))


# ---------------------------------------------------------------- chargers


@routes.get("/chargers/actions/{id}")
async def get_charger_action(request: web.Request) -> web.Response:
    """Return a charger action."""
    return _get_action(request, "charger")


@routes.post("/chargers/actions/{id}/cancel")
async def cancel_charger_action(request: web.Request) -> web.Response:
    """Cancel a pending charger action (409 with the action when already resolved)."""
    return _cancel_action(request, "charger")


@routes.get("/chargers")
async def list_chargers(request: web.Request) -> web.Response:
    """List every linked charger of the client."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    world.now()
    return web.json_response(
        paginate(world.chargers_of(None), page, lambda c: charger_json(world, c))
    )


@routes.get("/users/{userId}/chargers")
async def list_user_chargers(request: web.Request) -> web.Response:
    """List a user's chargers (empty for an unknown user)."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    world.now()
    chargers = world.chargers_of(request.match_info["userId"])
    return web.json_response(paginate(chargers, page, lambda c: charger_json(world, c)))


@routes.get("/chargers/{chargerId}")
async def get_charger(request: web.Request) -> web.Response:
    """Return one charger."""
    world = request.app[SANDBOX].world
    world.now()
    return web.json_response(
        charger_json(world, world.get_charger(request.match_info["chargerId"]))
    )


@routes.put("/chargers/{chargerId}")
async def update_charger(request: web.Request) -> web.Response:
    """Set or clear the location of a charger."""
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=("locationId",))
    if not body.has("locationId"):
        body.fail("locationId", "Required")
    location_id = body.string("locationId", nullable=True)
    body.check()
    charger = world.set_charger_location(request.match_info["chargerId"], location_id)
    return web.json_response(charger_json(world, charger))


@routes.post("/chargers/{chargerId}/refresh-hint")
async def charger_refresh_hint(request: web.Request) -> web.Response:
    """Accept a refresh hint (the simulation is always fresh)."""
    world = request.app[SANDBOX].world
    world.get_charger(request.match_info["chargerId"])
    return web.Response(status=204)


@routes.post("/chargers/{chargerId}/charging")
async def charger_charging(request: web.Request) -> web.Response:
    """Start or stop charging through a charger."""
    world = request.app[SANDBOX].world
    kind = await _charge_kind(request)
    action = world.charge_charger(request.match_info["chargerId"], kind)
    return web.json_response(action_json(action))


@routes.post("/chargers/{chargerId}/max-current")
async def charger_max_current(request: web.Request) -> web.Response:
    """Set a charger's maximum current."""
    world = request.app[SANDBOX].world
    amps = await _max_current(request)
    action = world.set_max_current("charger", request.match_info["chargerId"], amps)
    return web.json_response(action_json(action))

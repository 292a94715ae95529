"""Smart charging routes: policy, status, plans and smart override of a vehicle."""

from __future__ import annotations

from aiohttp import web

from sandbox.enode.payloads import (
    smart_override_json,
    smart_plan_json,
    smart_policy_json,
    smart_status_json,
)
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import DEADLINE_PATTERN, Body, read_json

routes = web.RouteTableDef()

MAX_PERCENT = 100.0


@routes.get("/vehicles/{vehicleId}/smart-charging-policy")
async def get_policy(request: web.Request) -> web.Response:
    """Return a vehicle's smart charging policy."""
    world = request.app[SANDBOX].world
    vehicle = world.get_vehicle(request.match_info["vehicleId"])
    return web.json_response(smart_policy_json(vehicle.smart_policy))


@routes.put("/vehicles/{vehicleId}/smart-charging-policy")
async def update_policy(request: web.Request) -> web.Response:
    """Update a vehicle's smart charging policy partially."""
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=("isEnabled", "deadline", "minimumChargeLimit"))
    is_enabled = body.boolean("isEnabled")
    deadline = body.string("deadline", pattern=DEADLINE_PATTERN)
    minimum = body.number("minimumChargeLimit", minimum=0, maximum=MAX_PERCENT)
    body.check()
    policy = world.update_smart_policy(
        request.match_info["vehicleId"],
        is_enabled=is_enabled,
        deadline=deadline,
        minimum_charge_limit=minimum,
    )
    return web.json_response(smart_policy_json(policy))


@routes.get("/vehicles/{vehicleId}/smart-charging-status")
async def get_status(request: web.Request) -> web.Response:
    """Return a vehicle's smart charging status."""
    world = request.app[SANDBOX].world
    world.now()
    vehicle = world.get_vehicle(request.match_info["vehicleId"])
    return web.json_response(smart_status_json(world, vehicle))


@routes.get("/vehicles/{vehicleId}/smart-charging-plans/{smartChargingPlanId}")
async def get_plan(request: web.Request) -> web.Response:
    """Return one of a vehicle's smart charging plans, or its newest for ``latest``."""
    world = request.app[SANDBOX].world
    plan = world.get_smart_plan(
        request.match_info["vehicleId"], request.match_info["smartChargingPlanId"]
    )
    return web.json_response(smart_plan_json(plan))


@routes.post("/vehicles/{vehicleId}/smart-override")
async def create_override(request: web.Request) -> web.Response:
    """Force a vehicle to charge now despite smart charging."""
    world = request.app[SANDBOX].world
    vehicle_id = request.match_info["vehicleId"]
    override = world.create_smart_override(vehicle_id)
    vehicle = world.get_vehicle(vehicle_id)
    return web.json_response(smart_override_json(vehicle, override, owner=True))


@routes.delete("/vehicles/{vehicleId}/smart-override")
async def end_override(request: web.Request) -> web.Response:
    """End a vehicle's smart override (404 when there is none)."""
    world = request.app[SANDBOX].world
    vehicle_id = request.match_info["vehicleId"]
    override = world.end_smart_override(vehicle_id)
    vehicle = world.get_vehicle(vehicle_id)
    return web.json_response(smart_override_json(vehicle, override, owner=True))

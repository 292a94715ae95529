"""Admin API under ``/_sandbox/`` (loopback clients only, no credentials).

Create connectors (with a known PIN), assign one as another customer would, expire tokens,
move the clock, inject faults, read the request log and the state.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Final

from aiohttp import web

from sandbox.connectors.state import CONNECTORS, Problem
from sandbox.connectors.world import TYPES
from sandbox.faults import FAULT_KINDS, FaultBodyError, fault_from_body
from sandbox.serving import is_loopback_client

routes = web.RouteTableDef()
PREFIX: Final = "/_sandbox"
MAX_ADVANCE_SECONDS: Final = 10 * 365 * 24 * 3600.0
_fault_ids = itertools.count(1)


def forbidden_unless_loopback(request: web.Request) -> None:
    """Refuse admin requests from other machines."""
    if not is_loopback_client(request):
        raise Problem(403, "The admin API is only available from loopback")


async def _object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as err:
        raise Problem(400, "The body is not JSON") from err
    if not isinstance(body, dict):
        raise Problem(400, "The body must be a JSON object")
    return body


def _number(value: object, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise Problem(400, f"{field} must be a number from {low:g} to {high:g}", field=field)
    return float(value)


def _optional_text(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is not None and (not isinstance(value, str) or not value):
        raise Problem(400, f"{field} must be a non-empty string", field=field)
    return value


@routes.post(PREFIX + "/connectors")
async def create_connector(request: web.Request) -> web.Response:
    """Create a connector: ``name``, ``type``, ``pin`` (null: none), ``customer_id``."""
    body = await _object(request)
    kind = _optional_text(body, "type")
    if kind is not None and kind not in TYPES:
        raise Problem(400, "type must be physical or virtual", field="type")
    pin = body.get("pin", True)
    if pin is not None and pin is not True and not (isinstance(pin, str) and len(pin) == 5):
        raise Problem(400, "pin must be five digits or null", field="pin")
    connector = request.app[CONNECTORS].world.create(
        name=_optional_text(body, "name"),
        type_=kind,
        pin=pin,
        customer_id=_optional_text(body, "customer_id"),
    )
    return web.json_response(connector.as_json(), status=201)


@routes.patch(PREFIX + "/connectors/{connector_id}")
async def assign_connector(request: web.Request) -> web.Response:
    """Assign a connector as someone else would (``customer_id``: a string or null)."""
    body = await _object(request)
    connector = request.app[CONNECTORS].world.connectors.get(request.match_info["connector_id"])
    if connector is None:
        raise Problem(404, "No connector has this id")
    connector.customer_id = _optional_text(body, "customer_id")
    return web.json_response(connector.as_json())


@routes.post(PREFIX + "/tokens/expire")
async def expire_tokens(request: web.Request) -> web.Response:
    """Make every issued access token stop working."""
    request.app[CONNECTORS].tokens.clear()
    return web.Response(status=204)


@routes.post(PREFIX + "/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    """Move simulated time forward (tokens expire)."""
    body = await _object(request)
    clock = request.app[CONNECTORS].clock
    clock.advance(_number(body.get("seconds"), "seconds", 0, MAX_ADVANCE_SECONDS))
    return web.json_response({"now": clock.iso_now()})


@routes.post(PREFIX + "/faults")
async def add_fault(request: web.Request) -> web.Response:
    """Inject a fault for API requests whose path matches a glob."""
    body = await _object(request)
    try:
        fault = fault_from_body(body, kinds=FAULT_KINDS, ids=_fault_ids)
    except FaultBodyError as err:
        raise Problem(400, err.message, field=err.field) from err
    request.app[CONNECTORS].faults.add(fault)
    return web.json_response(fault.as_json(), status=201)


@routes.delete(PREFIX + "/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """Remove every fault."""
    request.app[CONNECTORS].faults.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/requests")
async def get_requests(request: web.Request) -> web.Response:
    """Return the API requests served so far (method, path, query; never credentials)."""
    return web.json_response(request.app[CONNECTORS].requests)


@routes.delete(PREFIX + "/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    request.app[CONNECTORS].requests.clear()
    return web.Response(status=204)


@routes.get(PREFIX + "/state")
async def get_state(request: web.Request) -> web.Response:
    """Return counts of the simulated connectors (never PINs)."""
    world = request.app[CONNECTORS].world
    connectors = world.connectors.values()
    return web.json_response(
        {
            "now": request.app[CONNECTORS].clock.iso_now(),
            "connectors": len(world.connectors),
            "assigned": sum(1 for c in connectors if c.customer_id is not None),
            "withoutPin": sum(1 for c in connectors if c.pin is None),
            "customers": len(list(world.customers())),
        }
    )


@routes.get(PREFIX + "/connectors/{connector_id}")
async def get_connector(request: web.Request) -> web.Response:
    """One connector with its PIN (what a partner's back office would show)."""
    connector = request.app[CONNECTORS].world.connectors.get(request.match_info["connector_id"])
    if connector is None:
        raise Problem(404, "No connector has this id")
    return web.json_response(connector.as_json())

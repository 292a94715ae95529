"""Location routes: a user's named places, used for geofencing and charger placement."""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from sandbox.enode.pagination import paginate, parse_page_request
from sandbox.enode.payloads import location_json
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import Body, present, read_json

routes = web.RouteTableDef()

MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0
MAX_NAME_LENGTH = 200
_FIELDS = ("name", "latitude", "longitude", "timezoneName")


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def _parse_location(
    body: Body, *, required: bool
) -> tuple[str | None, float | None, float | None, str | None]:
    name = body.string("name", required=required, min_length=1, max_length=MAX_NAME_LENGTH)
    latitude = body.number(
        "latitude", required=required, minimum=-MAX_LATITUDE, maximum=MAX_LATITUDE
    )
    longitude = body.number(
        "longitude", required=required, minimum=-MAX_LONGITUDE, maximum=MAX_LONGITUDE
    )
    timezone_name = body.string("timezoneName", min_length=1)
    # Loading a zone reads a file: keep that off the event loop.
    if timezone_name is not None and not await asyncio.to_thread(_is_timezone, timezone_name):
        body.fail("timezoneName", f"Unknown IANA time zone '{timezone_name}'")
    body.check()
    return name, latitude, longitude, timezone_name


@routes.post("/users/{userId}/locations")
async def create_location(request: web.Request) -> web.Response:
    """Create a location for a user."""
    world = request.app[SANDBOX].world
    body = Body(await read_json(request), allowed=_FIELDS)
    name, latitude, longitude, timezone_name = await _parse_location(body, required=True)
    location = world.create_location(
        request.match_info["userId"],
        present(name),
        present(latitude),
        present(longitude),
        timezone_name or "UTC",
    )
    return web.json_response(location_json(location))


@routes.get("/users/{userId}/locations")
async def list_user_locations(request: web.Request) -> web.Response:
    """List a user's locations."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    user_id = request.match_info["userId"]
    locations = [loc for loc in world.locations.values() if loc.user_id == user_id]
    return web.json_response(paginate(locations, page, location_json))


@routes.get("/locations")
async def list_locations(request: web.Request) -> web.Response:
    """List every location of the client."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    return web.json_response(paginate(world.locations.values(), page, location_json))


@routes.get("/locations/{locationId}")
async def get_location(request: web.Request) -> web.Response:
    """Return one location."""
    world = request.app[SANDBOX].world
    return web.json_response(location_json(world.get_location(request.match_info["locationId"])))


@routes.put("/locations/{locationId}")
async def update_location(request: web.Request) -> web.Response:
    """Update a location partially."""
    world = request.app[SANDBOX].world
    world.get_location(request.match_info["locationId"])
    body = Body(await read_json(request), allowed=_FIELDS)
    name, latitude, longitude, timezone_name = await _parse_location(body, required=False)
    location = world.update_location(
        request.match_info["locationId"],
        name=name,
        latitude=latitude,
        longitude=longitude,
        timezone_name=timezone_name,
    )
    return web.json_response(location_json(location))


@routes.delete("/locations/{locationId}")
async def delete_location(request: web.Request) -> web.Response:
    """Delete a location and return it; chargers there lose their location."""
    world = request.app[SANDBOX].world
    location = world.delete_location(request.match_info["locationId"])
    return web.json_response(location_json(location))

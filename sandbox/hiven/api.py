"""The Hiven API routes: connect flow, devices, status, preferences, reference data, locations.

Undocumented parts follow the client's ``assumptions`` module (A1-A14).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from sandbox.hiven import catalog
from sandbox.hiven.state import HIVEN
from sandbox.hiven.world import WorldError

routes = web.RouteTableDef()

USER_HEADER = "X-User-Id"
AUTHORIZE_PATH = "/smartcar/authorize"
BEHAVIORS = ("SMART_CHARGE_OFF", "SMART_CHARGE_AT_LOCATION", "SMART_CHARGE_ANYWHERE")
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SOC_LIMITS = {"PERCENT": 100.0, "KM": 2000.0}
MAX_BATTERY_KWH = 1000.0
MAX_TEXT = 500
_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
PREFERENCE_FIELDS = (
    "chargingBehavior",
    "chargingLocationIds",
    "minimalSoC",
    "targetSoC",
    "readyTime",
    "weekDaySpecificReadyTimes",
    "batteryCapacity",
    "defaultSpotPriceAreaId",
)
LOCATION_FIELDS = ("coordinates", "countryCode", "postalCode", "name")


def bad_request(message: str) -> WorldError:
    """Return a 400 with a message naming the offending field."""
    return WorldError(400, message)


def user_of(request: web.Request) -> str:
    """Return the X-User-Id of the request (400 when missing)."""
    user = request.headers.get(USER_HEADER, "").strip()
    if not user:
        raise bad_request(f"{USER_HEADER} header is required")
    return user


async def read_object(request: web.Request, allowed: tuple[str, ...]) -> dict[str, Any]:
    """Return the JSON object body, with no members outside ``allowed``."""
    try:
        body = json.loads(await request.read())
    except ValueError as err:
        raise bad_request("Request body must be JSON") from err
    if not isinstance(body, dict):
        raise bad_request("Request body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad_request(f"property {unknown[0]} should not exist")
    return body


def _is_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _number(value: object, name: str, low: float, high: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise bad_request(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise bad_request(f"{name} must be a non-empty string")
    return value


# --- connecting vehicles ---------------------------------------------------------------


@routes.get("/v1/hiven/devices/smartcar/authorization-url")
async def authorization_url(request: web.Request) -> web.Response:
    """Build the (sandbox) Smartcar authorization URL."""
    user_of(request)
    query = request.query
    make = query.get("manufacturer", "")
    if make not in catalog.MANUFACTURERS:
        raise bad_request("manufacturer must be one of " + ", ".join(catalog.MANUFACTURERS))
    redirect_uri = query.get("redirectUri", "")
    if not _is_url(redirect_uri):
        raise bad_request("redirectUri must be an absolute http(s) URL")
    country = query.get("countryCode", "FI")
    if not _COUNTRY.fullmatch(country):
        raise bad_request("countryCode must be an ISO 3166-1 alpha-2 code")
    mode = query.get("mode", "live")
    if mode not in catalog.MODES:
        raise bad_request("mode must be one of live, test, simulated")
    request.app[HIVEN].world.redirect_uris.add(redirect_uri)
    params = {
        "make": make,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "flags": f"country:{country}",
        "mode": mode,
        "scope": catalog.SCOPE,
        "single_select": "true",
        "client_id": "sandbox-hiven",
    }
    base = str(request.url.origin())
    return web.json_response({"authorizationUrl": f"{base}{AUTHORIZE_PATH}?{urlencode(params)}"})


@routes.post("/v1/hiven/devices/smartcar/connect")
async def connect(request: web.Request) -> web.Response:
    """Exchange an authorization code: 201 added, 200 already added, 409 another user's."""
    user = user_of(request)
    body = await read_object(request, ("authCode", "redirectUrl"))
    code = _text(body.get("authCode"), "authCode")
    redirect_url = body.get("redirectUrl")
    if not _is_url(redirect_url):
        raise bad_request("redirectUrl must be an absolute http(s) URL")
    car, added = request.app[HIVEN].world.connect(user, code, str(redirect_url))
    if added:
        return web.json_response(
            {"deviceId": car.id, "message": "Vehicle has been successfully added"}, status=201
        )
    return web.json_response({"deviceId": car.id, "message": "Vehicle is already added"})


# --- devices ---------------------------------------------------------------------------


@routes.get("/v2/hiven/devices")
async def list_devices(request: web.Request) -> web.Response:
    """Return the user's devices; a ``userId`` query must match the header (A4, A7)."""
    user = user_of(request)
    queried = request.query.get("userId")
    if queried is not None and queried != user:
        raise WorldError(403, "userId does not match X-User-Id")
    return web.json_response(request.app[HIVEN].world.devices_of(user))


@routes.get("/v2/hiven/devices/{deviceId}")
async def get_device(request: web.Request) -> web.Response:
    """One device of the user."""
    world = request.app[HIVEN].world
    return web.json_response(world.user_device(user_of(request), request.match_info["deviceId"]))


@routes.delete("/v2/hiven/devices/{deviceId}")
async def delete_device(request: web.Request) -> web.Response:
    """Remove a car from the user (A1)."""
    world = request.app[HIVEN].world
    world.remove_car(user_of(request), request.match_info["deviceId"])
    return web.Response(status=204)


@routes.get("/v1/hiven/devices/{deviceId}/status")
async def status(request: web.Request) -> web.Response:
    """Return the car's telemetry."""
    world = request.app[HIVEN].world
    car = world.user_car(user_of(request), request.match_info["deviceId"])
    return web.json_response(car.status_json())


# --- charging preferences --------------------------------------------------------------

EV_PREFERENCES = "/v2/hiven/devices/{deviceId}/smart-charging/ev-preferences"


@routes.get(EV_PREFERENCES)
async def get_preferences(request: web.Request) -> web.Response:
    """Return the car's stored preferences."""
    world = request.app[HIVEN].world
    car = world.user_car(user_of(request), request.match_info["deviceId"])
    return web.json_response(dict(car.preferences))


def _soc(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"value", "unit"}:
        raise bad_request(f"{name} must be an object with value and unit")
    unit = value["unit"]
    if unit not in SOC_LIMITS:
        raise bad_request(f"{name}.unit must be PERCENT or KM")
    return {"value": _number(value["value"], f"{name}.value", 0, SOC_LIMITS[unit]), "unit": unit}


def _hh_mm(value: object, name: str) -> str:
    if not isinstance(value, str) or not _HH_MM.fullmatch(value):
        raise bad_request(f"{name} must be HH:mm")
    return value


def _preference(name: str, value: object, location_ids: set[str]) -> object:
    """Check one preference member; returns the value to store."""
    if name == "chargingBehavior":
        if value not in BEHAVIORS:
            raise bad_request("chargingBehavior must be one of " + ", ".join(BEHAVIORS))
        return value
    if name == "chargingLocationIds":
        if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
            raise bad_request("chargingLocationIds must be an array of strings")
        unknown = [i for i in value if i not in location_ids]
        if unknown:
            raise bad_request("chargingLocationIds contains an unknown location")
        return value
    if name in ("minimalSoC", "targetSoC"):
        return _soc(value, name)
    if name == "readyTime":
        return _hh_mm(value, name)
    if name == "weekDaySpecificReadyTimes":
        if not isinstance(value, dict) or not set(value) <= set(WEEKDAYS):
            raise bad_request("weekDaySpecificReadyTimes keys must be MONDAY..SUNDAY")
        return {
            day: _hh_mm(when, f"weekDaySpecificReadyTimes.{day}") for day, when in value.items()
        }
    if name == "batteryCapacity":
        capacity = _number(value, name, 0, MAX_BATTERY_KWH)
        if capacity <= 0:
            raise bad_request("batteryCapacity must be greater than 0")
        return capacity
    return _text(value, name)  # defaultSpotPriceAreaId


@routes.put(EV_PREFERENCES)
async def put_preferences(request: web.Request) -> web.Response:
    """Partial update (a PUT that acts as PATCH); ``null`` clears a member (A9, A10).

    ``chargingBehavior`` is the one member the document does not mark optional: required.
    """
    world = request.app[HIVEN].world
    user = user_of(request)
    car = world.user_car(user, request.match_info["deviceId"])
    body = await read_object(request, PREFERENCE_FIELDS)
    if "chargingBehavior" not in body:
        raise bad_request("chargingBehavior is required")
    location_ids = {loc.id for loc in world.locations_of(user)}
    updated = dict(car.preferences)
    for name, value in body.items():
        if value is None:
            if name == "chargingBehavior":
                raise bad_request("chargingBehavior cannot be cleared")
            updated.pop(name, None)
        else:
            updated[name] = _preference(name, value, location_ids)
    week = updated.get("weekDaySpecificReadyTimes") or {}
    if updated.get("chargingBehavior") != "SMART_CHARGE_OFF" and (
        "targetSoC" not in updated or ("readyTime" not in updated and len(week) < len(WEEKDAYS))
    ):
        raise bad_request(
            "targetSoC and readyTime (or weekDaySpecificReadyTimes for every day) are required "
            "unless chargingBehavior is SMART_CHARGE_OFF"
        )
    car.preferences = updated
    return web.json_response("")


# --- reference data ------------------------------------------------------------------


def _capability_filter(request: web.Request, name: str) -> set[str]:
    values: set[str] = set()
    for raw in request.query.getall(name, []):
        values.update(part for part in raw.split(",") if part)
    unknown = values - set(catalog.CAPABILITIES)
    if unknown:
        raise bad_request(f"{name} must contain only " + ", ".join(catalog.CAPABILITIES))
    return values


@routes.get("/v2/hiven/vehicles/smartcar/capabilities")
async def capabilities(request: web.Request) -> web.Response:
    """Vehicle models with capabilities, filtered (repeated or comma-separated keys, A8)."""
    supporting = _capability_filter(request, "supporting")
    not_supporting = _capability_filter(request, "not_supporting")
    models = [
        model.as_json()
        for model in catalog.MODELS
        if supporting <= set(model.capabilities) and not not_supporting & set(model.capabilities)
    ]
    return web.json_response(models)


@routes.get("/v2/hiven/devices/{deviceId}/capabilities")
async def vehicle_capabilities(request: web.Request) -> web.Response:
    """One car's capabilities (A14); ``forceRefresh`` is true or false, counted when true."""
    world = request.app[HIVEN].world
    car = world.user_car(user_of(request), request.match_info["deviceId"])
    force = request.query.get("forceRefresh", "false")
    if force not in ("true", "false"):
        raise bad_request("forceRefresh must be true or false")
    if force == "true":
        car.capability_refreshes += 1
    return web.json_response({"capabilities": list(car.model.capabilities)})


@routes.get("/v2/hiven/vehicles/smartcar/brands")
async def brands(request: web.Request) -> web.Response:
    """Supported manufacturers (A3)."""
    return web.json_response(list(catalog.MANUFACTURERS))


# --- user locations (A2) ---------------------------------------------------------------


def _location_fields(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "coordinates" in body or not partial:
        coordinates = body.get("coordinates")
        if not isinstance(coordinates, dict):
            raise bad_request("coordinates must be an object with latitude and longitude")
        fields["latitude"] = _number(coordinates.get("latitude"), "coordinates.latitude", -90, 90)
        fields["longitude"] = _number(
            coordinates.get("longitude"), "coordinates.longitude", -180, 180
        )
    if "countryCode" in body or not partial:
        country = body.get("countryCode")
        if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
            raise bad_request("countryCode must be an ISO 3166-1 alpha-2 code")
        fields["country_code"] = country
    for key, attribute in (("postalCode", "postal_code"), ("name", "name")):
        if key in body:
            fields[attribute] = _text(body[key], key)
    if not fields:
        raise bad_request("at least one location property is required")
    return fields


@routes.get("/v2/hiven/users/locations")
async def list_locations(request: web.Request) -> web.Response:
    """Return the user's locations."""
    world = request.app[HIVEN].world
    return web.json_response([loc.as_json() for loc in world.locations_of(user_of(request))])


@routes.post("/v2/hiven/users/locations")
async def create_location(request: web.Request) -> web.Response:
    """Create a location; its spot price area follows from the country."""
    user = user_of(request)
    fields = _location_fields(await read_object(request, LOCATION_FIELDS), partial=False)
    location = request.app[HIVEN].world.add_location(user, **fields)
    return web.json_response(location.as_json(), status=201)


@routes.put("/v2/hiven/users/locations/{locationId}")
async def update_location(request: web.Request) -> web.Response:
    """Change the given members of a location."""
    world = request.app[HIVEN].world
    location = world.user_location(user_of(request), request.match_info["locationId"])
    fields = _location_fields(await read_object(request, LOCATION_FIELDS), partial=True)
    for attribute, value in fields.items():
        setattr(location, attribute, value)
    return web.json_response(location.as_json())


@routes.delete("/v2/hiven/users/locations/{locationId}")
async def delete_location(request: web.Request) -> web.Response:
    """Delete a location."""
    world = request.app[HIVEN].world
    world.delete_location(user_of(request), request.match_info["locationId"])
    return web.Response(status=204)

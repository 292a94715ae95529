"""Statistics route: the charging statistics of one device, or of every device of a kind.

The query is checked as the spec declares it: ``startDate`` and ``type`` required, date-times
with a time zone, ``locationId`` a UUID, the enums, the deprecated ``utcOffset`` a number of
hours. An ``id`` of another kind than ``type`` is a 400, an unknown one a 404.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime

from aiohttp import web

from sandbox.enode.energy import DEFAULT_RESOLUTION, RESOLUTIONS
from sandbox.enode.payloads import charging_statistics_json
from sandbox.enode.runtime import SANDBOX
from sandbox.enode.validation import query_problem

routes = web.RouteTableDef()

STATISTICS_TYPES: tuple[str, ...] = ("charger", "vehicle", "hvac")
MAX_UTC_OFFSET_HOURS = 24.0


def _date_time(query: Mapping[str, str], name: str) -> float | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise query_problem(name, "Invalid datetime") from err
    if moment.tzinfo is None:
        raise query_problem(name, "Invalid datetime: a time zone is required")
    return moment.timestamp()


def _enum(query: Mapping[str, str], name: str, values: Collection[str]) -> str | None:
    value = query.get(name)
    if value is not None and value not in values:
        raise query_problem(name, f"Invalid enum value '{value}'")
    return value


def _utc_offset(query: Mapping[str, str]) -> float:
    value = query.get("utcOffset")
    if value is None:
        return 0.0
    try:
        hours = float(value)
    except ValueError as err:
        raise query_problem("utcOffset", "Expected a number of hours") from err
    if not math.isfinite(hours) or abs(hours) > MAX_UTC_OFFSET_HOURS:
        raise query_problem("utcOffset", "Expected a number of hours between -24 and 24")
    return hours


def _location_id(query: Mapping[str, str]) -> str | None:
    value = query.get("locationId")
    if value is not None:
        try:
            uuid.UUID(value)
        except ValueError as err:
            raise query_problem("locationId", "Invalid uuid") from err
    return value


@routes.get("/users/{userId}/statistics/charging")
async def charging_statistics(request: web.Request) -> web.Response:
    """Return the energy charged per bucket (``chargingStatisticsTimeseries``)."""
    query = request.query
    start = _date_time(query, "startDate")
    if start is None:
        raise query_problem("startDate", "Required")
    end = _date_time(query, "endDate")
    if end is not None and end < start:
        raise query_problem("endDate", "Must not be before startDate")
    kind = _enum(query, "type", STATISTICS_TYPES)
    if kind is None:
        raise query_problem("type", "Required")
    device_id = query.get("id")
    if device_id is not None and not device_id:
        raise query_problem("id", "Must not be empty")
    buckets = request.app[SANDBOX].world.charging_statistics(
        request.match_info["userId"],
        kind,
        device_id,
        start=start,
        end=end,
        resolution=_enum(query, "resolution", RESOLUTIONS) or DEFAULT_RESOLUTION,
        utc_offset_hours=_utc_offset(query),
        location_id=_location_id(query),
    )
    return web.json_response([charging_statistics_json(bucket) for bucket in buckets])

"""Pure functions from Hiven JSON to models.

Strict where a wrong value would make the model a lie (an object's ``id``, a list being a
list); lenient everywhere else: a wrong-typed optional field becomes ``None``, an unknown
enum value ``UNKNOWN``, an unknown capability is dropped. Messages name the object and the
field, never the value.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from typing import Any

from ..errors import InvalidResponseError
from ..models import Weekday
from .models import (
    ConnectOutcome,
    ConnectResult,
    HivenCapability,
    HivenChargingBehavior,
    HivenChargingStatus,
    HivenDevice,
    HivenEvPreferences,
    HivenLocation,
    HivenSocUnit,
    HivenVehicleStatus,
    HivenVehicleType,
    SocLevel,
    VehicleModelCapabilities,
    YearRange,
)

type JsonObject = dict[str, Any]


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise InvalidResponseError(f"Hiven {what} is not a JSON object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidResponseError(f"Hiven {what} list is not a JSON array")
    return value


def _required_id(obj: JsonObject, key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidResponseError(f"Hiven {what}: '{key}' is missing or not a string")
    return value


def _non_empty_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _number_or_numeric_str(value: object) -> float | None:
    """Read a finite number; numeric strings count (the document types some as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _int(value: object) -> int | None:
    number = _number_or_numeric_str(value)
    return int(number) if number is not None and number.is_integer() else None


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _time(value: object) -> time | None:
    if not isinstance(value, str):
        return None
    hours, sep, minutes = value.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit():
        return None
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def _str_tuple(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, str) and item)


# --- authorization and connect ---------------------------------------------------------


def parse_authorization_url(data: object) -> str:
    """``{"authorizationUrl"}`` of the authorization URL call."""
    return _required_id(_object(data, "authorization URL"), "authorizationUrl", "authorization URL")


def parse_connect(data: object, status: int) -> ConnectResult:
    """``{deviceId, message}`` of connect; 201 added, 200 already added."""
    obj = _object(data, "connect result")
    outcome = ConnectOutcome.ADDED if status == 201 else ConnectOutcome.ALREADY_ADDED
    return ConnectResult(
        device_id=_required_id(obj, "deviceId", "connect result"),
        outcome=outcome,
        message=_non_empty_str(obj.get("message")),
    )


# --- devices ---------------------------------------------------------------------------


def _soc_level(value: object) -> SocLevel | None:
    if not isinstance(value, dict):
        return None
    number = _number_or_numeric_str(value.get("value"))
    if number is None:
        return None
    unit = value.get("unit")
    return SocLevel(number, HivenSocUnit(unit) if isinstance(unit, str) else HivenSocUnit.UNKNOWN)


def _weekday_times(value: object) -> dict[Weekday, time] | None:
    if not isinstance(value, dict):
        return None
    result: dict[Weekday, time] = {}
    for day, when in value.items():
        parsed = _time(when)
        if not isinstance(day, str) or parsed is None:
            continue
        try:
            result[Weekday(day.lower())] = parsed
        except ValueError:
            continue
    return result


def _charging_locations(value: object) -> tuple[HivenLocation, ...] | None:
    """``chargingLocations`` of a device's preferences; a malformed item is skipped."""
    if not isinstance(value, list):
        return None
    locations = []
    for item in value:
        try:
            locations.append(parse_location(item))
        except InvalidResponseError:
            continue
    return tuple(locations)


def parse_ev_preferences(data: object) -> HivenEvPreferences:
    """Charging preferences (the GET body, or a device's ``settings.chargingPreferences``).

    The device's preferences may list ``chargingLocations`` instead of (or with)
    ``chargingLocationIds``: the ids are then their ``locationId``s.
    """
    obj = _object(data, "charging preferences")
    behavior = obj.get("chargingBehavior")
    locations = _charging_locations(obj.get("chargingLocations"))
    location_ids = _str_tuple(obj.get("chargingLocationIds"))
    if location_ids is None and locations is not None:
        location_ids = tuple(location.id for location in locations)
    return HivenEvPreferences(
        charging_behavior=(
            HivenChargingBehavior(behavior) if isinstance(behavior, str) and behavior else None
        ),
        charging_location_ids=location_ids,
        charging_locations=locations,
        minimal_soc=_soc_level(obj.get("minimalSoC")),
        target_soc=_soc_level(obj.get("targetSoC")),
        ready_time=_time(obj.get("readyTime")),
        weekday_ready_times=_weekday_times(obj.get("weekDaySpecificReadyTimes")),
        battery_capacity_kwh=_number_or_numeric_str(obj.get("batteryCapacity")),
        default_spot_price_area_id=_non_empty_str(obj.get("defaultSpotPriceAreaId")),
    )


def parse_device(data: object) -> HivenDevice:
    """One device of the list or the details call."""
    obj = _object(data, "device")
    attributes = obj.get("attributes")
    attrs: JsonObject = attributes if isinstance(attributes, dict) else {}
    settings = obj.get("settings")
    settings_obj: JsonObject = settings if isinstance(settings, dict) else {}
    preferences = settings_obj.get("chargingPreferences")
    return HivenDevice(
        id=_required_id(obj, "id", "device"),
        type=_non_empty_str(obj.get("type")),
        integration=_non_empty_str(obj.get("integration")),
        user_id=_non_empty_str(attrs.get("userId")),
        manufacturer=_non_empty_str(attrs.get("manufacturer")),
        model=_non_empty_str(attrs.get("model")),
        year=_int(attrs.get("year")),
        name=_non_empty_str(attrs.get("name")),
        vin=_non_empty_str(attrs.get("vin")),
        engine_type=_non_empty_str(attrs.get("engineType")),
        device_type=_non_empty_str(attrs.get("deviceType")),
        partner_id=_non_empty_str(attrs.get("partnerId")),
        partner_name=_non_empty_str(attrs.get("partnerName")),
        external_id=_non_empty_str(attrs.get("externalId")),
        created_at=_datetime(obj.get("createdAt")),
        associated_to_charger=_bool(obj.get("associatedToCharger")),
        associated_charger_ids=_str_tuple(obj.get("associatedChargerIds")) or (),
        location_supported=_bool(settings_obj.get("locationSupported")),
        charging_preferences=(
            parse_ev_preferences(preferences) if isinstance(preferences, dict) else None
        ),
    )


def parse_devices(data: object) -> list[HivenDevice]:
    """Parse the device list (every type)."""
    return [parse_device(item) for item in _list(data, "device")]


def parse_status(data: object) -> HivenVehicleStatus:
    """Vehicle telemetry."""
    obj = _object(data, "vehicle status")
    status = obj.get("chargingStatus")
    soc = _number_or_numeric_str(obj.get("soc"))
    return HivenVehicleStatus(
        id=_non_empty_str(obj.get("id")),
        timestamp=_datetime(obj.get("timestamp")),
        soc=soc if soc is not None and 0 <= soc <= 100 else None,
        range_km=_number_or_numeric_str(obj.get("range")),
        charging_status=(
            HivenChargingStatus(status) if isinstance(status, str) else HivenChargingStatus.UNKNOWN
        ),
        battery_capacity_kwh=_number_or_numeric_str(obj.get("batteryCapacity")),
    )


# --- reference data ----------------------------------------------------------------------


def parse_capabilities(data: object) -> list[VehicleModelCapabilities]:
    """Parse vehicle models with their capabilities; unknown capabilities are dropped."""
    result = []
    for item in _list(data, "vehicle capabilities"):
        obj = _object(item, "vehicle capabilities item")
        years = obj.get("yearRange")
        years_obj: JsonObject = years if isinstance(years, dict) else {}
        kind = obj.get("type")
        capabilities = _capability_set(obj.get("capabilities"))
        result.append(
            VehicleModelCapabilities(
                make=_non_empty_str(obj.get("make")) or "",
                model=_non_empty_str(obj.get("model")) or "",
                year_range=YearRange(_int(years_obj.get("start")), _int(years_obj.get("end"))),
                type=HivenVehicleType(kind) if isinstance(kind, str) else HivenVehicleType.UNKNOWN,
                capabilities=capabilities,
            )
        )
    return result


def _capability_set(value: object) -> frozenset[HivenCapability]:
    names = value if isinstance(value, list) else []
    return frozenset(HivenCapability(name) for name in names if isinstance(name, str)) - {
        HivenCapability.UNKNOWN
    }


def parse_vehicle_capabilities(data: object) -> frozenset[HivenCapability]:
    """One vehicle's capabilities (assumption A14): ``{"capabilities": [...]}`` or the array."""
    if isinstance(data, list):
        return _capability_set(data)
    return _capability_set(_object(data, "vehicle capabilities").get("capabilities"))


def parse_brands(data: object) -> list[str]:
    """Supported manufacturers (assumption A3): strings; anything else is skipped."""
    return [item for item in _list(data, "brand") if isinstance(item, str) and item]


def parse_location(data: object) -> HivenLocation:
    """One location in the document's ``chargingLocations`` shape (also user locations, A2).

    Its id is ``locationId``: the id ``chargingLocationIds`` refers to. The item's own
    ``id`` is another id (of the vehicle's charging-location record) and is not used.
    """
    obj = _object(data, "location")
    coordinates = _object(obj.get("coordinates"), "location coordinates")
    latitude = _number_or_numeric_str(coordinates.get("latitude"))
    longitude = _number_or_numeric_str(coordinates.get("longitude"))
    if latitude is None or longitude is None:
        raise InvalidResponseError("Hiven location: coordinates are missing or not numbers")
    return HivenLocation(
        id=_required_id(obj, "locationId", "location"),
        latitude=latitude,
        longitude=longitude,
        name=_non_empty_str(obj.get("name")),
        country_code=_non_empty_str(obj.get("countryCode")),
        postal_code=_non_empty_str(obj.get("postalCode")),
        spot_price_area_id=_non_empty_str(obj.get("spotPriceAreaId")),
    )


def parse_locations(data: object) -> list[HivenLocation]:
    """Parse the user's locations."""
    return [parse_location(item) for item in _list(data, "location")]

"""Actions: charging preferences of a vehicle, and the account's charging locations.

Every action checks its whole input first (schema, then devices, entries, locations and
what the provider supports) and only then talks to the provider, so bad input never
reaches it. Locations are checked against the account's list as the provider last
returned it; it only changes through these actions, which keep it current.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import time
from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_config_entry

from .api.errors import ProviderError
from .api.models import (
    Capability,
    Charger,
    ChargingBehavior,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    MinimalSoc,
    SocUnit,
    Vehicle,
    Weekday,
)
from .api.provider import ProviderFeature
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry
from .entity import translate_provider_error
from .preferences import format_time

SERVICE_SET_CHARGING_PREFERENCES: Final = "set_charging_preferences"
SERVICE_GET_CHARGING_PREFERENCES: Final = "get_charging_preferences"
SERVICE_CREATE_LOCATION: Final = "create_location"
SERVICE_UPDATE_LOCATION: Final = "update_location"
SERVICE_DELETE_LOCATION: Final = "delete_location"
SERVICE_LIST_LOCATIONS: Final = "list_locations"
SERVICE_SET_CHARGER_LOCATION: Final = "set_charger_location"

ATTR_CHARGING_BEHAVIOR: Final = "charging_behavior"
ATTR_TARGET_SOC: Final = "target_soc"
ATTR_MINIMAL_SOC: Final = "minimal_soc"
ATTR_MINIMAL_SOC_UNIT: Final = "minimal_soc_unit"
ATTR_READY_TIME: Final = "ready_time"
ATTR_WEEKDAY_READY_TIMES: Final = "weekday_ready_times"
ATTR_BATTERY_CAPACITY: Final = "battery_capacity"
ATTR_DEFAULT_PRICE_AREA: Final = "default_price_area"
ATTR_CHARGING_LOCATION_IDS: Final = "charging_location_ids"
ATTR_LOCATION_ID: Final = "location_id"
ATTR_NAME: Final = "name"
ATTR_LATITUDE: Final = "latitude"
ATTR_LONGITUDE: Final = "longitude"
ATTR_TIMEZONE: Final = "timezone"

BEHAVIORS: Final = [b.value for b in ChargingBehavior if b is not ChargingBehavior.UNKNOWN]
SOC_UNITS: Final = [u.value for u in SocUnit if u is not SocUnit.UNKNOWN]


MAX_NAME_LENGTH: Final = 100
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder the text around them: a name must read as it is stored."""
NOT_PLACE_ZONES: Final = frozenset({"localtime", "posixrules", "factory"})
"""Zone files that are no place's time zone (``Factory`` is not even a real offset)."""


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def hh_mm(value: Any) -> time:
    """Parse a time of day in whole minutes ("07:30"; "07:30:00" from the time selector)."""
    if isinstance(value, time):
        parsed: time | None = value
    else:
        try:
            parsed = cv.time(value)
        except vol.Invalid:
            parsed = None
    if parsed is None or parsed.second or parsed.microsecond:
        raise _invalid("invalid_time", value=str(value))
    return parsed


def weekday_times(value: Any) -> dict[str, time]:
    """Parse a weekly schedule: weekday names (monday…sunday) to times of day."""
    if not isinstance(value, dict):
        raise _invalid("weekday_ready_times_invalid")
    days = {day.value for day in Weekday}
    result: dict[str, time] = {}
    for day, when in value.items():
        if (key := str(day).lower()) not in days:
            raise _invalid("invalid_weekday", value=str(day))
        result[key] = hh_mm(when)
    return result


def name(value: Any) -> str:
    """Check a name as people see it: not blank, short, no control or direction characters."""
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    if not text:
        raise _invalid("name_empty")
    if len(text) > MAX_NAME_LENGTH:
        raise _invalid("name_too_long", max=str(MAX_NAME_LENGTH))
    if any(unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS for char in text):
        raise _invalid("name_invalid_characters")
    return text


def time_zone(value: Any) -> str:
    """Check an IANA time zone of a place (``Europe/Oslo``), not a system file or variant."""
    text = value if isinstance(value, str) else ""
    try:
        cv.time_zone(text)
    except vol.Invalid:
        text = ""
    if not text or text.casefold() in NOT_PLACE_ZONES or text.startswith(("posix/", "right/")):
        raise _invalid("invalid_time_zone", value=str(value))
    return text


def one_of(field: str, options: list[str]) -> Callable[[Any], str]:
    """Check a value is one of the options; the error lists them."""

    def validate(value: Any) -> str:
        if value not in options:
            raise _invalid(
                "invalid_option", field=field, value=str(value), options=", ".join(options)
            )
        return str(value)

    return validate


def number(field: str, minimum: float, maximum: float) -> Callable[[Any], float]:
    """Check a number is within bounds; the error names the field and the bounds."""

    def validate(value: Any) -> float:
        try:
            result = float(value)
        except TypeError, ValueError:
            result = float("nan")
        if not minimum <= result <= maximum:
            raise _invalid(
                "number_out_of_range",
                field=field,
                value=str(value),
                min=f"{minimum:g}",
                max=f"{maximum:g}",
            )
        return result

    return validate


SET_PREFERENCES_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_CHARGING_BEHAVIOR): one_of(ATTR_CHARGING_BEHAVIOR, BEHAVIORS),
        vol.Optional(ATTR_TARGET_SOC): number(ATTR_TARGET_SOC, 0, 100),
        vol.Optional(ATTR_MINIMAL_SOC): number(ATTR_MINIMAL_SOC, 0, 2000),
        vol.Optional(ATTR_MINIMAL_SOC_UNIT, default=SocUnit.PERCENT.value): one_of(
            ATTR_MINIMAL_SOC_UNIT, SOC_UNITS
        ),
        vol.Optional(ATTR_READY_TIME): hh_mm,
        vol.Optional(ATTR_WEEKDAY_READY_TIMES): weekday_times,
        vol.Optional(ATTR_BATTERY_CAPACITY): number(ATTR_BATTERY_CAPACITY, 1, 300),
        vol.Optional(ATTR_DEFAULT_PRICE_AREA): name,
        vol.Optional(ATTR_CHARGING_LOCATION_IDS): vol.All(cv.ensure_list, [cv.string]),
    }
)
GET_PREFERENCES_SCHEMA: Final = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
ENTRY_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})
CREATE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_NAME): name,
        vol.Optional(ATTR_LATITUDE): cv.latitude,
        vol.Optional(ATTR_LONGITUDE): cv.longitude,
        vol.Optional(ATTR_TIMEZONE): time_zone,
    }
)
UPDATE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend(
    {
        vol.Required(ATTR_LOCATION_ID): cv.string,
        vol.Optional(ATTR_NAME): name,
        vol.Optional(ATTR_LATITUDE): cv.latitude,
        vol.Optional(ATTR_LONGITUDE): cv.longitude,
        vol.Optional(ATTR_TIMEZONE): time_zone,
    }
)
DELETE_LOCATION_SCHEMA: Final = ENTRY_SCHEMA.extend({vol.Required(ATTR_LOCATION_ID): cv.string})
SET_CHARGER_LOCATION_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_DEVICE_ID): cv.string,
        vol.Optional(ATTR_LOCATION_ID): vol.Any(None, cv.string),
    }
)


@asynccontextmanager
async def _provider_errors(entry: ConnectedEVConfigEntry) -> AsyncIterator[None]:
    """Turn provider errors into translated errors with the provider's reason."""
    try:
        yield
    except ProviderError as err:
        raise translate_provider_error(entry, err) from err


# --- resolving targets --------------------------------------------------------------------


def _device_target(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, str, str]:
    """Return the loaded entry a device belongs to, its provider id and its name."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise _invalid("device_not_found")
    label = device.name_by_user or device.name or device_id
    identifiers = [ident for domain, ident in device.identifiers if domain == DOMAIN]
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if not identifiers or entry is None or entry.domain != DOMAIN:
        raise _invalid("not_our_device", device=label)
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return entry, identifiers[0], label


def _vehicle(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, Vehicle]:
    entry, identifier, label = _device_target(hass, device_id)
    vehicle = entry.runtime_data.coordinator.data.vehicles.get(identifier)
    if vehicle is None:
        raise _invalid("not_a_vehicle", device=label)
    return entry, vehicle


def _charger(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, Charger]:
    entry, identifier, label = _device_target(hass, device_id)
    charger = entry.runtime_data.coordinator.data.chargers.get(identifier)
    if charger is None:
        raise _invalid("not_a_charger", device=label)
    return entry, charger


def _locations_entry(entry: ConnectedEVConfigEntry) -> ConnectedEVConfigEntry:
    if ProviderFeature.LOCATIONS not in entry.runtime_data.provider.features:
        raise _invalid("locations_not_supported", title=entry.title)
    return entry


def _account(hass: HomeAssistant, call: ServiceCall) -> ConnectedEVConfigEntry:
    """Return the loaded connected_ev entry the call names, if it has locations."""
    entry: ConnectedEVConfigEntry = async_get_config_entry(
        hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID]
    )
    return _locations_entry(entry)


def _known_location(entry: ConnectedEVConfigEntry, location_id: str) -> ChargingLocation:
    location = entry.runtime_data.coordinator.data.locations.get(location_id)
    if location is None:
        raise _invalid("location_not_found", location_id=location_id)
    return location


# --- response data --------------------------------------------------------------------


def preferences_response(
    preferences: ChargingPreferences, supported: frozenset[str]
) -> dict[str, Any]:
    """Preferences as action response data (HH:MM times, stable enum keys)."""
    minimal = preferences.minimal_soc
    weekdays = preferences.weekday_ready_times
    ready = preferences.ready_time
    return {
        ATTR_CHARGING_BEHAVIOR: preferences.behavior.value if preferences.behavior else None,
        ATTR_TARGET_SOC: preferences.target_soc,
        ATTR_MINIMAL_SOC: (
            {"value": minimal.value, "unit": minimal.unit.value} if minimal else None
        ),
        ATTR_READY_TIME: format_time(ready) if ready else None,
        ATTR_WEEKDAY_READY_TIMES: (
            {day.value: format_time(weekdays[day]) for day in Weekday if day in weekdays}
            if weekdays is not None
            else None
        ),
        ATTR_BATTERY_CAPACITY: preferences.battery_capacity_kwh,
        ATTR_DEFAULT_PRICE_AREA: preferences.default_price_area,
        ATTR_CHARGING_LOCATION_IDS: (
            list(preferences.charging_location_ids)
            if preferences.charging_location_ids is not None
            else None
        ),
        "supported_fields": sorted(supported),
    }


def _location_response(entry: ConnectedEVConfigEntry, location: ChargingLocation) -> dict[str, Any]:
    chargers = entry.runtime_data.coordinator.data.chargers.values()
    return {
        "id": location.id,
        ATTR_NAME: location.name,
        ATTR_LATITUDE: location.latitude,
        ATTR_LONGITUDE: location.longitude,
        ATTR_TIMEZONE: location.timezone,
        "charger_ids": sorted(c.id for c in chargers if c.location_id == location.id),
    }


# --- handlers ---------------------------------------------------------------------------


def _preferences_update(data: dict[str, Any]) -> ChargingPreferencesUpdate:
    behavior = data.get(ATTR_CHARGING_BEHAVIOR)
    minimal = data.get(ATTR_MINIMAL_SOC)
    weekdays = data.get(ATTR_WEEKDAY_READY_TIMES)
    locations = data.get(ATTR_CHARGING_LOCATION_IDS)
    return ChargingPreferencesUpdate(
        behavior=ChargingBehavior(behavior) if behavior else None,
        target_soc=data.get(ATTR_TARGET_SOC),
        minimal_soc=(
            MinimalSoc(minimal, SocUnit(data[ATTR_MINIMAL_SOC_UNIT]))
            if minimal is not None
            else None
        ),
        ready_time=data.get(ATTR_READY_TIME),
        weekday_ready_times=(
            {Weekday(day): value for day, value in weekdays.items()}
            if weekdays is not None
            else None
        ),
        battery_capacity_kwh=data.get(ATTR_BATTERY_CAPACITY),
        default_price_area=data.get(ATTR_DEFAULT_PRICE_AREA),
        charging_location_ids=tuple(locations) if locations is not None else None,
    )


async def _set_charging_preferences(call: ServiceCall) -> ServiceResponse:
    entry, vehicle = _vehicle(call.hass, call.data[ATTR_DEVICE_ID])
    manager = entry.runtime_data.preferences
    update = _preferences_update(call.data)
    async with _provider_errors(entry):
        preferences = await manager.async_set(vehicle, update)
    return preferences_response(preferences, manager.supported_fields)


async def _get_charging_preferences(call: ServiceCall) -> ServiceResponse:
    entry, vehicle = _vehicle(call.hass, call.data[ATTR_DEVICE_ID])
    manager = entry.runtime_data.preferences
    if not manager.supported_fields or not vehicle.can(Capability.SMART_CHARGING):
        raise _invalid("smart_charging_not_capable")
    async with _provider_errors(entry):
        preferences = await manager.async_get(vehicle)
    return preferences_response(preferences, manager.supported_fields)


async def _create_location(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _account(hass, call)
    coordinator = entry.runtime_data.coordinator
    async with _provider_errors(entry):
        location = await entry.runtime_data.provider.async_create_location(
            call.data[ATTR_NAME],
            call.data.get(ATTR_LATITUDE, hass.config.latitude),
            call.data.get(ATTR_LONGITUDE, hass.config.longitude),
            call.data.get(ATTR_TIMEZONE, hass.config.time_zone),
        )
    coordinator.async_set_locations([*coordinator.data.locations.values(), location])
    return _location_response(entry, location)


async def _update_location(call: ServiceCall) -> ServiceResponse:
    entry = _account(call.hass, call)
    location = _known_location(entry, call.data[ATTR_LOCATION_ID])
    changes = {
        key: call.data[key]
        for key in (ATTR_NAME, ATTR_LATITUDE, ATTR_LONGITUDE, ATTR_TIMEZONE)
        if key in call.data
    }
    if not changes:
        raise _invalid("no_location_changes")
    coordinator = entry.runtime_data.coordinator
    async with _provider_errors(entry):
        updated = await entry.runtime_data.provider.async_update_location(location.id, **changes)
    coordinator.async_set_locations(
        [updated if item.id == updated.id else item for item in coordinator.data.locations.values()]
    )
    return _location_response(entry, updated)


async def _delete_location(call: ServiceCall) -> None:
    entry = _account(call.hass, call)
    location = _known_location(entry, call.data[ATTR_LOCATION_ID])
    coordinator = entry.runtime_data.coordinator
    async with _provider_errors(entry):
        await entry.runtime_data.provider.async_delete_location(location.id)
    # The provider unties the location's chargers: show them untied now, not at the next poll.
    chargers = coordinator.data.chargers.values()
    for charger in [charger for charger in chargers if charger.location_id == location.id]:
        coordinator.async_apply_charger(replace(charger, location_id=None))
    coordinator.async_set_locations(
        [item for item in coordinator.data.locations.values() if item.id != location.id]
    )


async def _list_locations(call: ServiceCall) -> ServiceResponse:
    entry = _account(call.hass, call)
    async with _provider_errors(entry):
        locations = await entry.runtime_data.provider.async_list_locations()
    entry.runtime_data.coordinator.async_set_locations(locations)
    return {"locations": [_location_response(entry, location) for location in locations]}


async def _set_charger_location(call: ServiceCall) -> None:
    entry, charger = _charger(call.hass, call.data[ATTR_DEVICE_ID])
    _locations_entry(entry)
    location_id = call.data.get(ATTR_LOCATION_ID) or None
    if location_id is not None:
        _known_location(entry, location_id)
    async with _provider_errors(entry):
        updated = await entry.runtime_data.provider.async_set_charger_location(
            charger.id, location_id
        )
    entry.runtime_data.coordinator.async_apply_charger(updated)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions once for the integration (not per entry)."""
    register = hass.services.async_register
    register(
        DOMAIN,
        SERVICE_SET_CHARGING_PREFERENCES,
        _set_charging_preferences,
        schema=SET_PREFERENCES_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_GET_CHARGING_PREFERENCES,
        _get_charging_preferences,
        schema=GET_PREFERENCES_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        SERVICE_CREATE_LOCATION,
        _create_location,
        schema=CREATE_LOCATION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(
        DOMAIN,
        SERVICE_UPDATE_LOCATION,
        _update_location,
        schema=UPDATE_LOCATION_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    register(DOMAIN, SERVICE_DELETE_LOCATION, _delete_location, schema=DELETE_LOCATION_SCHEMA)
    register(
        DOMAIN,
        SERVICE_LIST_LOCATIONS,
        _list_locations,
        schema=ENTRY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    register(
        DOMAIN,
        SERVICE_SET_CHARGER_LOCATION,
        _set_charger_location,
        schema=SET_CHARGER_LOCATION_SCHEMA,
    )

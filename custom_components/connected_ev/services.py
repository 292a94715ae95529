"""Actions: charging preferences of a vehicle, and the account's charging locations.

Every action checks its whole input first (schema, then devices, entries, locations and
what the provider supports) and only then talks to the provider, so bad input never
reaches it. Locations are checked against the account's list as the provider last
returned it; it only changes through these actions, which keep it current.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_config_entry

from .add_vehicle_link import async_setup_add_vehicle_link
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
from .api.provider import ProviderFeature, as_chargers, as_locations
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry
from .helpers import provider_errors
from .identifiers import provider_device_id
from .preferences import format_time
from .remote_actions import async_setup_remote_actions
from .service_schemas import (
    ATTR_BATTERY_CAPACITY,
    ATTR_CHARGING_BEHAVIOR,
    ATTR_CHARGING_LOCATION_IDS,
    ATTR_DEFAULT_PRICE_AREA,
    ATTR_LATITUDE,
    ATTR_LOCATION_ID,
    ATTR_LONGITUDE,
    ATTR_MINIMAL_SOC,
    ATTR_MINIMAL_SOC_UNIT,
    ATTR_NAME,
    ATTR_READY_TIME,
    ATTR_TARGET_SOC,
    ATTR_TIMEZONE,
    ATTR_WEEKDAY_READY_TIMES,
    CREATE_LOCATION_SCHEMA,
    DELETE_LOCATION_SCHEMA,
    ENTRY_SCHEMA,
    GET_PREFERENCES_SCHEMA,
    SET_CHARGER_LOCATION_SCHEMA,
    SET_PREFERENCES_SCHEMA,
    UPDATE_LOCATION_SCHEMA,
    invalid,
)

SERVICE_SET_CHARGING_PREFERENCES: Final = "set_charging_preferences"
SERVICE_GET_CHARGING_PREFERENCES: Final = "get_charging_preferences"
SERVICE_CREATE_LOCATION: Final = "create_location"
SERVICE_UPDATE_LOCATION: Final = "update_location"
SERVICE_DELETE_LOCATION: Final = "delete_location"
SERVICE_LIST_LOCATIONS: Final = "list_locations"
SERVICE_SET_CHARGER_LOCATION: Final = "set_charger_location"

# --- resolving targets --------------------------------------------------------------------


def _device_target(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, str, str]:
    """Return the loaded entry a device belongs to, its provider id and its name."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise invalid("device_not_found")
    label = device.name_by_user or device.name or device_id
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if (
        entry is None
        or entry.domain != DOMAIN
        or (provider_id := provider_device_id(entry, device)) is None
    ):
        raise invalid("not_our_device", device=label)
    if entry.state is not ConfigEntryState.LOADED:
        raise invalid("entry_not_loaded", title=entry.title)
    return entry, provider_id, label


def _vehicle(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, Vehicle]:
    entry, identifier, label = _device_target(hass, device_id)
    vehicle = entry.runtime_data.coordinator.data.vehicles.get(identifier)
    if vehicle is None:
        raise invalid("not_a_vehicle", device=label)
    return entry, vehicle


def _charger(hass: HomeAssistant, device_id: str) -> tuple[ConnectedEVConfigEntry, Charger]:
    entry, identifier, label = _device_target(hass, device_id)
    charger = entry.runtime_data.coordinator.data.chargers.get(identifier)
    if charger is None:
        raise invalid("not_a_charger", device=label)
    return entry, charger


def _locations_entry(entry: ConnectedEVConfigEntry) -> ConnectedEVConfigEntry:
    if ProviderFeature.LOCATIONS not in entry.runtime_data.provider.features:
        raise invalid("locations_not_supported", title=entry.title)
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
        raise invalid("location_not_found", location_id=location_id)
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
    async with provider_errors(entry):
        preferences = await manager.async_set(vehicle, update)
    return preferences_response(preferences, manager.supported_fields)


async def _get_charging_preferences(call: ServiceCall) -> ServiceResponse:
    entry, vehicle = _vehicle(call.hass, call.data[ATTR_DEVICE_ID])
    manager = entry.runtime_data.preferences
    if not manager.supported_fields or not vehicle.can(Capability.SMART_CHARGING):
        raise invalid("smart_charging_not_capable")
    async with provider_errors(entry):
        preferences = await manager.async_get(vehicle)
    return preferences_response(preferences, manager.supported_fields)


async def _create_location(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    entry = _account(hass, call)
    coordinator = entry.runtime_data.coordinator
    async with provider_errors(entry):
        location = await as_locations(entry.runtime_data.provider).async_create_location(
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
        raise invalid("no_location_changes")
    coordinator = entry.runtime_data.coordinator
    async with provider_errors(entry):
        updated = await as_locations(entry.runtime_data.provider).async_update_location(
            location.id, **changes
        )
    coordinator.async_set_locations(
        [updated if item.id == updated.id else item for item in coordinator.data.locations.values()]
    )
    return _location_response(entry, updated)


async def _delete_location(call: ServiceCall) -> None:
    entry = _account(call.hass, call)
    location = _known_location(entry, call.data[ATTR_LOCATION_ID])
    coordinator = entry.runtime_data.coordinator
    async with provider_errors(entry):
        await as_locations(entry.runtime_data.provider).async_delete_location(location.id)
    # The provider unties the location's chargers: show them untied now, not at the next poll.
    chargers = coordinator.data.chargers.values()
    for charger in [charger for charger in chargers if charger.location_id == location.id]:
        coordinator.async_apply_charger(replace(charger, location_id=None))
    coordinator.async_set_locations(
        [item for item in coordinator.data.locations.values() if item.id != location.id]
    )


async def _list_locations(call: ServiceCall) -> ServiceResponse:
    entry = _account(call.hass, call)
    async with provider_errors(entry):
        locations = await as_locations(entry.runtime_data.provider).async_list_locations()
    entry.runtime_data.coordinator.async_set_locations(locations)
    return {"locations": [_location_response(entry, location) for location in locations]}


async def _set_charger_location(call: ServiceCall) -> None:
    entry, charger = _charger(call.hass, call.data[ATTR_DEVICE_ID])
    _locations_entry(entry)
    location_id = call.data.get(ATTR_LOCATION_ID) or None
    if location_id is not None:
        _known_location(entry, location_id)
    async with provider_errors(entry):
        updated = await as_chargers(entry.runtime_data.provider).async_set_charger_location(
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
    async_setup_add_vehicle_link(hass)
    async_setup_remote_actions(hass)

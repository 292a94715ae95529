"""Diagnostics: the entry and the coordinator's cached data, redacted, without provider calls.

Reading from the cache matters: a diagnostics download must never wake a car. Values are
made JSON-native here (ISO times, "07:00", enum values), so the download reads the same
whatever serialises it. A device's download holds that device only. An account whose devices
are remotes lists them too: name, type, versions and assignment, never a PIN (the provider's
``Connector`` has none, and that provider's redactions name "pin" besides).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import datetime, time
from enum import Enum
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from .api.models import Charger, Connector, Vehicle
from .api.provider import Remotes
from .const import CONF_API_KEY, CONF_AUTH_IMPLEMENTATION, CONF_USER_ID
from .coordinator import ConnectedEVConfigEntry
from .identifiers import provider_device_id
from .preferences import format_time
from .providers import get_description

TO_REDACT = {
    CONF_API_KEY,
    CONF_AUTH_IMPLEMENTATION,
    CONF_USER_ID,
    "access_token",
    "client_id",
    "client_secret",
    "latitude",
    "longitude",
    "refresh_token",
    "secret",
    "serial_number",
    "token",
    "vin",
    "webhook_id",
    "webhook_secret",
}


def as_json(value: Any) -> Any:
    """Return ``value`` built from JSON types only (dataclasses become dicts)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {item.name: as_json(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, time):
        return format_time(value)
    if isinstance(value, dict):
        return {str(as_json(key)): as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [as_json(item) for item in value]
        return items if isinstance(value, list | tuple) else sorted(items, key=str)
    return value


def _entry(entry: ConnectedEVConfigEntry) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    return {
        "entry": {"data": dict(entry.data), "options": dict(entry.options)},
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "update_interval_seconds": (
                coordinator.update_interval.total_seconds() if coordinator.update_interval else None
            ),
        },
        "request_budget": coordinator.budget.as_diagnostics(),
    }


def _device(entry: ConnectedEVConfigEntry, device: Vehicle | Charger) -> dict[str, Any]:
    """One device with what the entry keeps about it besides the polled data."""
    runtime = entry.runtime_data
    data = runtime.coordinator.data
    result: dict[str, Any] = {"device": as_json(device)}
    if isinstance(device, Vehicle):
        result["smart_charging_status"] = as_json(data.smart_charging.get(device.id))
        schedule = runtime.preferences.schedule_of(device.id)
        result["weekday_schedule"] = schedule.as_dict() if schedule is not None else None
    location = data.location_of(device)
    result["charging_location"] = as_json(location)
    result["pending_action"] = as_json(runtime.coordinator.pending_actions.get(device.id))
    result["lifetime_energy_kwh"] = data.lifetime_energy.get(device.id)
    return result


def _remote(remote: Connector) -> dict[str, Any]:
    """One remote: what its device card and assignment entity show."""
    return {"device": as_json(remote)}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry
) -> dict[str, Any]:
    """Return the entry, its last polled devices, locations and tracked actions, redacted."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    result = {
        **_entry(entry),
        "vehicles": {vid: _device(entry, vehicle) for vid, vehicle in data.vehicles.items()},
        "chargers": {cid: _device(entry, charger) for cid, charger in data.chargers.items()},
        "locations": {lid: as_json(location) for lid, location in data.locations.items()},
    }
    if isinstance(coordinator.provider, Remotes):  # as the coordinator reads them
        result["remotes"] = {rid: _remote(remote) for rid, remote in data.remotes.items()}
    return async_redact_data(result, TO_REDACT | get_description(entry.data).redact)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry, device: DeviceEntry
) -> dict[str, Any]:
    """Return the entry and the one device the download was asked for, redacted."""
    data = entry.runtime_data.coordinator.data
    device_id = provider_device_id(entry, device) or ""  # not one of the account's: none
    shown: dict[str, Any] | None = None
    if (found := data.vehicles.get(device_id) or data.chargers.get(device_id)) is not None:
        shown = _device(entry, found)
    elif (remote := data.remotes.get(device_id)) is not None:
        shown = _remote(remote)
    return async_redact_data(
        {**_entry(entry), "device": shown}, TO_REDACT | get_description(entry.data).redact
    )

"""Diagnostics: the entry and the coordinator's cached data, redacted, without provider calls.

Reading from the cache matters: a diagnostics download must never wake a car.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_API_KEY, CONF_AUTH_IMPLEMENTATION, CONF_USER_ID
from .coordinator import ConnectedEVConfigEntry

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


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry
) -> dict[str, Any]:
    """Return the entry, its last polled devices and tracked actions, redacted."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    return async_redact_data(
        {
            "entry": {"data": dict(entry.data), "options": dict(entry.options)},
            "coordinator": {
                "last_update_success": coordinator.last_update_success,
                "update_interval_seconds": (
                    coordinator.update_interval.total_seconds()
                    if coordinator.update_interval
                    else None
                ),
            },
            "vehicles": {vid: asdict(vehicle) for vid, vehicle in data.vehicles.items()},
            "chargers": {cid: asdict(charger) for cid, charger in data.chargers.items()},
            "pending_actions": {
                device_id: asdict(action)
                for device_id, action in coordinator.pending_actions.items()
            },
        },
        TO_REDACT,
    )

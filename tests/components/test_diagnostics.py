"""Diagnostics: the cached data, redacted, JSON-native, without calling the provider."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import time
from unittest.mock import AsyncMock

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import ChargingPreferences, Weekday
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from custom_components.connected_ev.energy import ENERGY_FIRST_READ_DELAY
from custom_components.connected_ev.identifiers import device_identifier

from .conftest import BASIC_VEHICLE_ID, CHARGER_ID, VEHICLE_ID, charge_action

SECRETS = ("5YJSA1E26HF000001", "ZAP000123", "59.9139", "10.7522", "ha-user")


async def _first_energy_reads(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the lifetime energy be read: a first setup reads it a minute after setup."""
    freezer.tick(ENERGY_FIRST_READ_DELAY)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,  # after setup: the payloads keep plain datetimes
) -> None:
    """Ids stay for debugging; VINs, serials, positions, user ids and secrets do not."""
    await _first_energy_reads(hass, freezer)
    init_integration.runtime_data.coordinator.async_apply_action(charge_action())
    calls = len(mock_provider.mock_calls)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)

    assert diagnostics == snapshot
    assert len(mock_provider.mock_calls) == calls
    text = json.dumps(diagnostics)
    for secret in SECRETS:
        assert secret not in text


async def test_values_are_json_native(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Times read "07:00", enums their value, and the weekday schedule is included.

    Checked on the returned dict itself, before any encoder could hide a Python object.
    """
    mock_provider.async_set_charging_preferences.return_value = ChargingPreferences(
        ready_time=time(7)
    )
    await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {
            "device_id": _device_id(hass, VEHICLE_ID),
            "ready_time": "07:00",
            "weekday_ready_times": {"saturday": "10:30"},
        },
        blocking=True,
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)

    assert json.loads(json.dumps(diagnostics)) == diagnostics  # nothing but JSON types
    vehicle = diagnostics["vehicles"][VEHICLE_ID]
    assert vehicle["device"]["charging_preferences"]["ready_time"] == "07:00"
    assert vehicle["weekday_schedule"] == {
        "ready_time": "07:00",
        "weekday_ready_times": {Weekday.SATURDAY.value: "10:30"},
    }
    assert vehicle["device"]["charge_state"]["power_delivery_state"] == "plugged_in_stopped"
    assert vehicle["smart_charging_status"]["state"] == "plan_executing_stopped"
    assert diagnostics["vehicles"][BASIC_VEHICLE_ID]["weekday_schedule"] is None


async def test_device_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    snapshot: SnapshotAssertion,
    freezer: FrozenDateTimeFactory,  # after setup: the payloads keep plain datetimes
) -> None:
    """A device's download holds that device only, redacted like the entry's."""
    await _first_energy_reads(hass, freezer)
    registry = dr.async_get(hass)
    charger = registry.async_get(_device_id(hass, CHARGER_ID))
    assert charger is not None

    diagnostics = await get_diagnostics_for_device(hass, hass_client, init_integration, charger)

    assert diagnostics == snapshot
    assert set(diagnostics) == {"entry", "coordinator", "device"}
    assert diagnostics["device"]["device"]["id"] == CHARGER_ID
    text = json.dumps(diagnostics)
    for secret in SECRETS:
        assert secret not in text


async def test_device_diagnostics_of_a_gone_device(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A device the provider no longer lists has no data: the download says so."""
    registry = dr.async_get(hass)
    device = registry.async_get(_device_id(hass, VEHICLE_ID))
    assert device is not None
    coordinator = init_integration.runtime_data.coordinator
    vehicles = {k: v for k, v in coordinator.data.vehicles.items() if k != VEHICLE_ID}
    coordinator.async_set_updated_data(replace(coordinator.data, vehicles=vehicles))

    diagnostics = await async_get_device_diagnostics(hass, init_integration, device)

    assert diagnostics["device"] is None
    assert diagnostics["entry"]["data"]["user_id"] == "**REDACTED**"


def _device_id(hass: HomeAssistant, identifier: str) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, identifier), entry.entry_id
    )
    assert device is not None
    return device.id

"""Diagnostics: the cached data, redacted, JSON-native, without calling the provider."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import time, timedelta
from typing import Any
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import ChargingPreferences, Weekday
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.diagnostics import (
    async_get_config_entry_diagnostics,
    async_get_device_diagnostics,
)
from custom_components.connected_ev.identifiers import device_identifier
from sandbox.connectors.server import ConnectorsSandboxServer
from tests.api.connectedcars.conftest import load_fixture

from .conftest import BASIC_VEHICLE_ID, CHARGER_ID, VEHICLE_ID, charge_action
from .test_connectedcars_entities import make_entry, mock_connected_cars

SECRETS = ("5YJSA1E26HF000001", "ZAP000123", "59.9139", "10.7522", "ha-user")


async def _first_energy_reads(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the background timers after setup run (a first setup reads no lifetime energy)."""
    freezer.tick(timedelta(minutes=1))
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
    assert set(diagnostics) == {"entry", "coordinator", "request_budget", "device"}
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


@pytest.fixture
async def connectors(
    hass: HomeAssistant, socket_enabled: None
) -> AsyncIterator[tuple[MockConfigEntry, ConnectorsSandboxServer]]:
    """Set up a connectors account against a small sandbox (three connectors its own)."""
    async with ConnectorsSandboxServer(connectors=40, time_scale=0) as server:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Connectors API",
            unique_id="connectors:diagnostics",
            version=2,
            minor_version=2,
            data={
                "provider": "connectors",
                "environment": "custom",
                "base_url": server.url,
                "customer_id": server.customer_id,
                "api_key": server.sandbox.api_key,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        yield entry, server
        assert await hass.config_entries.async_unload(entry.entry_id)


def _walk(value: Any) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair of a JSON document, nested ones included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield None, item
            yield from _walk(item)


async def test_remotes_are_listed_without_their_pins(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    connectors: tuple[MockConfigEntry, ConnectorsSandboxServer],
    snapshot: SnapshotAssertion,
) -> None:
    """The customer's connectors: name, type, versions and assignment, and never a PIN."""
    entry, server = connectors
    mine = [c for c in server.world.connectors.values() if c.customer_id == server.customer_id]

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["remotes"] == {
        connector.id: {
            "device": {
                "id": connector.id,
                "name": connector.name,
                "type": connector.type,
                "assignment": "this_customer",
                "hardware_version": connector.hardware_version,
                "software_version": connector.software_version,
            }
        }
        for connector in mine
    }
    assert diagnostics["remotes"] == snapshot
    pins = {c.pin for c in server.world.connectors.values() if c.pin is not None}
    assert any(c.pin is not None for c in mine)  # the customer's own PINs are among them
    pairs = list(_walk(diagnostics))
    assert not [key for key, _ in pairs if key == "pin"]
    assert not [value for _, value in pairs if isinstance(value, str) and value in pins]
    text = json.dumps(diagnostics)
    for secret in (server.customer_id, server.sandbox.api_key):
        assert secret not in text
    assert diagnostics["entry"]["data"]["customer_id"] == "**REDACTED**"


async def test_device_diagnostics_of_a_remote(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    connectors: tuple[MockConfigEntry, ConnectorsSandboxServer],
) -> None:
    """A remote's own download holds that remote, as the entry's lists it."""
    entry, _server = connectors
    entry_diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    remote_id = next(iter(entry_diagnostics["remotes"]))
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, remote_id), entry.entry_id
    )
    assert device is not None

    diagnostics = await get_diagnostics_for_device(hass, hass_client, entry, device)

    assert diagnostics["device"] == entry_diagnostics["remotes"][remote_id]
    assert "remotes" not in diagnostics


async def test_other_accounts_list_no_remotes(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Only an account whose devices are connectors has a remotes part."""
    diagnostics = await async_get_config_entry_diagnostics(hass, init_integration)
    assert "remotes" not in diagnostics


async def test_a_car_named_by_its_plate_keeps_the_plate_out(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A Connected Cars car without a name is shown by its plate: diagnostics redact it."""
    payload = copy.deepcopy(load_fixture("vehicles.json"))
    listed = payload["data"]["viewer"]["vehicles"]
    records = [record["vehicle"] for record in listed if record["vehicle"] is not None]
    plates = [record["licensePlate"] for record in records]
    for record in records:
        record["name"] = None
    entry = make_entry()
    mock_connected_cars(aioclient_mock, payload)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    shown = entry.runtime_data.coordinator.data.vehicles.values()
    assert sorted(v.information.display_name or "" for v in shown) == sorted(plates)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    text = json.dumps(diagnostics)
    assert plates
    for plate in plates:
        assert plate not in text
    for vehicle in diagnostics["vehicles"].values():
        assert vehicle["device"]["information"]["display_name"] == "**REDACTED**"

"""A Hiven account set up end to end over a mocked HTTP layer: entities and repair issues.

The entities come from the same descriptions as Enode's, gated by what the provider and the
vehicle can do; setup needs no application credential.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncGenerator
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics
from tests.api.hiven.conftest import DEVICE_ID, load_fixture

BASE_URL = "http://hiven.test"
USER_ID = "hiven-user-1"
API_KEY = "hiven-secret-key"


def _device(**settings: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(load_fixture("device_ev.json"))
    data["settings"]["chargingPreferences"].update(settings)
    return data


def _mock_hiven(aioclient_mock: AiohttpClientMocker, device: dict[str, Any]) -> None:
    aioclient_mock.get(f"{BASE_URL}/v2/hiven/devices?userId={USER_ID}", json=[device])
    aioclient_mock.get(
        f"{BASE_URL}/v1/hiven/devices/{DEVICE_ID}/status", json=load_fixture("status.json")
    )
    aioclient_mock.get(
        f"{BASE_URL}/v2/hiven/vehicles/smartcar/capabilities",
        json=load_fixture("capabilities.json"),
    )
    aioclient_mock.get(
        f"{BASE_URL}/v2/hiven/devices/{DEVICE_ID}/capabilities?forceRefresh=true",
        json={"capabilities": ["READ_LOCATION"]},
    )
    aioclient_mock.get(f"{BASE_URL}/v2/hiven/users/locations", json=[load_fixture("location.json")])
    aioclient_mock.get(
        f"{BASE_URL}/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences",
        json=load_fixture("ev_preferences.json"),
    )


@pytest.fixture
def hiven_entry() -> MockConfigEntry:
    """Provide a Hiven entry as the config flow creates it (custom base URL)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Hiven (custom)",
        entry_id="01JCEV0HIVEN0CUSTOM00ENTRY",
        unique_id="hiven:test",
        version=2,
        minor_version=2,
        data={
            "provider": "hiven",
            "environment": "custom",
            "base_url": BASE_URL,
            "api_key": API_KEY,
            "user_id": USER_ID,
            "country": "FI",
        },
    )


@pytest.fixture
async def hiven_setup(
    hass: HomeAssistant, hiven_entry: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the Hiven entry against the documented payloads."""
    _mock_hiven(aioclient_mock, load_fixture("device_ev.json"))
    hiven_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(hiven_entry.entry_id)
    await hass.async_block_till_done()
    return hiven_entry


@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.NUMBER, Platform.SELECT, Platform.SENSOR, Platform.TIME],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    hiven_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    platform: Platform,
) -> None:
    """Every entity of a Hiven vehicle, one platform at a time."""
    _mock_hiven(aioclient_mock, load_fixture("device_ev.json"))
    hiven_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(hiven_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, hiven_entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_gated_entities(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, hiven_setup: MockConfigEntry
) -> None:
    """No switch, refresh button, tracker, smart-charging status, energy or unreported facts."""
    assert hiven_setup.state is ConfigEntryState.LOADED
    entities = er.async_entries_for_config_entry(entity_registry, hiven_setup.entry_id)
    domains = {entity.domain for entity in entities}
    assert {"binary_sensor", "number", "select", "sensor", "time"} <= domains
    assert not domains & {"switch", "button", "device_tracker"}
    assert not any(entity.unique_id.endswith("smart_charging_status") for entity in entities)
    # Hiven never reports these: no entity that would be unknown forever.
    for key in ("at_charging_location", "plugged_in_charger", "reachable", "charge_limit"):
        assert not any(entity.unique_id.endswith(key) for entity in entities), key
    # Hiven keeps no charging statistics: no lifetime energy sensor, not even unavailable.
    assert not any(entity.unique_id.endswith("lifetime_energy") for entity in entities)
    assert any(entity.unique_id.endswith("battery_level") for entity in entities)


async def test_api_key_never_in_diagnostics(
    hass: HomeAssistant, hiven_setup: MockConfigEntry
) -> None:
    """The user's API key is redacted like every other secret."""
    diagnostics = await async_get_config_entry_diagnostics(hass, hiven_setup)
    assert API_KEY not in repr(diagnostics)
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"


async def test_capacity_from_preferences(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, hiven_setup: MockConfigEntry
) -> None:
    """The status has no capacity: the preference's is shown, and no issue is raised."""
    vehicle = hiven_setup.runtime_data.coordinator.data.vehicles[DEVICE_ID]
    assert vehicle.charge_state.battery_capacity_kwh == 77
    assert not issue_registry.issues


async def test_capacity_missing_raises_an_issue(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    hiven_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Neither status nor preferences know the capacity: the user is asked to set it."""
    _mock_hiven(aioclient_mock, _device(batteryCapacity=None))
    hiven_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(hiven_entry.entry_id)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(
        DOMAIN, f"battery_capacity_{hiven_entry.entry_id}_{DEVICE_ID}"
    )
    assert issue is not None
    assert issue.translation_key == "battery_capacity_missing"
    assert issue.translation_placeholders == {"vehicle": "Family car", "title": "Hiven (custom)"}

    # Once set, the next refresh removes the issue.
    aioclient_mock.clear_requests()
    _mock_hiven(aioclient_mock, load_fixture("device_ev.json"))
    await hiven_entry.runtime_data.coordinator.async_refresh()
    assert not issue_registry.issues

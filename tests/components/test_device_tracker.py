"""Device tracker: where a vehicle that shares its position last was."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL

from .conftest import load_vehicles

TRACKER = "device_tracker.batmobile_location"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the device tracker platform."""
    return [Platform.DEVICE_TRACKER]


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A GPS tracker for the vehicle that shares its position, none for the other."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    assert hass.states.get("device_tracker.renault_zoe_location") is None


@pytest.mark.usefixtures("init_integration")
async def test_position_lost_and_vehicle_gone(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """A position that is no longer given is unknown; a vehicle gone is unavailable."""
    first, second = load_vehicles()
    mock_provider.async_list_vehicles.return_value = [replace(first, location=None), second]
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    state = hass.states.get(TRACKER)
    assert state.state == "unknown"
    assert "latitude" not in state.attributes

    mock_provider.async_list_vehicles.side_effect = None
    mock_provider.async_list_vehicles.return_value = [second]
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    state = hass.states.get(TRACKER)
    assert state is None or state.state == STATE_UNAVAILABLE

"""Binary sensors: plugged in, charging, reachable, at a charging location."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import GeoPosition
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL

from .conftest import load_vehicles

AT_LOCATION = "binary_sensor.batmobile_at_charging_location"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the binary sensor platform."""
    return [Platform.BINARY_SENSOR]


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Every binary sensor; none about location for the car that cannot share it."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    assert hass.states.get("binary_sensor.renault_zoe_at_charging_location") is None


@pytest.mark.usefixtures("init_integration")
async def test_at_charging_location(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """At a location while the position names one; unknown without any position."""
    assert hass.states.get(AT_LOCATION).state == STATE_ON
    first, second = load_vehicles()

    for location, expected in (
        (GeoPosition(latitude=1.0, longitude=2.0), STATE_OFF),
        (None, STATE_UNKNOWN),
    ):
        mock_provider.async_list_vehicles.return_value = [
            replace(first, location=location),
            second,
        ]
        freezer.tick(DEFAULT_IDLE_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert hass.states.get(AT_LOCATION).state == expected


@pytest.mark.usefixtures("setup_credentials")
async def test_no_facts_the_provider_never_reports(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    platforms: list[Platform],
) -> None:
    """Without reachability or location matching, no forever-unknown binary sensors."""
    mock_provider.features = frozenset(ProviderFeature) - {
        ProviderFeature.REACHABILITY,
        ProviderFeature.LOCATION_MATCHING,
    }
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.batmobile_plugged_in").state == STATE_ON
    for entity_id in (
        AT_LOCATION,
        "binary_sensor.batmobile_reachable",
        "binary_sensor.zaptec_go_reachable",
    ):
        assert hass.states.get(entity_id) is None, entity_id

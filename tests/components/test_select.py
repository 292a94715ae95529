"""Smart-charging behaviour: the options are what the provider supports."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import AsyncMock

import pytest
from homeassistant.components.select import ATTR_OPTION, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import (
    ChargingBehavior,
    ChargingPreferences,
    ChargingPreferencesUpdate,
)

from .conftest import VEHICLE_ID, load_vehicles

SELECT = "select.batmobile_smart_charging"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the select platform."""
    return [Platform.SELECT]


async def _select(hass: HomeAssistant, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: option},
        blocking=True,
    )


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Off or at charging locations: Enode cannot smart charge anywhere."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_select_behavior(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """The behaviour is sent alone and shown at once; unsupported ones are refused."""
    await _select(hass, "at_location")
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(behavior=ChargingBehavior.AT_LOCATION)
    )
    assert hass.states.get(SELECT).state == "at_location"
    with pytest.raises(ServiceValidationError):
        await _select(hass, "anywhere")
    assert mock_provider.async_set_charging_preferences.await_count == 1


async def test_unknown_behavior(
    hass: HomeAssistant, mock_provider: AsyncMock, init_integration: MockConfigEntry
) -> None:
    """A behaviour the select does not offer shows as unknown."""
    vehicle = replace(
        load_vehicles()[0],
        charging_preferences=ChargingPreferences(behavior=ChargingBehavior.ANYWHERE),
    )
    init_integration.runtime_data.coordinator.async_set_updated_data(
        replace(
            init_integration.runtime_data.coordinator.data,
            vehicles={VEHICLE_ID: vehicle},
        )
    )
    await hass.async_block_till_done()
    assert hass.states.get(SELECT).state == STATE_UNKNOWN

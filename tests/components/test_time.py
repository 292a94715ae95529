"""Ready-by time: only on vehicles whose provider takes a deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from unittest.mock import AsyncMock

import pytest
from homeassistant.components.time import ATTR_TIME, SERVICE_SET_VALUE
from homeassistant.components.time import DOMAIN as TIME_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import NotCapableError
from custom_components.connected_ev.api.models import ChargingPreferencesUpdate

from .conftest import VEHICLE_ID

TIME = "time.batmobile_ready_by"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the time and number platforms."""
    return [Platform.NUMBER, Platform.TIME]


async def _set(hass: HomeAssistant, value: str) -> None:
    await hass.services.async_call(
        TIME_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: TIME, ATTR_TIME: value}, blocking=True
    )


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Only the smart-charging vehicle has a ready-by time (none set yet)."""
    assert hass.states.get(TIME) == snapshot(name="state")
    assert entity_registry.async_get(TIME) == snapshot(name="entry")
    assert hass.states.get(TIME).state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
async def test_set_ready_time(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A new time (whole minutes) is sent alone and shown at once."""
    await _set(hass, "06:45:30")
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(ready_time=time(6, 45))
    )
    assert hass.states.get(TIME).state == "06:45:00"


@pytest.mark.usefixtures("init_integration")
async def test_set_refused(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A provider refusal is a translated error."""
    mock_provider.async_set_charging_preferences.side_effect = NotCapableError(
        "400", detail="No price area"
    )
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, "06:45")
    assert err.value.translation_key == "not_capable"


async def test_no_preferences_known(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """A smart-charging vehicle without known preferences shows unknown values."""
    coordinator = init_integration.runtime_data.coordinator
    vehicle = replace(
        coordinator.data.vehicles[VEHICLE_ID],
        charging_preferences=None,
        charge_state=replace(coordinator.data.vehicles[VEHICLE_ID].charge_state, charge_limit=None),
    )
    coordinator.async_set_updated_data(replace(coordinator.data, vehicles={VEHICLE_ID: vehicle}))
    await hass.async_block_till_done()
    assert hass.states.get(TIME).state == STATE_UNKNOWN
    minimum = hass.states.get("number.batmobile_minimum_state_of_charge")
    assert minimum.state == STATE_UNKNOWN
    assert minimum.attributes["max"] == 100

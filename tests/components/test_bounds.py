"""Values exactly at a bound are accepted: limits are inclusive wherever a user can reach them.

Only values beyond the bounds are tested elsewhere; an exclusive comparison (``>=`` for
``>``) would refuse the bound itself, which the forms and sliders offer as a valid choice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.models import (
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    MinimalSoc,
    PreferenceField,
    SocUnit,
)
from custom_components.connected_ev.const import DOMAIN

from .conftest import CHARGER_ID, VEHICLE_ID, home_location, load_vehicles

MAX_CURRENT = "number.zaptec_go_maximum_charging_current"
MINIMUM = "number.batmobile_minimum_state_of_charge"


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the numbers: sliders with bounds, and the devices the actions target."""
    return [Platform.NUMBER]


async def _set_number(hass: HomeAssistant, entity_id: str, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
        blocking=True,
    )
    await hass.async_block_till_done()


def _device_of(hass: HomeAssistant, entity_id: str) -> str:
    entry = er.async_get(hass).async_get(entity_id)
    assert entry is not None
    assert entry.device_id is not None
    return entry.device_id


@pytest.mark.usefixtures("init_integration")
async def test_max_current_at_6_and_32_amperes(
    hass: HomeAssistant, mock_provider: AsyncMock
) -> None:
    """The slider's ends are sent; one step beyond either end is refused and nothing sent."""
    state = hass.states.get(MAX_CURRENT)
    assert (state.attributes["min"], state.attributes["max"]) == (6, 32)
    for value in (6, 32):
        await _set_number(hass, MAX_CURRENT, value)
        mock_provider.async_set_max_current.assert_awaited_with(
            DeviceKind.CHARGER, CHARGER_ID, value
        )
    for value in (5, 33):
        with pytest.raises(ServiceValidationError):
            await _set_number(hass, MAX_CURRENT, value)
    assert mock_provider.async_set_max_current.await_count == 2


@pytest.mark.usefixtures("init_integration")
async def test_minimum_soc_of_zero(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A minimum of 0 % (no minimum) is a value, not a missing field: sent and read back."""
    await _set_number(hass, MINIMUM, 30)
    result = await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {"device_id": _device_of(hass, MINIMUM), "minimal_soc": 0},
        blocking=True,
        return_response=True,
    )
    mock_provider.async_set_charging_preferences.assert_awaited_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(0, SocUnit.PERCENT))
    )
    assert result is not None
    assert result["minimal_soc"] == {"value": 0, "unit": "percent"}
    assert hass.states.get(MINIMUM).state == "0.0"


@pytest.mark.usefixtures("init_integration")
async def test_minimum_soc_equal_to_the_target(
    hass: HomeAssistant, mock_provider: AsyncMock
) -> None:
    """The minimum may be as high as the car's charge limit (90 %), the slider's end."""
    assert hass.states.get(MINIMUM).attributes["max"] == 90
    await _set_number(hass, MINIMUM, 90)
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(90, SocUnit.PERCENT))
    )
    assert hass.states.get(MINIMUM).state == "90.0"


async def test_minimum_soc_of_exactly_100_percent(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A car charging to 100 % accepts a minimum of 100 %, by the slider and by the action."""
    first, second = load_vehicles()
    full = replace(first, charge_state=replace(first.charge_state, charge_limit=100))
    mock_provider.async_list_vehicles.return_value = [full, second]
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(MINIMUM).attributes["max"] == 100

    await _set_number(hass, MINIMUM, 100)
    await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {"device_id": _device_of(hass, MINIMUM), "minimal_soc": 100},
        blocking=True,
    )
    assert mock_provider.async_set_charging_preferences.await_count == 2
    mock_provider.async_set_charging_preferences.assert_awaited_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(100, SocUnit.PERCENT))
    )
    assert hass.states.get(MINIMUM).state == "100.0"


async def test_target_soc_at_0_and_100_and_minimum_range_at_2000_km(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """Where a provider takes a target and a minimum in km, the ends of each range are sent."""
    mock_provider.supported_preference_fields = frozenset(PreferenceField)
    mock_provider.supported_minimal_soc_units = frozenset({SocUnit.PERCENT, SocUnit.KM})
    first, second = load_vehicles()
    preferences = ChargingPreferences(target_soc=80, minimal_soc=MinimalSoc(30, SocUnit.KM))
    mock_provider.async_list_vehicles.return_value = [
        replace(first, charging_preferences=preferences),
        second,
    ]
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    target = "number.batmobile_target_state_of_charge"
    device_id = _device_of(hass, target)

    for value in (0, 100):
        await _set_number(hass, target, value)
        mock_provider.async_set_charging_preferences.assert_awaited_with(
            VEHICLE_ID, ChargingPreferencesUpdate(target_soc=value)
        )
        await hass.services.async_call(
            DOMAIN,
            "set_charging_preferences",
            {"device_id": device_id, "target_soc": value},
            blocking=True,
        )
        mock_provider.async_set_charging_preferences.assert_awaited_with(
            VEHICLE_ID, ChargingPreferencesUpdate(target_soc=value)
        )
    await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {"device_id": device_id, "minimal_soc": 2000, "minimal_soc_unit": "km"},
        blocking=True,
    )
    mock_provider.async_set_charging_preferences.assert_awaited_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(2000, SocUnit.KM))
    )
    assert mock_provider.async_set_charging_preferences.await_count == 5


async def test_location_name_of_exactly_100_characters(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """A name as long as allowed is sent as it is (101 characters are refused elsewhere)."""
    name = "x" * 100
    mock_provider.async_create_location.return_value = home_location(id="long", name=name)
    await hass.services.async_call(
        DOMAIN,
        "create_location",
        {"config_entry_id": init_integration.entry_id, "name": name, "latitude": 0, "longitude": 0},
        blocking=True,
    )
    mock_provider.async_create_location.assert_awaited_once()
    assert mock_provider.async_create_location.await_args is not None
    assert mock_provider.async_create_location.await_args.args[0] == name


@pytest.mark.parametrize(
    ("charging", "idle", "push"),
    [(1, 2, 15), (60, 240, 1440)],
    ids=["lowest", "highest"],
)
async def test_option_intervals_at_their_bounds(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    charging: int,
    idle: int,
    push: int,
) -> None:
    """Each interval's lowest and highest value (as the form's error names them) is saved."""
    options: dict[str, Any] = {
        "push": False,
        "manual_only": False,
        "charging_interval": charging,
        "idle_interval": idle,
        "push_interval": push,
    }
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], options)
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    await hass.async_block_till_done()
    assert init_integration.options == options
    assert init_integration.state is ConfigEntryState.LOADED
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.charging_interval == timedelta(minutes=charging)
    assert coordinator.update_interval == timedelta(minutes=idle)

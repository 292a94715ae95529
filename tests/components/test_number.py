"""Maximum charging current: only where the device lets the provider change it."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import NotCapableError
from custom_components.connected_ev.api.models import (
    ActionFailure,
    ActionState,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    MinimalSoc,
    PreferenceField,
    SocUnit,
)

from .conftest import CHARGER_ID, VEHICLE_ID, load_vehicles

NUMBER = "number.zaptec_go_maximum_charging_current"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the number platform."""
    return [Platform.NUMBER]


async def _set(hass: HomeAssistant, value: float) -> None:
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: NUMBER, ATTR_VALUE: value},
        blocking=True,
    )


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """Only the charger can change its maximum current (6-32 A)."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_set_max_current(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A new limit goes to the provider, then the data is read again."""
    lists = mock_provider.async_list_chargers.await_count
    await _set(hass, 20)
    await hass.async_block_till_done()

    mock_provider.async_set_max_current.assert_awaited_once_with(DeviceKind.CHARGER, CHARGER_ID, 20)
    assert mock_provider.async_list_chargers.await_count == lists + 1


@pytest.mark.usefixtures("init_integration")
async def test_set_max_current_refused(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A refusal, immediate or as a failed action, is a translated error."""
    mock_provider.async_set_max_current.side_effect = NotCapableError(
        "400", detail="Charger is offline"
    )
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, 10)
    assert err.value.translation_key == "not_capable"
    assert err.value.translation_placeholders == {"detail": "Charger is offline"}

    action = mock_provider.async_set_max_current.return_value
    mock_provider.async_set_max_current.side_effect = None
    mock_provider.async_set_max_current.return_value = type(action)(
        id=action.id,
        user_id=action.user_id,
        state=ActionState.FAILED,
        target_id=action.target_id,
        target_kind=action.target_kind,
        max_current_a=10,
        failure=ActionFailure.CONFLICT,
    )
    with pytest.raises(HomeAssistantError) as err:
        await _set(hass, 10)
    assert err.value.translation_key == "max_current_failed"
    assert err.value.translation_placeholders == {"reason": "conflict"}


MINIMUM = "number.batmobile_minimum_state_of_charge"


@pytest.mark.usefixtures("init_integration")
async def test_minimum_soc(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """The minimum is sent alone; its slider stops at the car's charge limit (90 %)."""
    state = hass.states.get(MINIMUM)
    assert state.state == "0.0"
    assert state.attributes["max"] == 90
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: MINIMUM, ATTR_VALUE: 25}, blocking=True
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(25, SocUnit.PERCENT))
    )
    assert hass.states.get(MINIMUM).state == "25.0"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: MINIMUM, ATTR_VALUE: 95},
            blocking=True,
        )
    assert mock_provider.async_set_charging_preferences.await_count == 1


async def test_target_soc_where_supported(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    setup_credentials: None,
    platforms: list[Platform],
) -> None:
    """A provider with a target gets a target slider; the minimum stops at the target."""
    mock_provider.supported_preference_fields = frozenset(PreferenceField)
    mock_provider.supported_minimal_soc_units = frozenset({SocUnit.PERCENT, SocUnit.KM})
    first, second = load_vehicles()
    first = replace(
        first,
        charging_preferences=ChargingPreferences(
            target_soc=80, minimal_soc=MinimalSoc(30, SocUnit.KM)
        ),
    )
    mock_provider.async_list_vehicles.return_value = [first, second]
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()

    assert hass.states.get("number.batmobile_target_state_of_charge").state == "80"
    minimum = hass.states.get(MINIMUM)
    # A minimum set in km of range is shown in km, not as an unknown percentage.
    assert minimum.state == "30"
    assert minimum.attributes["unit_of_measurement"] == "km"
    assert minimum.attributes["max"] == 2000
    mock_provider.async_set_charging_preferences.return_value = ChargingPreferences(
        target_soc=80, minimal_soc=MinimalSoc(50, SocUnit.KM)
    )
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: MINIMUM, ATTR_VALUE: 50}, blocking=True
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(50, SocUnit.KM))
    )
    assert hass.states.get(MINIMUM).state == "50.0"
    mock_provider.async_set_charging_preferences.reset_mock()
    mock_provider.async_set_charging_preferences.side_effect = None
    mock_provider.async_set_charging_preferences.return_value = ChargingPreferences(target_soc=70)
    await hass.services.async_call(
        NUMBER_DOMAIN,
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.batmobile_target_state_of_charge", ATTR_VALUE: 70},
        blocking=True,
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(target_soc=70)
    )
    assert hass.states.get("number.batmobile_target_state_of_charge").state == "70"
    minimum = hass.states.get(MINIMUM)
    assert minimum.state == "unknown"
    assert minimum.attributes["unit_of_measurement"] == "%"
    assert minimum.attributes["max"] == 70

"""Maximum charging current: only where the device lets the provider change it."""

from __future__ import annotations

from unittest.mock import AsyncMock

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import NotCapableError
from custom_components.connected_ev.api.models import ActionFailure, ActionState, DeviceKind

from .conftest import CHARGER_ID

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

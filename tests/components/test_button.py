"""Request-refresh button: explicit, and at most once per device per window."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import DeviceKind
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import (
    REFRESH_HINT_FOLLOW_UP,
    REFRESH_HINT_MIN_INTERVAL,
)

from .conftest import CHARGER_ID, VEHICLE_ID, load_vehicles

BUTTON = "button.batmobile_request_refresh"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the button platform."""
    return [Platform.BUTTON]


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _press(hass: HomeAssistant, entity_id: str = BUTTON) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A request-refresh button on every device."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_press_is_rate_limited(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """One hint per device per window; other devices are not affected."""
    await _press(hass)
    mock_provider.async_refresh_hint.assert_awaited_once_with(DeviceKind.VEHICLE, VEHICLE_ID)

    freezer.tick(timedelta(minutes=5))
    with pytest.raises(ServiceValidationError) as err:
        await _press(hass)
    assert err.value.translation_key == "refresh_too_soon"
    assert err.value.translation_placeholders == {"minutes": "10"}

    await _press(hass, "button.zaptec_go_request_refresh")
    mock_provider.async_refresh_hint.assert_awaited_with(DeviceKind.CHARGER, CHARGER_ID)

    freezer.tick(REFRESH_HINT_MIN_INTERVAL)
    await _press(hass)
    assert mock_provider.async_refresh_hint.await_count == 3


async def test_press_is_followed_by_a_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The fetched values show within about a minute and a half, not at the next poll.

    Push is healthy here, so the next scheduled poll would come only in an hour.
    """
    caplog.set_level(logging.INFO)
    init_integration.runtime_data.coordinator.async_set_push_interval(timedelta(hours=1))
    polls = mock_provider.async_list_vehicles.await_count
    await _press(hass)
    assert "update in about 90 seconds" in caplog.text

    vehicles = load_vehicles()
    fetched = replace(
        vehicles[0], charge_state=replace(vehicles[0].charge_state, battery_level=71.0)
    )
    mock_provider.async_list_vehicles.return_value = [fetched, vehicles[1]]
    await _tick(hass, freezer, REFRESH_HINT_FOLLOW_UP - timedelta(seconds=1))
    assert mock_provider.async_list_vehicles.await_count == polls
    await _tick(hass, freezer, timedelta(seconds=1))
    assert mock_provider.async_list_vehicles.await_count == polls + 1
    coordinator = init_integration.runtime_data.coordinator
    assert coordinator.data.vehicles[VEHICLE_ID].charge_state.battery_level == 71

    # Still one hint per window: a second press is refused, and no other poll follows.
    with pytest.raises(ServiceValidationError):
        await _press(hass)
    await _tick(hass, freezer, REFRESH_HINT_FOLLOW_UP)
    assert mock_provider.async_list_vehicles.await_count == polls + 1


async def test_failed_hint_is_not_followed_by_a_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """A hint the provider did not take fetches nothing: no extra poll."""
    init_integration.runtime_data.coordinator.async_set_push_interval(timedelta(hours=1))
    polls = mock_provider.async_list_vehicles.await_count
    mock_provider.async_refresh_hint.side_effect = ProviderUnavailableError("503")
    with pytest.raises(HomeAssistantError):
        await _press(hass)
    await _tick(hass, freezer, REFRESH_HINT_FOLLOW_UP)
    assert mock_provider.async_list_vehicles.await_count == polls


async def test_follow_up_cancelled_on_unload(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """An entry unloaded before the follow-up polls no more."""
    await _press(hass)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    polls = mock_provider.async_list_vehicles.await_count
    await _tick(hass, freezer, REFRESH_HINT_FOLLOW_UP)
    assert mock_provider.async_list_vehicles.await_count == polls


@pytest.mark.usefixtures("init_integration")
async def test_failed_hint_can_be_retried(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A hint the provider did not take does not count against the window."""
    mock_provider.async_refresh_hint.side_effect = ProviderUnavailableError("503")
    with pytest.raises(HomeAssistantError) as err:
        await _press(hass)
    assert err.value.translation_key == "provider_unavailable"

    mock_provider.async_refresh_hint.side_effect = None
    await _press(hass)
    assert mock_provider.async_refresh_hint.await_count == 2


async def test_no_button_without_hints(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A provider that takes no refresh hints gets no buttons."""
    mock_provider.features = frozenset(ProviderFeature) - {ProviderFeature.REFRESH_HINT}
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(BUTTON) is None

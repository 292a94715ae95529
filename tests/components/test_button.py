"""Request-refresh button: explicit, and at most once per device per window."""

from __future__ import annotations

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
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import DeviceKind
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import REFRESH_HINT_MIN_INTERVAL

from .conftest import CHARGER_ID, VEHICLE_ID

BUTTON = "button.batmobile_request_refresh"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the button platform."""
    return [Platform.BUTTON]


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

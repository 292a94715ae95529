"""Behaviour that only shows over time: action timeout, adaptive interval, refresh-hint window.

Home Assistant's clock is moved with ``freezer`` and its timers fired; nothing sleeps.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.connected_ev.api.errors import RateLimitedError
from custom_components.connected_ev.api.models import Charger
from custom_components.connected_ev.const import (
    ACTION_POLL_INTERVAL,
    ACTION_TIMEOUT,
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    MAX_RATE_LIMIT_BACKOFF,
    REFRESH_HINT_MIN_INTERVAL,
)

from .conftest import charge_action, load_chargers

SWITCH = "switch.batmobile_charging"
CHARGER_SWITCH = "switch.zaptec_go_charging"
REFRESH = "button.batmobile_request_refresh"
SECOND = timedelta(seconds=1)


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the switch and the button: what a user drives over time."""
    return [Platform.BUTTON, Platform.SWITCH]


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _chargers(*, charging: bool) -> list[Charger]:
    return [
        replace(charger, charge_state=replace(charger.charge_state, is_charging=charging))
        for charger in load_chargers()
    ]


@pytest.mark.usefixtures("init_integration")
async def test_action_pending_forever_stops_at_the_timeout(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A provider answering PENDING on every poll is polled until the timeout, then left.

    The timeout counts from the command, not from the last PENDING reply: otherwise the
    action would be polled every few seconds forever, spending the request budget.
    """
    mock_provider.async_get_charge_action.return_value = charge_action()
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    assert hass.states.get(SWITCH).state == STATE_ON  # shows what was asked while pending

    polls_in_timeout = ACTION_TIMEOUT // ACTION_POLL_INTERVAL
    for _ in range(polls_in_timeout - 1):
        await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    assert hass.states.get(SWITCH).state == STATE_ON
    assert "not settled" not in caplog.text

    for _ in range(2):
        await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    assert hass.states.get(SWITCH).state == STATE_OFF  # the car's real state again
    assert [
        record
        for record in caplog.records
        if record.levelno == logging.WARNING and "not settled" in record.getMessage()
    ]
    polls = mock_provider.async_get_charge_action.await_count
    assert polls <= polls_in_timeout

    for _ in range(10):
        await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    assert mock_provider.async_get_charge_action.await_count == polls
    assert hass.states.get(SWITCH).state == STATE_OFF


async def test_charger_only_account_polls_at_the_charging_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """An account with a charging charger and no vehicles polls as often as while charging."""
    mock_provider.async_list_vehicles.return_value = []
    mock_provider.async_list_chargers.return_value = _chargers(charging=True)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CHARGER_SWITCH).state == STATE_ON
    assert mock_provider.async_list_chargers.await_count == 1

    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL + SECOND)
    assert mock_provider.async_list_chargers.await_count == 2

    # Charging ends: the next poll sees it, and polling slows down to the idle interval.
    mock_provider.async_list_chargers.return_value = _chargers(charging=False)
    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL + SECOND)
    assert mock_provider.async_list_chargers.await_count == 3
    assert hass.states.get(CHARGER_SWITCH).state == STATE_OFF
    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL + SECOND)
    assert mock_provider.async_list_chargers.await_count == 3
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL - DEFAULT_CHARGING_INTERVAL)
    assert mock_provider.async_list_chargers.await_count == 4


@pytest.mark.usefixtures("init_integration")
async def test_refresh_hint_allowed_again_exactly_at_the_end_of_its_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """A second refresh one second early is refused (1 minute to wait); on the dot it is sent."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: REFRESH}, blocking=True
    )
    freezer.tick(REFRESH_HINT_MIN_INTERVAL - SECOND)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: REFRESH}, blocking=True
        )
    assert err.value.translation_key == "refresh_too_soon"
    assert err.value.translation_placeholders == {"minutes": "1"}
    assert mock_provider.async_refresh_hint.await_count == 1

    freezer.tick(SECOND)
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: REFRESH}, blocking=True
    )
    assert mock_provider.async_refresh_hint.await_count == 2


async def test_rate_limited_for_days_keeps_waiting_the_longest_backoff(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two days of 429s without Retry-After: one refresh an hour, the last values kept.

    The doubling back-off must stop doubling at its cap, not only be cut there: about 40
    doublings of the idle interval no longer fit a ``timedelta`` and would make every
    entity unavailable with an unexpected error.
    """
    mock_provider.async_list_vehicles.side_effect = RateLimitedError("429")
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    hours = 48
    for _ in range(hours):
        await _tick(hass, freezer, MAX_RATE_LIMIT_BACKOFF)

    assert init_integration.runtime_data.coordinator.update_interval == MAX_RATE_LIMIT_BACKOFF
    assert mock_provider.async_list_vehicles.await_count <= hours + 2
    assert hass.states.get(SWITCH).state not in (STATE_UNAVAILABLE, STATE_ON)
    assert "Unexpected error" not in caplog.text

    mock_provider.async_list_vehicles.side_effect = None
    await _tick(hass, freezer, MAX_RATE_LIMIT_BACKOFF)
    assert init_integration.runtime_data.coordinator.update_interval == DEFAULT_IDLE_INTERVAL

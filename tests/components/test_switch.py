"""Charging switch: follows the provider's action, never flips back on a stale poll."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    NotCapableError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    ActionFailure,
    ActionState,
    ChargingCommand,
    DeviceKind,
    Vehicle,
)
from custom_components.connected_ev.const import (
    ACTION_POLL_INTERVAL,
    ACTION_TIMEOUT,
    DEFAULT_IDLE_INTERVAL,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator

from .conftest import CHARGER_ID, VEHICLE_ID, charge_action, load_vehicles

SWITCH = "switch.batmobile_charging"
CHARGER_SWITCH = "switch.zaptec_go_charging"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the switch platform."""
    return [Platform.SWITCH]


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _switch(hass: HomeAssistant, service: str, entity_id: str = SWITCH) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


def _vehicles(*, charging: bool) -> list[Vehicle]:
    first, second = load_vehicles()
    first = replace(first, charge_state=replace(first.charge_state, is_charging=charging))
    return [first, second]


def _coordinator(entry: MockConfigEntry) -> ConnectedEVCoordinator:
    coordinator: ConnectedEVCoordinator = entry.runtime_data.coordinator
    return coordinator


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """A switch for each device that can start and stop; none for the read-only car."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    assert hass.states.get("switch.renault_zoe_charging") is None


@pytest.mark.usefixtures("init_integration")
async def test_pending_then_confirmed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """The switch shows the request while pending, even when a poll still says otherwise."""
    assert hass.states.get(SWITCH).state == STATE_OFF

    await _switch(hass, SERVICE_TURN_ON)

    mock_provider.async_set_charging.assert_awaited_once_with(
        DeviceKind.VEHICLE, VEHICLE_ID, ChargingCommand.START
    )
    assert hass.states.get(SWITCH).state == STATE_ON

    # A regular poll, still from before the car started: the switch does not flip back.
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count >= 2
    assert hass.states.get(SWITCH).state == STATE_ON
    assert mock_provider.async_get_charge_action.await_count >= 1

    lists_before = mock_provider.async_list_vehicles.await_count
    mock_provider.async_get_charge_action.return_value = charge_action(state=ActionState.CONFIRMED)
    mock_provider.async_list_vehicles.return_value = _vehicles(charging=True)
    await _tick(hass, freezer, ACTION_POLL_INTERVAL)

    assert mock_provider.async_list_vehicles.await_count > lists_before
    assert hass.states.get(SWITCH).state == STATE_ON

    # Polls stop once the action settled.
    polls = mock_provider.async_get_charge_action.await_count
    await _tick(hass, freezer, ACTION_POLL_INTERVAL * 3)
    assert mock_provider.async_get_charge_action.await_count == polls


async def test_confirmed_state_kept_until_a_newer_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """A confirmed start stays shown until a poll started after the confirmation."""
    coordinator = _coordinator(init_integration)
    coordinator.async_apply_action(charge_action(state=ActionState.CONFIRMED))
    assert hass.states.get(SWITCH).state == STATE_ON
    assert coordinator.pending_action(VEHICLE_ID) is not None

    await hass.async_block_till_done(wait_background_tasks=True)
    # The refresh it asked for read "not charging" (the car did not start after all).
    assert coordinator.pending_action(VEHICLE_ID) is None
    assert hass.states.get(SWITCH).state == STATE_OFF


@pytest.mark.usefixtures("init_integration")
async def test_failed_later_reverts_and_warns(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failure after the request reverts the switch and is logged once."""
    await _switch(hass, SERVICE_TURN_ON)
    assert hass.states.get(SWITCH).state == STATE_ON

    mock_provider.async_get_charge_action.return_value = charge_action(
        state=ActionState.FAILED,
        failure=ActionFailure.NO_RESPONSE,
        failure_detail="The vehicle did not respond",
    )
    await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    await _tick(hass, freezer, ACTION_POLL_INTERVAL)

    assert hass.states.get(SWITCH).state == STATE_OFF
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings if "not carried out" in r.getMessage()] == [
        "Charging start on Batmobile was not carried out: The vehicle did not respond"
    ]


@pytest.mark.usefixtures("init_integration")
async def test_failed_immediately_raises(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """An action the provider settles as failed right away is a translated error."""
    mock_provider.async_set_charging.return_value = charge_action(
        state=ActionState.FAILED, failure=ActionFailure.FAILED_PRECONDITION
    )
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON)

    assert err.value.translation_key == "charging_action_failed"
    assert err.value.translation_placeholders == {"reason": "failed_precondition"}
    assert hass.states.get(SWITCH).state == STATE_OFF


@pytest.mark.usefixtures("init_integration")
async def test_cancelled_without_reason(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """Without a failure reason, the action state is the reason."""
    mock_provider.async_set_charging.return_value = charge_action(
        state=ActionState.CANCELLED, command=ChargingCommand.STOP
    )
    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_OFF)

    assert err.value.translation_placeholders == {"reason": "cancelled"}


@pytest.mark.parametrize(
    ("error", "translation_key", "placeholders"),
    [
        (
            NotCapableError("400", detail="Vehicle is not plugged in"),
            "not_capable",
            {"detail": "Vehicle is not plugged in"},
        ),
        (NotCapableError("Enode POST failed"), "not_capable", {"detail": "Enode POST failed"}),
        (RateLimitedError("429"), "rate_limited", None),
        (ProviderUnavailableError("503"), "provider_unavailable", None),
        (ForbiddenError("403 forbidden"), "unexpected_error", {"error": "403 forbidden"}),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_provider_errors_translated(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    error: Exception,
    translation_key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """Refusals and outages become translated errors with the provider's detail."""
    mock_provider.async_set_charging.side_effect = error

    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON)

    assert err.value.translation_key == translation_key
    assert err.value.translation_placeholders == placeholders
    assert hass.states.get(SWITCH).state == STATE_OFF


async def test_authentication_error_starts_reauth(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Rejected credentials on a command start reauth."""
    mock_provider.async_set_charging.side_effect = AuthenticationError("rejected")

    with pytest.raises(HomeAssistantError) as err:
        await _switch(hass, SERVICE_TURN_ON)

    assert err.value.translation_key == "authentication_failed"
    assert len(list(init_integration.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


@pytest.mark.usefixtures("init_integration")
async def test_charger_stop(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """The charger's switch stops charging through the charger."""
    mock_provider.async_set_charging.return_value = charge_action(
        target_id=CHARGER_ID, target_kind=DeviceKind.CHARGER, command=ChargingCommand.STOP
    )
    await _switch(hass, SERVICE_TURN_OFF, CHARGER_SWITCH)

    mock_provider.async_set_charging.assert_awaited_once_with(
        DeviceKind.CHARGER, CHARGER_ID, ChargingCommand.STOP
    )
    assert hass.states.get(CHARGER_SWITCH).state == STATE_OFF


@pytest.mark.usefixtures("init_integration")
async def test_action_timeout_gives_up(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An action that never settles stops being followed; the real state shows again."""
    await _switch(hass, SERVICE_TURN_ON)
    mock_provider.async_get_charge_action.side_effect = ProviderUnavailableError("503")

    await _tick(hass, freezer, ACTION_TIMEOUT - ACTION_POLL_INTERVAL)
    assert hass.states.get(SWITCH).state == STATE_ON  # failed polls are retried meanwhile
    assert mock_provider.async_get_charge_action.await_count >= 1

    await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    await _tick(hass, freezer, ACTION_POLL_INTERVAL)

    assert hass.states.get(SWITCH).state == STATE_OFF
    assert "was not settled by the provider in time" in caplog.text
    attempts = mock_provider.async_get_charge_action.await_count
    await _tick(hass, freezer, ACTION_POLL_INTERVAL * 3)
    assert mock_provider.async_get_charge_action.await_count == attempts


async def test_action_updates_from_elsewhere(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Push-style updates: older or unrelated actions never override the tracked one."""
    coordinator = _coordinator(init_integration)
    start = charge_action()
    coordinator.async_apply_action(start)
    assert hass.states.get(SWITCH).state == STATE_ON

    # An older action settling, and a final one that was never tracked: ignored.
    older = charge_action(
        id="older",
        command=ChargingCommand.STOP,
        created_at=start.created_at - timedelta(minutes=5),
    )
    coordinator.async_apply_action(older)
    coordinator.async_apply_action(replace(older, id="other", state=ActionState.CONFIRMED))
    assert coordinator.pending_action(VEHICLE_ID) == start

    # A newer pending action (a stop from another app) takes over.
    newer = charge_action(
        id="newer",
        command=ChargingCommand.STOP,
        created_at=start.created_at + timedelta(minutes=1),
    )
    coordinator.async_apply_action(newer)
    assert coordinator.pending_action(VEHICLE_ID) == newer
    assert hass.states.get(SWITCH).state == STATE_OFF
    assert coordinator.pending_actions == {VEHICLE_ID: newer}

    # An action of unknown command shows the device's own state.
    coordinator.async_apply_action(replace(newer, command=ChargingCommand.UNKNOWN))
    assert hass.states.get(SWITCH).state == STATE_OFF

    coordinator.async_apply_action(replace(newer, state=ActionState.UNKNOWN))
    assert coordinator.pending_action(VEHICLE_ID) is None

    # A poll that was already under way when the action settled does nothing.
    await coordinator._async_poll_action(VEHICLE_ID)
    mock_provider.async_get_charge_action.assert_not_called()


async def test_failure_of_unknown_device_logged_by_id(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An action for a device the account does not list is reported by its id."""
    coordinator = _coordinator(init_integration)
    coordinator.async_apply_action(charge_action(target_id="elsewhere"))
    coordinator.async_apply_action(charge_action(target_id="elsewhere", state=ActionState.FAILED))

    assert "Charging start on elsewhere was not carried out: failed" in caplog.text


async def test_unload_stops_action_polls(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """Unloading the entry leaves no action poll behind."""
    await _switch(hass, SERVICE_TURN_ON)
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    await _tick(hass, freezer, ACTION_POLL_INTERVAL * 2)
    mock_provider.async_get_charge_action.assert_not_called()

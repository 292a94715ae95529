"""Charging switch: follows the provider's action; repeats send nothing, refusals say why."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from http import HTTPStatus
from typing import Any
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
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
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
    ChargeAction,
    ChargingCommand,
    DeviceKind,
    Vehicle,
)
from custom_components.connected_ev.const import (
    ACTION_POLL_INTERVAL,
    ACTION_TIMEOUT,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator

from .conftest import CHARGER_ID, VEHICLE_ID, charge_action, load_chargers, load_vehicles

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


async def _poll(
    hass: HomeAssistant, entry: MockConfigEntry, provider: AsyncMock, vehicles: list[Vehicle]
) -> None:
    """Let the provider list ``vehicles`` and refresh, as the next poll would."""
    provider.async_list_vehicles.return_value = vehicles
    await _coordinator(entry).async_refresh()
    await hass.async_block_till_done()


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


async def test_cancelled_without_reason(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Without a failure reason, the action state is the reason."""
    await _poll(hass, init_integration, mock_provider, _vehicles(charging=True))
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


async def test_charger_stop(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """The charger's switch stops charging through the charger."""
    (charger,) = load_chargers()
    mock_provider.async_list_chargers.return_value = [
        replace(charger, charge_state=replace(charger.charge_state, is_charging=True))
    ]
    await _poll(hass, init_integration, mock_provider, load_vehicles())
    assert hass.states.get(CHARGER_SWITCH).state == STATE_ON
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
    await coordinator.actions.async_poll(VEHICLE_ID)
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


# --- idempotence and refusals (how planners such as ev_smart_charging drive the switch) ------

ALREADY_CHARGING = "Already charging."
ALREADY_STOPPED = "Charging is already stopped."
FULLY_CHARGED = "The vehicle is fully charged."
UNPLUGGED = "No vehicle is plugged in."


def _refuse_like_the_provider(provider: AsyncMock) -> None:
    """Answer start/stop as Enode does: 400 when the car cannot, or need not, do it."""

    async def set_charging(
        kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        (vehicle,) = (v for v in provider.async_list_vehicles.return_value if v.id == device_id)
        state = vehicle.charge_state
        if not state.is_plugged_in:
            raise NotCapableError("400", detail=UNPLUGGED)
        if command is ChargingCommand.START and state.is_charging:
            raise NotCapableError("400", detail=ALREADY_CHARGING)
        if command is ChargingCommand.START and state.is_fully_charged:
            raise NotCapableError("400", detail=FULLY_CHARGED)
        if command is ChargingCommand.STOP and not state.is_charging:
            raise NotCapableError("400", detail=ALREADY_STOPPED)
        return charge_action(command=command)

    provider.async_set_charging.side_effect = set_charging


def _vehicle(**charge_state: Any) -> list[Vehicle]:
    first, second = load_vehicles()
    return [replace(first, charge_state=replace(first.charge_state, **charge_state)), second]


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("service", "charging", "state"),
    [(SERVICE_TURN_OFF, False, STATE_OFF), (SERVICE_TURN_ON, True, STATE_ON)],
    ids=["off_when_stopped", "on_when_charging"],
)
async def test_requested_state_already_reached_sends_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
    service: str,
    charging: bool,
    state: str,
) -> None:
    """Asking for the state the car is in succeeds quietly and sends no request."""
    _refuse_like_the_provider(mock_provider)
    await _poll(hass, init_integration, mock_provider, _vehicles(charging=charging))

    await _switch(hass, service)
    await _switch(hass, service)

    mock_provider.async_set_charging.assert_not_called()
    assert hass.states.get(SWITCH).state == state
    assert _errors(caplog) == []


async def test_rest_callers_get_200_for_a_repeat_and_400_for_a_refusal(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """REST: a repeated off is a success, an unplugged car a client error; no error logged."""
    assert await async_setup_component(hass, "api", {})
    _refuse_like_the_provider(mock_provider)
    client = await hass_client()

    response = await client.post("/api/services/switch/turn_off", json={"entity_id": SWITCH})
    assert response.status == HTTPStatus.OK
    mock_provider.async_set_charging.assert_not_called()

    await _poll(hass, init_integration, mock_provider, _vehicle(is_plugged_in=False))
    response = await client.post("/api/services/switch/turn_on", json={"entity_id": SWITCH})
    assert response.status == HTTPStatus.BAD_REQUEST
    assert UNPLUGGED in (await response.json())["message"]
    assert hass.states.get(SWITCH).state == STATE_OFF
    assert _errors(caplog) == []


@pytest.mark.parametrize(
    ("charge_state", "detail"),
    [({"is_plugged_in": False}, UNPLUGGED), ({"is_fully_charged": True}, FULLY_CHARGED)],
    ids=["unplugged", "full"],
)
async def test_refusal_is_a_translated_validation_error(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
    charge_state: dict[str, Any],
    detail: str,
) -> None:
    """A car that cannot start says why, as a validation error (no traceback, no 500)."""
    _refuse_like_the_provider(mock_provider)
    await _poll(hass, init_integration, mock_provider, _vehicle(**charge_state))

    with pytest.raises(ServiceValidationError) as err:
        await _switch(hass, SERVICE_TURN_ON)

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "not_capable"
    assert err.value.translation_placeholders == {"detail": detail}
    assert hass.states.get(SWITCH).state == STATE_OFF
    assert _coordinator(init_integration).pending_actions == {}
    assert _errors(caplog) == []


@pytest.mark.usefixtures("init_integration")
async def test_repeat_while_pending_sends_nothing_opposite_overrides(
    hass: HomeAssistant, mock_provider: AsyncMock
) -> None:
    """A second on while the start is pending is a no-op; an off is sent and wins."""
    await _switch(hass, SERVICE_TURN_ON)
    await _switch(hass, SERVICE_TURN_ON)
    mock_provider.async_set_charging.assert_awaited_once_with(
        DeviceKind.VEHICLE, VEHICLE_ID, ChargingCommand.START
    )

    mock_provider.async_set_charging.return_value = charge_action(
        id="stop", command=ChargingCommand.STOP
    )
    await _switch(hass, SERVICE_TURN_OFF)

    assert mock_provider.async_set_charging.await_args_list[-1].args == (
        DeviceKind.VEHICLE,
        VEHICLE_ID,
        ChargingCommand.STOP,
    )
    assert mock_provider.async_set_charging.await_count == 2
    assert hass.states.get(SWITCH).state == STATE_OFF


async def test_unknown_state_is_always_sent(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """When the car does not say whether it charges, the request goes to the provider."""
    await _poll(hass, init_integration, mock_provider, _vehicle(is_charging=None))
    mock_provider.async_set_charging.return_value = charge_action(command=ChargingCommand.STOP)

    await _switch(hass, SERVICE_TURN_OFF)

    mock_provider.async_set_charging.assert_awaited_once_with(
        DeviceKind.VEHICLE, VEHICLE_ID, ChargingCommand.STOP
    )


async def _as_ev_smart_charging(hass: HomeAssistant, service: str) -> None:
    """Call the switch as ev_smart_charging does: without waiting (blocking=False)."""
    await hass.services.async_call(SWITCH_DOMAIN, service, target={ATTR_ENTITY_ID: SWITCH})
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_driven_like_ev_smart_charging(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Off at every start-up and options reload, repeated on/off, unplug, re-plug, full car."""
    _refuse_like_the_provider(mock_provider)

    # Start-up and its options reloads: off for a car that is not charging, several times.
    for _ in range(2):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()
        await _as_ev_smart_charging(hass, SERVICE_TURN_OFF)
        await _as_ev_smart_charging(hass, SERVICE_TURN_OFF)
    mock_provider.async_set_charging.assert_not_called()

    # The cheap window starts: on, then on again at the next quarter; one request.
    await _as_ev_smart_charging(hass, SERVICE_TURN_ON)
    await _as_ev_smart_charging(hass, SERVICE_TURN_ON)
    assert mock_provider.async_set_charging.await_count == 1
    mock_provider.async_get_charge_action.return_value = charge_action(state=ActionState.CONFIRMED)
    mock_provider.async_list_vehicles.return_value = _vehicles(charging=True)
    await _tick(hass, freezer, ACTION_POLL_INTERVAL)
    await _as_ev_smart_charging(hass, SERVICE_TURN_ON)
    assert hass.states.get(SWITCH).state == STATE_ON
    assert mock_provider.async_set_charging.await_count == 1

    # Unplugged while charging: the poll shows it, and their off on unplug is a no-op.
    await _poll(hass, init_integration, mock_provider, _vehicle(is_plugged_in=False))
    await _as_ev_smart_charging(hass, SERVICE_TURN_OFF)
    # Plugged in again and the car starts by itself: their on is a no-op too.
    await _poll(hass, init_integration, mock_provider, _vehicles(charging=True))
    await _as_ev_smart_charging(hass, SERVICE_TURN_ON)
    assert mock_provider.async_set_charging.await_count == 1
    assert _errors(caplog) == []

    # A full car cannot start: the provider's refusal is the validation error, nothing else.
    await _poll(hass, init_integration, mock_provider, _vehicle(is_fully_charged=True))
    await _as_ev_smart_charging(hass, SERVICE_TURN_ON)
    assert hass.states.get(SWITCH).state == STATE_OFF
    (record,) = _errors(caplog)
    assert record.exc_info is not None
    refusal = record.exc_info[1]
    assert isinstance(refusal, ServiceValidationError)
    assert refusal.translation_placeholders == {"detail": FULLY_CHARGED}

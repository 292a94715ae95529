"""Device commands that outlive their request: start/stop actions and refresh hints.

A start or stop is carried out by the device later: the provider answers with a pending
action. The displayed state follows the action until the provider settles it (polled here,
or pushed), and a confirmed action is shown until a poll newer than the confirmation reads
it, so a switch never flips back on data that predates the action. A refresh hint can wake a
car and costs vendor quota: it is sent at most once per ``REFRESH_HINT_MIN_INTERVAL`` per
device, and one poll follows once the provider has had time to fetch.

Outcomes the user must hear of are raised as typed errors (``ActionRefusedError``,
``RefreshTooSoonError``); entities translate them (``helpers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from .api.errors import ProviderError
from .api.models import ActionState, ChargeAction, DeviceKind, MaxCurrentAction
from .api.provider import as_charging_control, as_refresh_hints
from .const import LOGGER, REFRESH_HINT_FOLLOW_UP, REFRESH_HINT_MIN_INTERVAL

if TYPE_CHECKING:
    from .coordinator import ConnectedEVCoordinator

UNSUCCESSFUL = frozenset({ActionState.FAILED, ActionState.CANCELLED})


class ActionRefusedError(Exception):
    """The provider refused an action outright (its state is failed or cancelled)."""

    def __init__(self, action: ChargeAction | MaxCurrentAction) -> None:
        super().__init__(action_failure_reason(action))
        self.action = action


class RefreshTooSoonError(Exception):
    """The device had a refresh hint less than ``REFRESH_HINT_MIN_INTERVAL`` ago."""

    def __init__(self, wait: timedelta) -> None:
        super().__init__(f"A refresh can be asked for again in {wait}")
        self.wait = wait


def action_failure_reason(action: ChargeAction | MaxCurrentAction) -> str:
    """Why the provider did not carry out an action, in the provider's words if it gave any."""
    if action.failure_detail:
        return action.failure_detail
    if action.failure is not None:
        return action.failure.value
    return action.state.value


@dataclass(slots=True)
class _TrackedAction:
    """An action the displayed state follows until the provider's data shows its outcome."""

    action: ChargeAction
    since: datetime
    confirmed_at: datetime | None = None


class ActionTracker:
    """The start/stop action each device's displayed state follows, polled until settled."""

    def __init__(
        self, coordinator: ConnectedEVCoordinator, poll_interval: timedelta, timeout: timedelta
    ) -> None:
        self._coordinator = coordinator
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._actions: dict[str, _TrackedAction] = {}
        self._polls: dict[str, CALLBACK_TYPE] = {}

    def pending(self, device_id: str) -> ChargeAction | None:
        """Return the action the displayed state follows until the device data shows it."""
        tracked = self._actions.get(device_id)
        return tracked.action if tracked is not None else None

    @property
    def all(self) -> dict[str, ChargeAction]:
        """Every tracked action by device id."""
        return {device_id: tracked.action for device_id, tracked in self._actions.items()}

    @callback
    def apply(self, action: ChargeAction) -> None:
        """Take the provider's news about an action (from an answer, a poll or a push)."""
        coordinator = self._coordinator
        device_id = action.target_id
        tracked = self._actions.get(device_id)
        if tracked is not None and tracked.action.id != action.id:
            if action.is_final or _created_before(action, tracked.action):
                return  # an earlier action: the one being tracked decides what is shown
            tracked = None
        now = dt_util.utcnow()
        if action.state is ActionState.PENDING:
            since = tracked.since if tracked is not None else now
            self._actions[device_id] = _TrackedAction(action, since)
            self._schedule_poll(device_id)
        else:
            self._cancel_poll(device_id)
            if action.state is ActionState.CONFIRMED:
                # Keep showing the confirmed state until a poll newer than this reads it.
                self._actions[device_id] = _TrackedAction(action, now, confirmed_at=now)
                coordinator.config_entry.async_create_background_task(
                    coordinator.hass,
                    coordinator.async_request_refresh(),
                    name=f"{coordinator.name} action refresh",
                    eager_start=False,
                )
            else:
                self._actions.pop(device_id, None)
                if tracked is not None and action.state in UNSUCCESSFUL:
                    LOGGER.warning(
                        "Charging %s on %s was not carried out: %s",
                        action.command.value,
                        coordinator.device_label(device_id),
                        action_failure_reason(action),
                    )
        coordinator.async_update_listeners()

    def settle(self, polled_since: datetime) -> bool:
        """Stop following confirmed actions that data polled since then shows; say if any."""
        settled = [
            device_id
            for device_id, tracked in self._actions.items()
            if tracked.confirmed_at is not None and tracked.confirmed_at <= polled_since
        ]
        for device_id in settled:
            del self._actions[device_id]
        return bool(settled)

    @callback
    def _schedule_poll(self, device_id: str) -> None:
        if device_id not in self._polls:
            self._polls[device_id] = async_call_later(
                self._coordinator.hass, self.poll_interval, partial(self._start_poll, device_id)
            )

    @callback
    def _cancel_poll(self, device_id: str) -> None:
        if (cancel := self._polls.pop(device_id, None)) is not None:
            cancel()

    @callback
    def _start_poll(self, device_id: str, _now: datetime) -> None:
        self._polls.pop(device_id, None)
        coordinator = self._coordinator
        coordinator.config_entry.async_create_background_task(
            coordinator.hass, self.async_poll(device_id), name=f"{coordinator.name} action poll"
        )

    async def async_poll(self, device_id: str) -> None:
        """Read a pending action once; give up (showing the real state) after the timeout."""
        tracked = self._actions.get(device_id)
        if tracked is None or tracked.action.state is not ActionState.PENDING:
            return
        action = tracked.action
        coordinator = self._coordinator
        if dt_util.utcnow() - tracked.since >= self.timeout:
            del self._actions[device_id]
            LOGGER.warning(
                "Charging %s on %s was not settled by the provider in time",
                action.command.value,
                coordinator.device_label(device_id),
            )
            coordinator.async_update_listeners()
            return
        try:
            action = await as_charging_control(coordinator.provider).async_get_charge_action(
                action.target_kind, action.id
            )
        except ProviderError as err:
            LOGGER.debug("Could not read a charging action, trying again: %s", err)
            self._schedule_poll(device_id)
            return
        self.apply(action)

    def shutdown(self) -> None:
        """Stop polling actions."""
        for cancel in self._polls.values():
            cancel()
        self._polls.clear()


class RefreshHints:
    """Refresh hints sent per device, and the one poll that follows each."""

    def __init__(self, coordinator: ConnectedEVCoordinator) -> None:
        self._coordinator = coordinator
        self._sent: dict[str, datetime] = {}
        self._follow_ups: dict[str, CALLBACK_TYPE] = {}

    async def async_request(self, kind: DeviceKind, device_id: str) -> None:
        """Send a refresh hint unless the device had one recently (``RefreshTooSoonError``)."""
        coordinator = self._coordinator
        now = dt_util.utcnow()
        last = self._sent.get(device_id)
        if last is not None and (wait := last + REFRESH_HINT_MIN_INTERVAL - now) > timedelta():
            raise RefreshTooSoonError(wait)
        await as_refresh_hints(coordinator.provider).async_refresh_hint(kind, device_id)
        self._sent[device_id] = now
        LOGGER.info(
            "Asked the provider to refresh %s; its values update in about %d seconds",
            coordinator.device_label(device_id),
            REFRESH_HINT_FOLLOW_UP.total_seconds(),
        )
        # One timer per device: the hint window is far longer than the follow-up.
        self._follow_ups[device_id] = async_call_later(
            coordinator.hass, REFRESH_HINT_FOLLOW_UP, partial(self._follow_up, device_id)
        )

    @callback
    def _follow_up(self, device_id: str, _now: datetime) -> None:
        """Read what the provider fetched after a refresh hint."""
        self._follow_ups.pop(device_id, None)
        coordinator = self._coordinator
        coordinator.config_entry.async_create_background_task(
            coordinator.hass,
            coordinator.async_request_refresh(),
            name=f"{coordinator.name} refresh after hint",
        )

    def shutdown(self) -> None:
        """Cancel the follow-up polls."""
        for cancel in self._follow_ups.values():
            cancel()
        self._follow_ups.clear()


def _created_before(action: ChargeAction, than: ChargeAction) -> bool:
    return (
        action.created_at is not None
        and than.created_at is not None
        and action.created_at < than.created_at
    )

"""One coordinator per provider account: lists every device in a fixed number of requests.

Polls are timed just after the provider's own refresh of the devices (``poll_timing``),
within the options' interval: short while a device charges, long when idle. It never asks
the provider to wake a car by itself (refresh hints are explicit, rate-limited user
requests): it reads what the provider already has. Only what can have changed is read: the
charger list by timed polls when a plug-in or a charging state changed, else slowly
(``poll_timing.ChargerListSchedule``), smart-charging status when it can have changed
(``smart_status``), lifetime energy while charging (``energy``). Pushed and applied data
never postpone the next poll, so the safety poll of push keeps its schedule. A refresh
updates the entities of changed devices only (``changes``). Newer data wins over a poll in
flight. The rest is delegated, one concern per module: start/stop actions and refresh
hints (``actions``), the locations cache (``locations``), the rate-limit policy
(``rate_limit``), lifetime energy (``energy``), which devices to remove (``device_ledger``,
``devices``). Failures the user must hear of are raised as typed errors; entities and
actions translate them (``helpers``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .actions import UNSUCCESSFUL, ActionRefusedError, ActionTracker, RefreshHints
from .api.errors import (
    ProviderError,
    RateLimitedError,
)
from .api.models import (
    ChargeAction,
    Charger,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    Connector,
    DeviceKind,
    Vehicle,
)
from .api.provider import (
    Provider,
    ProviderFeature,
    Remotes,
    as_chargers,
    as_charging_control,
)
from .budget import BudgetedCoordinator
from .changes import ChangeTrackingCoordinator, changed_devices
from .const import (
    ACTION_POLL_INTERVAL,
    ACTION_TIMEOUT,
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .data import ConnectedEVData
from .device_ledger import DeviceLedger
from .devices import RegisteredDevices, device_name
from .energy import EnergyReader
from .locations import LocationsCache
from .poll_timing import ChargerListSchedule, RefreshCadence, charger_list_stretch
from .rate_limit import RateLimitPolicy, believable
from .refresh_errors import refresh_failure
from .smart_status import StatusSchedule

if TYPE_CHECKING:
    from .preferences import PreferencesManager
    from .push import PushManager


@dataclass(kw_only=True)
class ConnectedEVRuntimeData:
    """What a loaded config entry keeps while it runs."""

    provider: Provider
    coordinator: ConnectedEVCoordinator
    preferences: PreferencesManager
    push: PushManager


type ConnectedEVConfigEntry = ConfigEntry[ConnectedEVRuntimeData]


# Request budget (budget.py): the base counts every refresh's requests and keeps timed polls
# within the entry's daily budget; _next_poll_interval asks it for the wait.
class ConnectedEVCoordinator(
    ChangeTrackingCoordinator[ConnectedEVData], BudgetedCoordinator[ConnectedEVData]
):
    """Polls one provider account, holds its devices and tracks their charging actions."""

    config_entry: ConnectedEVConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedEVConfigEntry,
        provider: Provider,
        *,
        charging_interval: timedelta = DEFAULT_CHARGING_INTERVAL,
        idle_interval: timedelta = DEFAULT_IDLE_INTERVAL,
        action_poll_interval: timedelta = ACTION_POLL_INTERVAL,
        action_timeout: timedelta = ACTION_TIMEOUT,
    ) -> None:
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=idle_interval,
            # Listeners only run when a device changed (the data compares by value).
            always_update=False,
        )
        self.provider = provider
        self.charging_interval = charging_interval
        self.idle_interval = idle_interval
        self.manual_only = False
        """No scheduled refresh at all (from the options): only explicit refreshes."""
        self.push_interval: timedelta | None = None
        """The safety-poll interval while push is healthy; ``None`` while it is not."""
        self.actions = ActionTracker(self, action_poll_interval, action_timeout)
        self.refresh_hints = RefreshHints(self)
        self.rate_limit = RateLimitPolicy(hass, entry, self.name)
        self.locations = LocationsCache()
        self._fresh_data_since: datetime | None = None
        self.energy = EnergyReader(self)
        self._ledger = DeviceLedger()
        self.devices = RegisteredDevices(hass, entry, self._ledger)
        self._notify_after_refresh = False
        self.cadence = RefreshCadence()
        self._statuses = StatusSchedule()
        self._charger_list = ChargerListSchedule()
        self._charger_ids: set[str] = set()
        """The chargers shown or held back: a poll that does not list them does not miss them."""

    # --- polling -----------------------------------------------------------------------

    @override
    async def _async_update_data(self) -> ConnectedEVData:
        """List vehicles, and chargers when they can have changed: paginated, any count.

        On top: one smart-charging status request per plugged-in vehicle whose status can
        have changed (``smart_status``), the locations list (paginated) only on the first
        refresh or when a device names a location not seen before (location actions keep it
        current), and one statistics request per device whose lifetime energy is due
        (``energy``; none at start-up: the stored values are shown).
        """
        started = dt_util.utcnow()
        sent = self._ledger.generation
        try:
            vehicles = await self.provider.async_list_vehicles()
            shown_chargers = list(self.data.chargers.values()) if self.data is not None else []
            list_chargers = ProviderFeature.CHARGERS in self.provider.features and (
                self._charger_list.due(
                    started,
                    vehicles,
                    shown_chargers,
                    timed=self.budget.timed_refresh,
                    linked=bool(self._charger_ids),
                    stretch=charger_list_stretch(self.budget.limit),
                )
            )
            chargers = (
                await as_chargers(self.provider).async_list_chargers()
                if list_chargers
                else shown_chargers  # kept as shown: not read, not gone
            )
            statuses = await self._statuses.async_read(
                self.provider,
                vehicles,
                self.data.smart_charging if self.data is not None else {},
                pushed=self.push_interval is not None,
            )
            locations = await self.locations.async_read(self.provider, vehicles, chargers)
            # The part itself, not only the feature: it is read on every refresh.
            remotes = (
                await self.provider.async_list_remotes()
                if isinstance(self.provider, Remotes)
                else []
            )
        except RateLimitedError as err:
            return self._keep_data_while_rate_limited(err)
        except ProviderError as err:
            raise refresh_failure(err) from err

        self.rate_limit.clear()
        if list_chargers:
            self._charger_list.listed(started, vehicles)
        devices: list[Vehicle | Charger] = [*vehicles, *chargers]
        self.energy.observe(devices)
        read = await self.energy.async_read(devices)
        # No await from here on: what push or actions applied meanwhile is in self.data.
        shown = self.data if self.data is not None else ConnectedEVData()
        ledger = self._ledger
        merged_vehicles = ledger.merge({v.id: v for v in vehicles}, shown.vehicles, sent)
        merged_chargers = ledger.merge({c.id: c for c in chargers}, shown.chargers, sent)
        listed = merged_vehicles.keys() | merged_chargers.keys()
        data = ConnectedEVData(
            vehicles=merged_vehicles,
            chargers=merged_chargers,
            smart_charging=ledger.merge_statuses(statuses, shown.smart_charging, sent),
            locations=known if (known := self.locations.known) is not None else locations,
            lifetime_energy=self.energy.values(listed, read, shown.lifetime_energy),
            # An action changed them meanwhile: its answer is newer than this poll's.
            remotes=(
                {remote.id: remote for remote in remotes}
                if ledger.generation == sent
                else shown.remotes
            ),
        )
        self.energy.schedule()
        self.cadence.observe(devices)
        self.cadence.forget(listed)
        self.update_interval = self._next_poll_interval(data)
        self._changed = changed_devices(self.data, data) if self.last_update_success else None
        self._fresh_data_since = started
        self._notify_after_refresh = ledger.generation != sent
        self._charger_ids |= data.chargers.keys()
        if self.devices.remove_absent(
            data.vehicles.keys() | data.chargers.keys() | data.remotes.keys(),
            frozenset() if list_chargers else self._charger_ids,
        ):
            self._charger_ids &= self.devices.registered()
            self._notify_after_refresh = True
        self.devices.update_capacity_issues(self.provider, data.vehicles.values())
        return data

    async def async_request_discovery(self) -> None:
        """Refresh soon and list every device kind (the provider announced a new device)."""
        self._charger_list.request()
        await self.async_request_refresh()

    @callback
    def async_set_locations(self, locations: list[ChargingLocation]) -> None:
        """Take a fresh list of locations (after a location action or a list)."""
        self.async_publish(replace(self.data, locations=self.locations.replace(locations)))

    @callback
    def async_apply_charger(self, charger: Charger) -> None:
        """Show a charger the provider just returned, without another poll."""
        self._ledger.stamp([charger.id])
        chargers = {**self.data.chargers, charger.id: charger}
        self.async_publish(replace(self.data, chargers=chargers))

    @callback
    def async_apply_remotes(self, remotes: dict[str, Connector]) -> None:
        """Show the remotes as a claim or release left them; a poll in flight keeps them."""
        self._ledger.stamp(remotes.keys() ^ self.data.remotes.keys())
        self.async_publish(replace(self.data, remotes=remotes))

    @callback
    def async_apply_preferences(self, vehicle_id: str, preferences: ChargingPreferences) -> None:
        """Show the preferences the provider just returned, without another poll."""
        if (vehicle := self.data.vehicles.get(vehicle_id)) is None:
            return
        self._ledger.stamp([vehicle_id])
        vehicle = replace(vehicle, charging_preferences=preferences)
        vehicles = {**self.data.vehicles, vehicle_id: vehicle}
        self.async_publish(replace(self.data, vehicles=vehicles))

    @callback
    @override
    def _async_refresh_finished(self) -> None:
        """Stop showing confirmed actions that freshly polled data now reflects.

        Also update entities when this refresh removed devices, or when a push or an action
        changed the data while it was in flight: the refresh's result may then equal the data
        from before it, which alone would not update entities.
        """
        if (since := self._fresh_data_since) is None:
            return
        self._fresh_data_since = None
        if self.actions.settle(since) or self._notify_after_refresh:
            self._notify_after_refresh = False
            self._changed = None
            self.async_update_listeners()

    def _next_poll_interval(self, data: ConnectedEVData) -> timedelta | None:
        """Decide the time to the next poll, in this one place (``None``: no scheduled poll).

        Push healthy: the safety poll, on its own clock. Else just after the provider's
        expected refresh of the devices, within the options' charging or idle interval
        (``poll_timing``).
        """
        if self.manual_only:
            return None
        if self.push_interval is not None:
            interval = self.charging_interval if data.any_charging else self.idle_interval
            return self.budget.interval(max(interval, self.push_interval), data)
        return self.budget.interval(
            self.cadence.next_poll(
                dt_util.utcnow(),
                self.charging_interval if data.any_charging else self.idle_interval,
                charging_interval=self.charging_interval,
                idle_interval=self.idle_interval,
            ),
            data,
        )

    @callback
    def async_set_push_interval(self, interval: timedelta | None) -> None:
        """Stretch polling to ``interval`` while push is healthy; ``None`` polls normally."""
        if interval == self.push_interval:
            return
        self.push_interval = interval
        if self.data is None or self.rate_limit.active:
            return  # the next refresh (or the rate-limit backoff) picks the interval
        self.update_interval = self._next_poll_interval(self.data)
        if self._listeners:
            self._schedule_refresh()

    @callback
    def async_set_pushed_data(self, data: ConnectedEVData) -> None:
        """Show devices a push event changed, and drop devices the provider deleted.

        Push carries no statistics: a device that starts or stops charging here gets its
        lifetime energy read on the energy timer, not only at the next (hourly) poll. A device
        the provider deleted is not created again by a late retry of an older update.
        """
        shown = self.data
        ledger = self._ledger
        vehicles = {i: v for i, v in data.vehicles.items() if not ledger.is_deleted(i)}
        chargers = {i: c for i, c in data.chargers.items() if not ledger.is_deleted(i)}
        deleted = (
            (shown.vehicles.keys() | shown.chargers.keys()) - vehicles.keys() - chargers.keys()
        )
        ledger.stamp(
            [i for i, v in vehicles.items() if shown.vehicles.get(i) != v]
            + [i for i, c in chargers.items() if shown.chargers.get(i) != c],
            statuses=[
                i for i, s in data.smart_charging.items() if shown.smart_charging.get(i) != s
            ],
        )
        if deleted:
            ledger.delete(deleted)
            self.devices.remove(deleted)
        data = replace(
            data,
            vehicles=vehicles,
            chargers=chargers,
            smart_charging={i: s for i, s in data.smart_charging.items() if i in vehicles},
        )
        self._changed = changed_devices(shown, data)
        self.async_publish(data)
        self.energy.observe([*data.vehicles.values(), *data.chargers.values()])
        self.energy.schedule()

    def _keep_data_while_rate_limited(self, err: RateLimitedError) -> ConnectedEVData:
        """Keep showing the last values and wait at least as long as the provider asks."""
        wait = self.rate_limit.limited(err.retry_after, self.idle_interval)
        if self.data is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=believable(err.retry_after),
            ) from err
        interval = self._next_poll_interval(self.data)
        self.update_interval = None if interval is None else max(interval, wait)
        return self.data

    # --- device commands ---------------------------------------------------------------

    def pending_action(self, device_id: str) -> ChargeAction | None:
        """Return the start/stop the displayed state follows until the device data shows it."""
        return self.actions.pending(device_id)

    @property
    def pending_actions(self) -> dict[str, ChargeAction]:
        """Every tracked action by device id (for diagnostics)."""
        return self.actions.all

    async def async_set_charging(self, kind: DeviceKind, device_id: str, on: bool) -> None:
        """Send start/stop and track the action; ``ActionRefusedError`` if refused outright."""
        command = ChargingCommand.START if on else ChargingCommand.STOP
        action = await as_charging_control(self.provider).async_set_charging(
            kind, device_id, command
        )
        self.actions.apply(action)
        if action.state in UNSUCCESSFUL:
            raise ActionRefusedError(action)

    @callback
    def async_apply_action(self, action: ChargeAction) -> None:
        """Apply the provider's news about an action (from the poll loop now, push later)."""
        self.actions.apply(action)

    def device_label(self, device_id: str) -> str:
        """Name a device for logs: its name, never more than the id the provider gave it."""
        device = self.data.vehicles.get(device_id) or self.data.chargers.get(device_id)
        return device_name(device) if device is not None else device_id

    @override
    async def async_shutdown(self) -> None:
        """Stop polling actions and reading energy as well as data."""
        self.actions.shutdown()
        self.refresh_hints.shutdown()
        self.energy.cancel()
        await super().async_shutdown()

    async def async_request_device_refresh(self, kind: DeviceKind, device_id: str) -> None:
        """Ask the provider to fetch fresh data from a device, at most once per window.

        Only ever on an explicit request (see ``actions.RefreshHints``); raises
        ``RefreshTooSoonError`` when the device had one recently.
        """
        await self.refresh_hints.async_request(kind, device_id)

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> None:
        """Change a device's maximum charging current, then read it back."""
        action = await as_charging_control(self.provider).async_set_max_current(
            kind, device_id, max_current_a
        )
        if action.state in UNSUCCESSFUL:
            raise ActionRefusedError(action)
        await self.async_request_refresh()

"""One coordinator per provider account: lists every device in a fixed number of requests.

The interval adapts: short while a device charges, long when idle. It never asks the
provider to wake a car by itself (refresh hints are explicit, rate-limited user requests):
it reads what the provider already has. It also tracks start/stop actions until the provider
settles them, so a switch never flips back on a poll that predates the action, and reads
lifetime energy only when it can have changed (``energy``), on its own timer as well, since
push stretches polling to an hour while a charging device's energy grows. Newer data wins over
a poll in flight, and devices are removed only when the provider is sure (``device_ledger``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.errors import (
    AuthenticationError,
    InvalidResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from .api.models import (
    ActionState,
    Capability,
    ChargeAction,
    Charger,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    DeviceKind,
    MaxCurrentAction,
    PreferenceField,
    SmartChargingStatus,
    Vehicle,
)
from .api.provider import Provider, ProviderFeature
from .const import (
    ACTION_POLL_INTERVAL,
    ACTION_TIMEOUT,
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
    MAX_RATE_LIMIT_BACKOFF,
    RATE_LIMIT_REPAIR_AFTER,
    REFRESH_HINT_FOLLOW_UP,
    REFRESH_HINT_MIN_INTERVAL,
)
from .device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL, DeviceLedger
from .energy import EnergySchedule, has_lifetime_energy

if TYPE_CHECKING:
    from .preferences import PreferencesManager
    from .push import PushManager

LOGGER = logging.getLogger(__package__)

_UNSUCCESSFUL = frozenset({ActionState.FAILED, ActionState.CANCELLED})

MAX_RETRY_AFTER = timedelta(days=1)
"""The longest Retry-After believed; the next refresh comes no later than this."""


@dataclass(frozen=True, slots=True)
class ConnectedEVData:
    """Every device of the account, by id, as of the last refresh."""

    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    chargers: dict[str, Charger] = field(default_factory=dict)
    smart_charging: dict[str, SmartChargingStatus] = field(default_factory=dict)
    """Last status per vehicle; only refreshed while the vehicle is plugged in."""
    locations: dict[str, ChargingLocation] = field(default_factory=dict)
    """The account's charging locations (read on startup and after location changes)."""
    lifetime_energy: dict[str, float] = field(default_factory=dict)
    """Last kWh read per device id (``energy`` says when); kept when a read fails."""

    def location_of(self, device: Vehicle | Charger) -> ChargingLocation | None:
        """Return the location a device is at: its own, else (vehicles) its charger's."""
        if isinstance(device, Charger):
            return self.locations.get(device.location_id) if device.location_id else None
        if device.location is not None and device.location.location_id:
            return self.locations.get(device.location.location_id)
        charger_id = device.charge_state.plugged_in_charger_id
        charger = self.chargers.get(charger_id) if charger_id else None
        return self.location_of(charger) if charger is not None else None

    @property
    def any_charging(self) -> bool:
        """Whether any device reports an active charging session."""
        return any(v.charge_state.is_charging for v in self.vehicles.values()) or any(
            c.charge_state.is_charging for c in self.chargers.values()
        )


@dataclass(kw_only=True)
class ConnectedEVRuntimeData:
    """What a loaded config entry keeps while it runs."""

    provider: Provider
    coordinator: ConnectedEVCoordinator
    preferences: PreferencesManager
    push: PushManager


type ConnectedEVConfigEntry = ConfigEntry[ConnectedEVRuntimeData]


def device_name(device: Vehicle | Charger) -> str:
    """Name the device as a person knows it: theirs, else brand and model, else vendor."""
    info = device.information
    if info.display_name:
        return info.display_name
    if parts := [part for part in (info.brand, info.model) if part]:
        return " ".join(parts)
    return device.vendor.title()


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


class ConnectedEVCoordinator(DataUpdateCoordinator[ConnectedEVData]):
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
        self.action_poll_interval = action_poll_interval
        self.action_timeout = action_timeout
        self._rate_limited_refreshes = 0
        self._actions: dict[str, _TrackedAction] = {}
        self._action_polls: dict[str, CALLBACK_TYPE] = {}
        self._refresh_hints: dict[str, datetime] = {}
        self._fresh_data_since: datetime | None = None
        self._locations: dict[str, ChargingLocation] | None = None
        self._locations_version = 0
        """Increases when an action changes the locations: a list read before is older."""
        self._missing_location_ids: frozenset[str] = frozenset()
        self._energy = EnergySchedule()
        self._energy_timer: CALLBACK_TYPE | None = None
        self._ledger = DeviceLedger()
        self._holding_back = False
        self._notify_after_refresh = False
        self._hint_follow_ups: dict[str, CALLBACK_TYPE] = {}

    # --- polling -----------------------------------------------------------------------

    @override
    async def _async_update_data(self) -> ConnectedEVData:
        """List vehicles and chargers: two paginated requests, whatever the device count.

        On top: one smart-charging status request per plugged-in vehicle that can smart
        charge, the locations list (paginated) only on the first refresh or when a device
        names a location not seen before (location actions keep it current), and one
        statistics request per device whose lifetime energy is due (see ``energy``).
        """
        started = dt_util.utcnow()
        sent = self._ledger.generation
        try:
            vehicles = await self.provider.async_list_vehicles()
            chargers = (
                await self.provider.async_list_chargers()
                if ProviderFeature.CHARGERS in self.provider.features
                else []
            )
            statuses = await self._async_smart_charging_statuses(vehicles)
            locations = await self._async_locations(vehicles, chargers)
        except AuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        except RateLimitedError as err:
            return self._keep_data_while_rate_limited(err)
        except ProviderUnavailableError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="provider_unavailable",
                retry_after=_believable(err.retry_after),
            ) from err
        except InvalidResponseError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_response",
                translation_placeholders={"error": str(err)},
            ) from err
        except ProviderError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="unexpected_error",
                translation_placeholders={"error": str(err)},
            ) from err

        self._clear_rate_limit()
        devices: list[Vehicle | Charger] = [*vehicles, *chargers]
        self._observe_charging(devices)
        read = await self._async_read_lifetime_energy(devices)
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
            locations=locations if self._locations is None else dict(self._locations),
            lifetime_energy={
                device_id: energy
                for device_id in listed
                if (energy := read.get(device_id, shown.lifetime_energy.get(device_id))) is not None
            },
        )
        self._async_schedule_energy_read()
        self.update_interval = self._interval_for(data)
        self._fresh_data_since = started
        self._notify_after_refresh = ledger.generation != sent
        self._remove_absent_devices(data)
        self._update_capacity_issues(data)
        return data

    def _update_capacity_issues(self, data: ConnectedEVData) -> None:
        """Tell the user when smart charging needs a battery capacity nobody reports.

        Only where the provider takes the capacity as a preference: a vehicle that reports
        none in its charge state or preferences must have it set by the user.
        """
        if PreferenceField.BATTERY_CAPACITY not in self.provider.supported_preference_fields:
            return
        for vehicle in data.vehicles.values():
            issue_id = f"battery_capacity_{self.config_entry.entry_id}_{vehicle.id}"
            preferences = vehicle.charging_preferences
            missing = (
                vehicle.can(Capability.SMART_CHARGING)
                and vehicle.charge_state.battery_capacity_kwh is None
                and (preferences is None or preferences.battery_capacity_kwh is None)
            )
            if missing:
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id,
                    is_fixable=False,
                    severity=ir.IssueSeverity.WARNING,
                    translation_key="battery_capacity_missing",
                    translation_placeholders={
                        "vehicle": device_name(vehicle),
                        "title": self.config_entry.title,
                    },
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    async def _async_smart_charging_statuses(
        self, vehicles: list[Vehicle]
    ) -> dict[str, SmartChargingStatus]:
        """Read the status of plugged-in smart-charging vehicles; keep the others' last one.

        A plan only exists while plugged in, so unplugged vehicles cost no request. Errors
        other than authentication keep the last value: the status is secondary data.
        """
        previous = self.data.smart_charging if self.data is not None else {}
        statuses: dict[str, SmartChargingStatus] = {}
        fetch = ProviderFeature.SMART_CHARGING in self.provider.features
        for vehicle in vehicles:
            if (
                fetch
                and vehicle.can(Capability.SMART_CHARGING)
                and vehicle.charge_state.is_plugged_in
            ):
                try:
                    statuses[vehicle.id] = await self.provider.async_get_smart_charging_status(
                        vehicle.id
                    )
                    continue
                except AuthenticationError:
                    raise
                except RateLimitedError:
                    fetch = False  # no more status requests in this refresh
                except ProviderError as err:
                    LOGGER.debug("Could not read the smart-charging status: %s", err)
            if (status := previous.get(vehicle.id)) is not None:
                statuses[vehicle.id] = status
        return statuses

    def _observe_charging(self, devices: list[Vehicle | Charger]) -> None:
        """Tell the energy schedule which devices with lifetime energy charge now."""
        self._energy.observe(
            {
                device.id: bool(device.charge_state.is_charging)
                for device in devices
                if has_lifetime_energy(self.provider, device)
            },
            dt_util.utcnow(),
        )

    async def _async_read_lifetime_energy(
        self, devices: list[Vehicle | Charger]
    ) -> dict[str, float]:
        """Read the lifetime energy of the devices that are due; return what was read.

        Never raises: a failed read keeps the last value and is retried when next due (a
        rate limit ends this round). Logs name the device kind only, never its id.
        """
        now = dt_util.utcnow()
        due = self._energy.start_reads(now)
        read: dict[str, float] = {}
        for device in devices:
            if device.id not in due:
                continue
            try:
                read[device.id] = await self.provider.async_get_lifetime_energy(
                    device.kind, device.id
                )
            except ProviderError as err:
                LOGGER.debug(
                    "Could not read a %s's lifetime energy: %s",
                    device.kind.value,
                    type(err).__name__,
                )
                if isinstance(err, RateLimitedError):
                    break
            else:
                self._energy.read_succeeded(device.id, now)
        return read

    @callback
    def _async_schedule_energy_read(self) -> None:
        """Read lifetime energy when it falls due, also between polls (never in manual mode)."""
        self._cancel_energy_timer()
        if self.manual_only or (when := self._energy.next_due()) is None:
            return
        if when <= dt_util.utcnow():  # a pushed start of charging: read now
            self._async_energy_read_due(when)
            return
        self._energy_timer = async_track_point_in_utc_time(
            self.hass, self._async_energy_read_due, when
        )

    def _cancel_energy_timer(self) -> None:
        if self._energy_timer is not None:
            self._energy_timer()
            self._energy_timer = None

    @callback
    def _async_energy_read_due(self, _now: datetime) -> None:
        self._energy_timer = None
        self.config_entry.async_create_background_task(
            self.hass, self._async_refresh_lifetime_energy(), name=f"{self.name} energy"
        )

    async def _async_refresh_lifetime_energy(self) -> None:
        """Read the due devices' lifetime energy without a poll (one request per device)."""
        data = self.data
        read = await self._async_read_lifetime_energy(
            [*data.vehicles.values(), *data.chargers.values()]
        )
        data = self.data  # a poll or a push may have replaced it meanwhile
        known = data.vehicles.keys() | data.chargers.keys()
        energy = data.lifetime_energy | {key: value for key, value in read.items() if key in known}
        if energy != data.lifetime_energy:
            # Not async_set_updated_data: that would postpone the next poll.
            self.data = replace(data, lifetime_energy=energy)
            self.async_update_listeners()
        self._async_schedule_energy_read()

    async def _async_locations(
        self, vehicles: list[Vehicle], chargers: list[Charger]
    ) -> dict[str, ChargingLocation]:
        """List locations on the first refresh, or when a device names an unseen one."""
        if ProviderFeature.LOCATIONS not in self.provider.features:
            return {}
        named = {v.location.location_id for v in vehicles if v.location is not None} | {
            c.location_id for c in chargers
        }
        known = self._locations
        missing = frozenset(i for i in named if i and (known is None or i not in known))
        if known is None or (missing and not missing <= self._missing_location_ids):
            version = self._locations_version
            listed = await self.provider.async_list_locations()
            if self._locations_version == version:
                self._locations = {location.id: location for location in listed}
            # else an action changed the locations after this list was read: the action wins
            known = self._locations or {}
            missing = frozenset(i for i in missing if i not in known)
        self._missing_location_ids = missing
        return dict(known)

    @callback
    def async_set_locations(self, locations: list[ChargingLocation]) -> None:
        """Take a fresh list of locations (after a location action or a list)."""
        self._locations = {location.id: location for location in locations}
        self._locations_version += 1
        self.async_set_updated_data(replace(self.data, locations=dict(self._locations)))

    @callback
    def async_apply_charger(self, charger: Charger) -> None:
        """Show a charger the provider just returned, without another poll."""
        self._ledger.stamp([charger.id])
        chargers = {**self.data.chargers, charger.id: charger}
        self.async_set_updated_data(replace(self.data, chargers=chargers))

    @callback
    def async_apply_preferences(self, vehicle_id: str, preferences: ChargingPreferences) -> None:
        """Show the preferences the provider just returned, without another poll."""
        if (vehicle := self.data.vehicles.get(vehicle_id)) is None:
            return
        self._ledger.stamp([vehicle_id])
        vehicle = replace(vehicle, charging_preferences=preferences)
        vehicles = {**self.data.vehicles, vehicle_id: vehicle}
        self.async_set_updated_data(replace(self.data, vehicles=vehicles))

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
        settled = [
            device_id
            for device_id, tracked in self._actions.items()
            if tracked.confirmed_at is not None and tracked.confirmed_at <= since
        ]
        for device_id in settled:
            del self._actions[device_id]
        if settled or self._notify_after_refresh:
            self._notify_after_refresh = False
            self.async_update_listeners()

    def _interval_for(self, data: ConnectedEVData) -> timedelta | None:
        if self.manual_only:
            return None
        interval = self.charging_interval if data.any_charging else self.idle_interval
        return interval if self.push_interval is None else max(interval, self.push_interval)

    @callback
    def async_set_push_interval(self, interval: timedelta | None) -> None:
        """Stretch polling to ``interval`` while push is healthy; ``None`` polls normally."""
        if interval == self.push_interval:
            return
        self.push_interval = interval
        if self.data is None or self._rate_limited_refreshes:
            return  # the next refresh (or the rate-limit backoff) picks the interval
        self.update_interval = self._interval_for(self.data)
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
            self._remove_devices(deleted)
        data = replace(
            data,
            vehicles=vehicles,
            chargers=chargers,
            smart_charging={i: s for i, s in data.smart_charging.items() if i in vehicles},
        )
        self.async_set_updated_data(data)
        self._observe_charging([*data.vehicles.values(), *data.chargers.values()])
        self._async_schedule_energy_read()

    def _keep_data_while_rate_limited(self, err: RateLimitedError) -> ConnectedEVData:
        """Keep showing the last values and wait at least as long as the provider asks."""
        self._rate_limited_refreshes += 1
        if self._rate_limited_refreshes == 1:
            LOGGER.warning("%s is rate limited; keeping the last data", self.name)
        if self._rate_limited_refreshes == RATE_LIMIT_REPAIR_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._rate_limit_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="rate_limited",
                translation_placeholders={"title": self.config_entry.title},
            )
        if self.data is None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                retry_after=_believable(err.retry_after),
            ) from err
        if (retry_after := _believable(err.retry_after)) is not None:
            wait = timedelta(seconds=retry_after)
        else:
            # No Retry-After: back off exponentially rather than hammer the quota.
            wait = min(
                self.idle_interval * 2 ** (self._rate_limited_refreshes - 1),
                MAX_RATE_LIMIT_BACKOFF,
            )
        interval = self._interval_for(self.data)
        self.update_interval = None if interval is None else max(interval, wait)
        return self.data

    def _clear_rate_limit(self) -> None:
        if self._rate_limited_refreshes:
            LOGGER.info("%s is no longer rate limited", self.name)
        if self._rate_limited_refreshes >= RATE_LIMIT_REPAIR_AFTER:
            ir.async_delete_issue(self.hass, DOMAIN, self._rate_limit_issue_id)
        self._rate_limited_refreshes = 0

    @property
    def _rate_limit_issue_id(self) -> str:
        return f"rate_limited_{self.config_entry.entry_id}"

    def _registered_devices(self) -> dict[str, dr.DeviceEntry]:
        """Return the entry's devices in the registry by provider id (not the account's)."""
        registry = dr.async_get(self.hass)
        return {
            identifier: device
            for device in dr.async_entries_for_config_entry(registry, self.config_entry.entry_id)
            if device.entry_type is None
            for domain, identifier in device.identifiers
            if domain == DOMAIN
        }

    def _remove_devices(self, device_ids: set[str]) -> None:
        """Remove devices with their entities (a device belongs to this entry alone)."""
        registry = dr.async_get(self.hass)
        for device_id, device in self._registered_devices().items():
            if device_id in device_ids:
                registry.async_remove_device(device.id)

    def _remove_absent_devices(self, data: ConnectedEVData) -> None:
        """Remove devices missing from consecutive refreshes; warn while a glitch holds many.

        The policy is in ``device_ledger``: one refresh never removes a device, and a refresh
        that misses more than half of them raises a repair issue while they are held back.
        """
        registered = self._registered_devices()
        missing = registered.keys() - data.vehicles.keys() - data.chargers.keys()
        if due := self._ledger.count_absent(missing):
            LOGGER.info(
                "Removing %d device(s) of %s that the provider no longer lists",
                len(due),
                self.config_entry.title,
            )
            self._remove_devices(due)
            self._notify_after_refresh = True
        held = missing - due
        glitch = bool(held) and 2 * len(missing) > len(registered)
        if glitch and not self._holding_back:
            LOGGER.warning(
                "The provider listed %d of %d devices of %s; keeping the missing ones until "
                "%d refreshes in a row confirm that they are gone",
                len(registered) - len(missing),
                len(registered),
                self.config_entry.title,
                ABSENT_REFRESHES_BEFORE_REMOVAL,
            )
        if glitch:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._devices_missing_issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="devices_missing",
                translation_placeholders={
                    "title": self.config_entry.title,
                    "count": str(len(held)),
                },
            )
        elif self._holding_back:
            ir.async_delete_issue(self.hass, DOMAIN, self._devices_missing_issue_id)
        self._holding_back = glitch

    @property
    def _devices_missing_issue_id(self) -> str:
        return f"devices_missing_{self.config_entry.entry_id}"

    # --- charging actions ----------------------------------------------------------------

    def pending_action(self, device_id: str) -> ChargeAction | None:
        """Return the start/stop the displayed state follows until the device data shows it."""
        tracked = self._actions.get(device_id)
        return tracked.action if tracked is not None else None

    @property
    def pending_actions(self) -> dict[str, ChargeAction]:
        """Every tracked action by device id (for diagnostics)."""
        return {device_id: tracked.action for device_id, tracked in self._actions.items()}

    async def async_set_charging(self, kind: DeviceKind, device_id: str, on: bool) -> None:
        """Send start/stop and track the action; raise if the provider refused it outright."""
        command = ChargingCommand.START if on else ChargingCommand.STOP
        action = await self.provider.async_set_charging(kind, device_id, command)
        self.async_apply_action(action)
        if action.state in _UNSUCCESSFUL:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="charging_action_failed",
                translation_placeholders={"reason": action_failure_reason(action)},
            )

    @callback
    def async_apply_action(self, action: ChargeAction) -> None:
        """Apply the provider's news about an action (from the poll loop now, push later)."""
        device_id = action.target_id
        tracked = self._actions.get(device_id)
        if tracked is not None and tracked.action.id != action.id:
            if action.is_final or _is_older(action, tracked.action):
                return  # an earlier action: the one being tracked decides what is shown
            tracked = None
        now = dt_util.utcnow()
        if action.state is ActionState.PENDING:
            since = tracked.since if tracked is not None else now
            self._actions[device_id] = _TrackedAction(action, since)
            self._async_schedule_action_poll(device_id)
        else:
            self._async_cancel_action_poll(device_id)
            if action.state is ActionState.CONFIRMED:
                # Keep showing the confirmed state until a poll newer than this reads it.
                self._actions[device_id] = _TrackedAction(action, now, confirmed_at=now)
                self.config_entry.async_create_background_task(
                    self.hass,
                    self.async_request_refresh(),
                    name=f"{self.name} action refresh",
                    eager_start=False,
                )
            else:
                self._actions.pop(device_id, None)
                if tracked is not None and action.state in _UNSUCCESSFUL:
                    LOGGER.warning(
                        "Charging %s on %s was not carried out: %s",
                        action.command.value,
                        self._device_label(device_id),
                        action_failure_reason(action),
                    )
        self.async_update_listeners()

    @callback
    def _async_schedule_action_poll(self, device_id: str) -> None:
        if device_id not in self._action_polls:
            self._action_polls[device_id] = async_call_later(
                self.hass,
                self.action_poll_interval,
                partial(self._async_start_action_poll, device_id),
            )

    @callback
    def _async_cancel_action_poll(self, device_id: str) -> None:
        if (cancel := self._action_polls.pop(device_id, None)) is not None:
            cancel()

    @callback
    def _async_start_action_poll(self, device_id: str, _now: datetime) -> None:
        self._action_polls.pop(device_id, None)
        self.config_entry.async_create_background_task(
            self.hass, self._async_poll_action(device_id), name=f"{self.name} action poll"
        )

    async def _async_poll_action(self, device_id: str) -> None:
        """Read a pending action once; give up (showing the real state) after the timeout."""
        tracked = self._actions.get(device_id)
        if tracked is None or tracked.action.state is not ActionState.PENDING:
            return
        action = tracked.action
        if dt_util.utcnow() - tracked.since >= self.action_timeout:
            del self._actions[device_id]
            LOGGER.warning(
                "Charging %s on %s was not settled by the provider in time",
                action.command.value,
                self._device_label(device_id),
            )
            self.async_update_listeners()
            return
        try:
            action = await self.provider.async_get_charge_action(action.target_kind, action.id)
        except ProviderError as err:
            LOGGER.debug("Could not read a charging action, trying again: %s", err)
            self._async_schedule_action_poll(device_id)
            return
        self.async_apply_action(action)

    def _device_label(self, device_id: str) -> str:
        device = self.data.vehicles.get(device_id) or self.data.chargers.get(device_id)
        return device_name(device) if device is not None else device_id

    @override
    async def async_shutdown(self) -> None:
        """Stop polling actions and reading energy as well as data."""
        for cancel in [*self._action_polls.values(), *self._hint_follow_ups.values()]:
            cancel()
        self._action_polls.clear()
        self._hint_follow_ups.clear()
        self._cancel_energy_timer()
        await super().async_shutdown()

    # --- other device commands -----------------------------------------------------------

    async def async_request_device_refresh(self, kind: DeviceKind, device_id: str) -> None:
        """Ask the provider to fetch fresh data from a device, at most once per window.

        A refresh hint can wake a car and costs vendor quota, so it is only ever sent on an
        explicit request and refused when the device had one recently. The hint only makes
        the provider fetch: one poll follows once it has had time to (``REFRESH_HINT_FOLLOW_UP``),
        so the press shows results without waiting for the next scheduled refresh.
        """
        now = dt_util.utcnow()
        last = self._refresh_hints.get(device_id)
        if last is not None and (wait := last + REFRESH_HINT_MIN_INTERVAL - now) > timedelta():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="refresh_too_soon",
                translation_placeholders={"minutes": str(math.ceil(wait.total_seconds() / 60))},
            )
        await self.provider.async_refresh_hint(kind, device_id)
        self._refresh_hints[device_id] = now
        LOGGER.info(
            "Asked the provider to refresh %s; its values update in about %d seconds",
            self._device_label(device_id),
            REFRESH_HINT_FOLLOW_UP.total_seconds(),
        )
        # One timer per device: the hint window is far longer than the follow-up.
        self._hint_follow_ups[device_id] = async_call_later(
            self.hass, REFRESH_HINT_FOLLOW_UP, partial(self._async_hint_follow_up, device_id)
        )

    @callback
    def _async_hint_follow_up(self, device_id: str, _now: datetime) -> None:
        """Read what the provider fetched after a refresh hint."""
        self._hint_follow_ups.pop(device_id, None)
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), name=f"{self.name} refresh after hint"
        )

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> None:
        """Change a device's maximum charging current, then read it back."""
        action = await self.provider.async_set_max_current(kind, device_id, max_current_a)
        if action.state in _UNSUCCESSFUL:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="max_current_failed",
                translation_placeholders={"reason": action_failure_reason(action)},
            )
        await self.async_request_refresh()


def _believable(retry_after: float | None) -> float | None:
    """Wait as long as the provider asks, up to ``MAX_RETRY_AFTER``.

    A larger Retry-After (a provider's mistake, a date far ahead) would stop polling for
    good, and beyond about 2.7 million years would not even fit a ``timedelta``.
    """
    return None if retry_after is None else min(retry_after, MAX_RETRY_AFTER.total_seconds())


def _is_older(action: ChargeAction, than: ChargeAction) -> bool:
    return (
        action.created_at is not None
        and than.created_at is not None
        and action.created_at < than.created_at
    )

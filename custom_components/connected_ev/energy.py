"""When to read a device's lifetime energy: it only changes while the device charges.

Request cost, one statistics request each time: a charging device at most every
``ENERGY_READ_INTERVAL``, one more read once ``ENERGY_SETTLE_DELAY`` has passed after it
stopped charging (the provider's statistics lag behind the charge state), and a device whose
sensor has no value yet once. An idle device costs nothing; a failed read is retried no
sooner than ``ENERGY_READ_INTERVAL`` later.

Start-up reads nothing for an idle device whose sensor restores a value (Home Assistant's
restored state of the sensor): entry setup costs the same few requests for 1 or 100 devices.
Devices without a restored value (a first setup) are read ``ENERGY_FIRST_READ_DELAY`` after
start-up, by the energy timer, not by setup. The choice behind it: energy a device charged
while Home Assistant was down shows at the device's next charge, not at start-up.

``EnergySchedule`` is pure bookkeeping, given the time; ``EnergyReader`` feeds it the charge
states the coordinator sees (polled or pushed), reads the devices that are due, also between
polls on its own timer, since push stretches polling to an hour while a charging device's
energy grows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.components.sensor import SensorExtraStoredData
from homeassistant.const import Platform, UnitOfEnergy
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import restore_state
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api.errors import ProviderError, RateLimitedError
from .api.models import Capability, Charger, Vehicle
from .api.provider import Provider, ProviderFeature, as_statistics
from .const import DOMAIN, LOGGER
from .identifiers import entity_unique_id

if TYPE_CHECKING:
    from .coordinator import ConnectedEVCoordinator

ENERGY_READ_INTERVAL: Final = timedelta(minutes=30)
"""Twice an hour while charging: Home Assistant's energy statistics are hourly, and with push
on these reads are most of the day's requests."""
ENERGY_SETTLE_DELAY: Final = timedelta(minutes=15)
ENERGY_FIRST_READ_DELAY: Final = timedelta(minutes=1)
LIFETIME_ENERGY_KEY: Final = "lifetime_energy"
"""The lifetime energy sensor's description key (its unique id's suffix)."""


def has_lifetime_energy(provider: Provider, device: Vehicle | Charger) -> bool:
    """Whether the device gets a lifetime energy sensor, and so has its statistics read.

    The provider must keep statistics, and the device must report charging: without a charge
    state there is nothing to tell when its energy changes, nor any energy to count.
    """
    return ProviderFeature.CHARGING_STATISTICS in provider.features and device.can(
        Capability.CHARGE_STATE
    )


@dataclass(slots=True)
class _DeviceSchedule:
    """Whether a read is owed, and no sooner than when."""

    not_before: datetime
    owed: bool = True
    charging: bool = False
    attempted_at: datetime | None = None


class EnergySchedule:
    """Which devices' lifetime energy to read now, and when the next read falls due."""

    def __init__(
        self,
        read_interval: timedelta = ENERGY_READ_INTERVAL,
        settle_delay: timedelta = ENERGY_SETTLE_DELAY,
    ) -> None:
        self.read_interval = read_interval
        self.settle_delay = settle_delay
        self._devices: dict[str, _DeviceSchedule] = {}

    def observe(
        self,
        charging: Mapping[str, bool],
        now: datetime,
        *,
        known: Set[str] = frozenset(),
        defer: timedelta = timedelta(0),
    ) -> None:
        """Take the devices' charge states (by id); devices not given are forgotten.

        A new device owes a read (``defer`` from now) unless its value is ``known`` and it is
        idle; one that starts charging owes reads while it charges; one that stops owes a
        last read once the provider's statistics have caught up.
        """
        for device_id in self._devices.keys() - charging.keys():
            del self._devices[device_id]
        for device_id, is_charging in charging.items():
            device = self._devices.get(device_id)
            if device is None:
                self._devices[device_id] = _DeviceSchedule(
                    now if is_charging else now + defer,
                    owed=is_charging or device_id not in known,
                    charging=is_charging,
                )
                continue
            if is_charging and not device.charging:
                device.owed, device.not_before = True, now
            elif device.charging and not is_charging:
                # The settle read waits for the statistics, not for the read interval.
                device.owed, device.not_before = True, now + self.settle_delay
                device.attempted_at = None
            device.charging = is_charging

    def start_reads(self, now: datetime) -> set[str]:
        """Return the devices due now, counting the read as attempted (success or not)."""
        due = {
            device_id
            for device_id, device in self._devices.items()
            if (when := self._due_at(device)) is not None and when <= now
        }
        for device_id in due:
            self._devices[device_id].attempted_at = now
        return due

    def read_succeeded(self, device_id: str, now: datetime) -> None:
        """Settle the debt unless the device charges (its energy keeps changing)."""
        device = self._devices.get(device_id)
        if device is not None and not device.charging and now >= device.not_before:
            device.owed = False

    def next_due(self) -> datetime | None:
        """When the next read falls due (None: no read is owed)."""
        times = [when for device in self._devices.values() if (when := self._due_at(device))]
        return min(times, default=None)

    def _due_at(self, device: _DeviceSchedule) -> datetime | None:
        if not device.owed:
            return None
        if device.attempted_at is None:
            return device.not_before
        return max(device.not_before, device.attempted_at + self.read_interval)


class EnergyReader:
    """Reads the coordinator's devices' lifetime energy when the schedule says it is due."""

    def __init__(self, coordinator: ConnectedEVCoordinator) -> None:
        self._coordinator = coordinator
        self._schedule = EnergySchedule()
        self._timer: CALLBACK_TYPE | None = None
        self._started = False

    def observe(self, devices: list[Vehicle | Charger]) -> None:
        """Tell the energy schedule which devices with lifetime energy charge now.

        The first time (start-up), devices whose sensor restores a value owe no read.
        """
        charging = {
            device.id: bool(device.charge_state.is_charging)
            for device in devices
            if has_lifetime_energy(self._coordinator.provider, device)
        }
        if self._started:
            self._schedule.observe(charging, dt_util.utcnow())
            return
        self._started = True
        self._schedule.observe(
            charging,
            dt_util.utcnow(),
            known=self._restored(charging),
            defer=ENERGY_FIRST_READ_DELAY,
        )

    def _restored(self, device_ids: Iterable[str]) -> set[str]:
        """Return the devices whose energy sensor Home Assistant restores a kWh value for."""
        hass = self._coordinator.hass
        entry = self._coordinator.config_entry
        registry = er.async_get(hass)
        # The public listing of what Home Assistant will restore: its internal cache changed
        # shape between releases; at start-up this entry's entities are not created yet, so
        # their states from the last run are in it.
        states = {
            stored.state.entity_id: stored
            for stored in restore_state.async_get(hass).async_get_stored_states()
        }
        restored: set[str] = set()
        for device_id in device_ids:
            unique_id = entity_unique_id(entry, device_id, LIFETIME_ENERGY_KEY)
            entity_id = registry.async_get_entity_id(Platform.SENSOR, DOMAIN, unique_id)
            stored = states.get(entity_id) if entity_id is not None else None
            extra = stored.extra_data if stored is not None else None
            data = SensorExtraStoredData.from_dict(extra.as_dict()) if extra else None
            if (
                data is not None
                and data.native_unit_of_measurement == UnitOfEnergy.KILO_WATT_HOUR
                and isinstance(data.native_value, int | float)
            ):
                restored.add(device_id)
        return restored

    @staticmethod
    def values(
        listed: Set[str], read: Mapping[str, float], shown: Mapping[str, float]
    ) -> dict[str, float]:
        """Return the lifetime energy to show per listed device: read now, else shown."""
        return {
            device_id: energy
            for device_id in listed
            if (energy := read.get(device_id, shown.get(device_id))) is not None
        }

    async def async_read(self, devices: list[Vehicle | Charger]) -> dict[str, float]:
        """Read the lifetime energy of the devices that are due; return what was read.

        Never raises: a failed read keeps the last value and is retried when next due (a
        rate limit ends this round). Logs name the device kind only, never its id.
        """
        now = dt_util.utcnow()
        due = self._schedule.start_reads(now)
        read: dict[str, float] = {}
        for device in devices:
            if device.id not in due:
                continue
            try:
                read[device.id] = await as_statistics(
                    self._coordinator.provider
                ).async_get_lifetime_energy(device.kind, device.id)
            except ProviderError as err:
                LOGGER.debug(
                    "Could not read a %s's lifetime energy: %s",
                    device.kind.value,
                    type(err).__name__,
                )
                if isinstance(err, RateLimitedError):
                    break
            else:
                self._schedule.read_succeeded(device.id, now)
        return read

    @callback
    def schedule(self) -> None:
        """Read lifetime energy when it falls due, also between polls (never in manual mode)."""
        self.cancel()
        if self._coordinator.manual_only or (when := self._schedule.next_due()) is None:
            return
        if when <= dt_util.utcnow():  # a pushed start of charging: read now
            self._read_due(when)
            return
        self._timer = async_track_point_in_utc_time(self._coordinator.hass, self._read_due, when)

    def cancel(self) -> None:
        """Stop the timer (at shutdown, and before setting another)."""
        if self._timer is not None:
            self._timer()
            self._timer = None

    @callback
    def _read_due(self, _now: datetime) -> None:
        self._timer = None
        coordinator = self._coordinator
        coordinator.config_entry.async_create_background_task(
            coordinator.hass, self._async_refresh(), name=f"{coordinator.name} energy"
        )

    async def _async_refresh(self) -> None:
        """Read the due devices' lifetime energy without a poll (one request per device)."""
        coordinator = self._coordinator
        data = coordinator.data
        read = await self.async_read([*data.vehicles.values(), *data.chargers.values()])
        data = coordinator.data  # a poll or a push may have replaced it meanwhile
        known = data.vehicles.keys() | data.chargers.keys()
        energy = data.lifetime_energy | {key: value for key, value in read.items() if key in known}
        if energy != data.lifetime_energy:
            # Not async_set_updated_data: that would postpone the next poll.
            coordinator.data = replace(data, lifetime_energy=energy)
            coordinator.async_update_listeners()
        self.schedule()

"""When to read a device's lifetime energy: it only changes while the device charges.

Request cost, one statistics request each time: every device with the sensor once at start-up
(or when it is first listed), a charging device at most every ``ENERGY_READ_INTERVAL``, and
one more read once ``ENERGY_SETTLE_DELAY`` has passed after it stopped charging (the
provider's statistics lag behind the charge state). An idle device costs nothing; a failed
read is retried no sooner than ``ENERGY_READ_INTERVAL`` later.

``EnergySchedule`` is pure bookkeeping, given the time; ``EnergyReader`` feeds it the charge
states the coordinator sees (polled or pushed), reads the devices that are due, also between
polls on its own timer, since push stretches polling to an hour while a charging device's
energy grows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .api.errors import ProviderError, RateLimitedError
from .api.models import Capability, Charger, Vehicle
from .api.provider import Provider, ProviderFeature, as_statistics
from .const import LOGGER

if TYPE_CHECKING:
    from .coordinator import ConnectedEVCoordinator

ENERGY_READ_INTERVAL: Final = timedelta(minutes=15)
ENERGY_SETTLE_DELAY: Final = timedelta(minutes=15)


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

    def observe(self, charging: Mapping[str, bool], now: datetime) -> None:
        """Take the devices' charge states (by id); devices not given are forgotten.

        A new device owes a read now; one that starts charging owes reads while it charges;
        one that stops owes a last read once the provider's statistics have caught up.
        """
        for device_id in self._devices.keys() - charging.keys():
            del self._devices[device_id]
        for device_id, is_charging in charging.items():
            device = self._devices.get(device_id)
            if device is None:
                self._devices[device_id] = _DeviceSchedule(now, charging=is_charging)
                continue
            if is_charging and not device.charging:
                device.owed, device.not_before = True, now
            elif device.charging and not is_charging:
                device.owed, device.not_before = True, now + self.settle_delay
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

    def observe(self, devices: list[Vehicle | Charger]) -> None:
        """Tell the energy schedule which devices with lifetime energy charge now."""
        self._schedule.observe(
            {
                device.id: bool(device.charge_state.is_charging)
                for device in devices
                if has_lifetime_energy(self._coordinator.provider, device)
            },
            dt_util.utcnow(),
        )

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

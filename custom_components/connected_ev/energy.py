"""When to read a device's lifetime energy: it only changes while the device charges.

Request cost, one statistics request each time: a charging device at most every
``ENERGY_READ_INTERVAL``, one more read once ``ENERGY_SETTLE_DELAY`` has passed after it
stopped charging (the provider's statistics lag behind the charge state). An idle device
costs nothing, at start-up too.

Start-up and setup read nothing: a sensor Home Assistant restores keeps its value, and a
device without one (a first setup, a newly linked device) gets its first read when it
charges, the moment its energy can change. So entry setup costs the same few requests for 1
or 100 devices, and an idle device's sensor is unknown until its first charge since the
integration was installed. The choice behind it: energy a device charged while Home
Assistant was down shows at the device's next charge, not at start-up.

A failed read is retried after ``ENERGY_RETRY_FIRST``, doubling up to ``ENERGY_READ_INTERVAL``
(never sooner than the provider's or the budget's ``retry_after``: these reads are counted as
background, which the budget keeps out of the next poll's room). An idle device's read is
given up after ``ENERGY_MAX_FAILURES`` failures in a row, until it charges again; a charging
device is retried while it charges, at most every ``ENERGY_READ_INTERVAL``.

``EnergySchedule`` is pure bookkeeping, given the time; ``EnergyReader`` feeds it the charge
states the coordinator sees (polled or pushed), reads the devices that are due, also between
polls on its own timer, since push stretches polling to an hour while a charging device's
energy grows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Set
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

ENERGY_READ_INTERVAL: Final = timedelta(hours=1)
"""Hourly while charging: Home Assistant's energy statistics are hourly (where the provider
keeps hourly statistics, ``statistics_import`` also places each hour's energy in its hour),
and with push on these reads are most of the day's requests."""
ENERGY_SETTLE_DELAY: Final = timedelta(minutes=15)
ENERGY_RETRY_FIRST: Final = timedelta(minutes=5)
ENERGY_MAX_FAILURES: Final = 4
"""Failed reads in a row after which an idle device's read is given up until it charges."""
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
    failures: int = 0
    retry_at: datetime | None = None
    current: bool = False
    """The last read came after the last charge had settled: nothing since is unread."""


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
        self, charging: Mapping[str, bool], now: datetime, *, complete: bool = True
    ) -> None:
        """Take the devices' charge states (by id); devices not given are forgotten.

        ``complete=False``: only the given devices changed; the others are kept as they are.

        A device owes reads while it charges (a new one too, at once; an idle new one owes
        nothing), and one that stops owes a last read once the provider's statistics have
        caught up. A charge starting on a device whose last read is current (it came after
        the last charge had settled) is first read one interval in, or when it stops: what
        came before is already read.
        """
        for device_id in self._devices.keys() - charging.keys() if complete else ():
            del self._devices[device_id]
        for device_id, is_charging in charging.items():
            device = self._devices.get(device_id)
            if device is None:
                self._devices[device_id] = _DeviceSchedule(
                    now, owed=is_charging, charging=is_charging
                )
                continue
            if is_charging and not device.charging:
                device.owed = True
                device.not_before = now + self.read_interval if device.current else now
                device.current = False
                device.failures, device.retry_at = 0, None
            elif device.charging and not is_charging:
                # The settle read waits for the statistics, not for the read interval.
                device.owed, device.not_before = True, now + self.settle_delay
                device.attempted_at = None
                device.failures, device.retry_at = 0, None
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
        if device is None:
            return
        device.failures, device.retry_at = 0, None
        if not device.charging and now >= device.not_before:
            device.owed = False
            device.current = True

    def note_read(self, device_id: str, now: datetime) -> None:
        """Count a read made outside the schedule (a catch-up) as this schedule's own."""
        if (device := self._devices.get(device_id)) is not None:
            device.attempted_at = now
            self.read_succeeded(device_id, now)

    def read_failed(
        self, device_id: str, now: datetime, wait: timedelta | None = None, *, limited: bool = False
    ) -> None:
        """Back off (doubling, at least ``wait``); give an idle device up after a few tries.

        ``limited``: a rate limit or the budget refused it, which says nothing of the device,
        so it only waits ``wait``.
        """
        device = self._devices.get(device_id)
        if device is None:
            return
        if limited:
            device.retry_at = now + max(wait or timedelta(0), ENERGY_RETRY_FIRST)
            return
        device.failures += 1
        if not device.charging and device.failures >= ENERGY_MAX_FAILURES:
            device.owed, device.failures, device.retry_at = False, 0, None
            return
        backoff = min(ENERGY_RETRY_FIRST * 2 ** (device.failures - 1), self.read_interval)
        device.retry_at = now + max(backoff, wait or timedelta(0))

    def next_due(self) -> datetime | None:
        """When the next read falls due (None: no read is owed)."""
        times = [when for device in self._devices.values() if (when := self._due_at(device))]
        return min(times, default=None)

    def _due_at(self, device: _DeviceSchedule) -> datetime | None:
        if not device.owed:
            return None
        if device.retry_at is not None:
            return max(device.not_before, device.retry_at)
        if device.attempted_at is None:
            return device.not_before
        return max(device.not_before, device.attempted_at + self.read_interval)


async def async_read_due(
    schedule: EnergySchedule,
    devices: Iterable[Vehicle | Charger],
    what: str,
    read: Callable[[Vehicle | Charger], Awaitable[None]],
) -> None:
    """Run ``read`` for each device the schedule says is due now, one request each.

    A provider error fails its device's read only, retried with backoff (a rate limit, or the
    budget's refusal, ends this round: the rest wait as long as it says). Logs name the
    device kind only, never its id.
    """
    now = dt_util.utcnow()
    due = schedule.start_reads(now)
    refused: timedelta | None = None
    for device in devices:
        if device.id not in due:
            continue
        if refused is not None:  # a rate limit ended the round: not sent, no failure
            schedule.read_failed(device.id, now, refused, limited=True)
            continue
        try:
            await read(device)
        except ProviderError as err:
            LOGGER.debug(
                "Could not read a %s's %s: %s", device.kind.value, what, type(err).__name__
            )
            if isinstance(err, RateLimitedError):
                refused = timedelta(seconds=err.retry_after or 0)
                schedule.read_failed(device.id, now, refused, limited=True)
            else:
                schedule.read_failed(device.id, now)
        else:
            schedule.read_succeeded(device.id, now)


class EnergyReader:
    """Reads the coordinator's devices' lifetime energy when the schedule says it is due."""

    def __init__(self, coordinator: ConnectedEVCoordinator) -> None:
        self._coordinator = coordinator
        self._schedule = EnergySchedule()
        self._timer: CALLBACK_TYPE | None = None

    def observe(self, devices: list[Vehicle | Charger]) -> None:
        """Tell the energy schedule which devices with lifetime energy charge now.

        At start-up too: an idle device owes no read, restored value or not.
        """
        charging = {
            device.id: bool(device.charge_state.is_charging)
            for device in devices
            if has_lifetime_energy(self._coordinator.provider, device)
        }
        self._schedule.observe(charging, dt_util.utcnow())

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
        read: dict[str, float] = {}

        async def read_one(device: Vehicle | Charger) -> None:
            read[device.id] = await as_statistics(
                self._coordinator.provider
            ).async_get_lifetime_energy(device.kind, device.id)

        await async_read_due(self._schedule, devices, "lifetime energy", read_one)
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

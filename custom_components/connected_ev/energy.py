"""When to read a device's lifetime energy: it only changes while the device charges.

Request cost, one statistics request each time: every device with the sensor once at start-up
(or when it is first listed), a charging device at most every ``ENERGY_READ_INTERVAL``, and
one more read once ``ENERGY_SETTLE_DELAY`` has passed after it stopped charging (the
provider's statistics lag behind the charge state). An idle device costs nothing; a failed
read is retried no sooner than ``ENERGY_READ_INTERVAL`` later.

Pure bookkeeping, given the time: the coordinator observes charge states (polled or pushed),
asks which devices are due, and reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from .api.models import Capability, Charger, Vehicle
from .api.provider import Provider, ProviderFeature

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

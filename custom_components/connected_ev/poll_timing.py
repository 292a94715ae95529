"""When to poll: just after the provider's own refresh of a device, not on a blind clock.

A provider reads each car and charger on its own cadence (typically every few minutes while
charging, less often otherwise, with jitter) and moves the device's ``last_seen`` when it does;
data read between two such refreshes is the same data again. So the cadence is learned per
device from how ``last_seen`` moves, and the next poll is timed shortly after an expected
refresh instead of a fixed interval after the last poll.

The choice, for any number of devices: the next poll comes at most the options' interval
(charging or idle) from now, plus a margin (``margin_for``: the provider's jitter and write
latency). Within that window it lands a margin after the *latest* refresh expected there: one
poll then catches every device that refreshed in the window, so one device (the common case)
is read right after each of its refreshes, and many devices cost no more polls than the
interval (their latest refresh is always near its end). Devices whose refresh is overdue (the
provider was late, or the car is asleep) and devices without ``last_seen`` do not move the
poll; without any expected refresh in the window the poll comes at the interval. A poll
timed for a refresh that has not happened yet (the provider's jitter) is followed by one more
a margin later, not a whole interval later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from .api.models import Charger, Vehicle

MIN_MARGIN: Final = timedelta(seconds=20)
MARGIN_SHARE: Final = 0.11
"""Poll 11 % of the cadence (at least 20 s) after an expected refresh: a provider's jitter
(about ±10 %) and its write latency; earlier, a late refresh costs a second poll."""

SMOOTHING: Final = 0.3
"""Weight of a new gap in the cadence (an average: one jittery gap must not steer it)."""

MIN_CADENCE: Final = timedelta(seconds=30)
MAX_CADENCE: Final = timedelta(hours=1)
"""Gaps between ``last_seen`` values outside these bounds teach nothing about the cadence."""


@dataclass(slots=True)
class _Seen:
    last_seen: datetime
    charging: bool
    cadence: dict[bool, timedelta]


class RefreshCadence:
    """Learns each device's refresh cadence from ``last_seen``; times the next poll."""

    def __init__(self) -> None:
        self._devices: dict[str, _Seen] = {}
        self._target: tuple[str, datetime] | None = None
        """The device (and its ``last_seen`` then) whose refresh the next poll is timed for."""

    def observe(self, devices: Iterable[Vehicle | Charger]) -> None:
        """Take polled devices; a moved ``last_seen`` teaches the cadence of its state.

        A gap spanning several refreshes (a poll missed some) counts as that many refreshes
        of the cadence already known. Devices not given are kept: a poll may skip a kind.
        """
        for device in devices:
            if device.last_seen is None:
                continue
            charging = bool(device.charge_state.is_charging)
            known = self._devices.get(device.id)
            if known is None:
                self._devices[device.id] = _Seen(device.last_seen, charging, {})
                continue
            gap = device.last_seen - known.last_seen
            if gap > timedelta(0) and known.charging == charging:
                if (previous := known.cadence.get(charging)) is not None and gap > previous * 1.5:
                    gap = gap / round(gap / previous)
                if MIN_CADENCE <= gap <= MAX_CADENCE:
                    known.cadence[charging] = (
                        gap if previous is None else previous + (gap - previous) * SMOOTHING
                    )
            known.last_seen = max(known.last_seen, device.last_seen)
            known.charging = charging

    def forget(self, keep: Iterable[str]) -> None:
        """Drop devices the account no longer has."""
        kept = set(keep)
        for device_id in self._devices.keys() - kept:
            del self._devices[device_id]

    def next_poll(
        self,
        now: datetime,
        interval: timedelta,
        *,
        charging_interval: timedelta,
        idle_interval: timedelta,
    ) -> timedelta:
        """Return how long to wait before the next poll (see the module docstring).

        A device's cadence not learned yet is taken to be the options' interval for its
        state (the providers' defaults follow their refresh cadence).
        """
        if (target := self._target) is not None:
            self._target = None
            seen = self._devices.get(target[0])
            if seen is not None and seen.last_seen == target[1]:
                # The poll timed for this refresh came before it (the provider's jitter):
                # look once more, shortly, rather than a whole interval later.
                return margin_for(seen.cadence.get(seen.charging, interval))
        earliest, latest = now + MIN_MARGIN, now + interval + margin_for(interval)
        best: tuple[datetime, str, datetime] | None = None
        for device_id, seen in self._devices.items():
            default = charging_interval if seen.charging else idle_interval
            cadence = seen.cadence.get(seen.charging, default)
            expected = seen.last_seen + cadence + margin_for(cadence)
            if earliest <= expected <= latest and (best is None or expected > best[0]):
                best = (expected, device_id, seen.last_seen)
        if best is None:
            return interval
        self._target = (best[1], best[2])
        return best[0] - now


def margin_for(cadence: timedelta) -> timedelta:
    """How long after an expected refresh to poll (``MARGIN_SHARE``, ``MIN_MARGIN``)."""
    return max(MIN_MARGIN, cadence * MARGIN_SHARE)

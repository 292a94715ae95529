"""When to poll: just after the provider's own refresh of a device, not on a blind clock.

A provider reads each car and charger on its own cadence (typically every few minutes while
charging, less often otherwise, with jitter) and moves the device's ``last_seen`` when it does;
data read between two such refreshes is the same data again. So the cadence is learned per
device from how ``last_seen`` moves, and the next poll is timed shortly after an expected
refresh instead of a fixed interval after the last poll.

The choice, for any number of devices: the next poll comes at most the options' interval
(charging or idle) from now, plus a margin (``margin_for``: the provider's jitter and write
latency). Within that window it lands a margin after the refresh expected there (the latest,
when the interval spans several: a longer interval skips refreshes) of the device whose data
last changed (a car being driven or charged changes again; a parked one rarely
does), so that device is read right after each of its refreshes, whatever the number of
devices; while no device has changed yet, after the *latest* refresh expected there (one poll
then catches every device that refreshed in the window). Either way many devices cost no more
polls than one: every poll reads them all, and quiet devices are still read at least once an
interval. Devices whose refresh is overdue (the provider was late, or the car is asleep) and
devices without ``last_seen`` do not move the poll; without any expected refresh in the window
the poll comes at the interval. A poll timed for a refresh that has not happened yet (the
provider's jitter) is followed by one more a margin later, not a whole interval later.

The charger list is read by timed polls only when it can have changed (``ChargerListSchedule``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from .api.models import Charger, Vehicle

type _Facts = tuple[object, ...]

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
    facts: _Facts
    changed: int = 0
    """When its facts last changed, as the number of that observation (0: never seen to)."""


def _facts(device: Vehicle | Charger) -> _Facts:
    """Return what a user sees change when a device is in use (not its timestamps)."""
    state = device.charge_state
    facts: _Facts = (state.is_plugged_in, state.is_charging, state.charge_rate_kw)
    if isinstance(device, Vehicle):
        odometer, position = device.odometer, device.location
        facts += (
            device.charge_state.battery_level,
            odometer.distance_km if odometer is not None else None,
            (position.latitude, position.longitude) if position is not None else None,
        )
    return facts


class RefreshCadence:
    """Learns each device's refresh cadence from ``last_seen``; times the next poll."""

    def __init__(self) -> None:
        self._devices: dict[str, _Seen] = {}
        self._target: tuple[str, datetime] | None = None
        """The device (and its ``last_seen`` then) whose refresh the next poll is timed for."""
        self._observations = 0

    def observe(self, devices: Iterable[Vehicle | Charger]) -> None:
        """Take polled devices; a moved ``last_seen`` teaches the cadence of its state.

        A gap spanning several refreshes (a poll missed some) counts as that many refreshes
        of the cadence already known. Devices not given are kept: a poll may skip a kind.
        """
        self._observations += 1
        for device in devices:
            if device.last_seen is None:
                continue
            charging = bool(device.charge_state.is_charging)
            known = self._devices.get(device.id)
            if known is None:
                self._devices[device.id] = _Seen(device.last_seen, charging, {}, _facts(device))
                continue
            if device.last_seen != known.last_seen and (facts := _facts(device)) != known.facts:
                known.facts, known.changed = facts, self._observations
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
        best: tuple[int, datetime, str, datetime] | None = None
        for device_id, seen in self._devices.items():
            default = charging_interval if seen.charging else idle_interval
            cadence = seen.cadence.get(seen.charging, default)
            if not earliest <= seen.last_seen + cadence + margin_for(cadence) <= latest:
                continue  # overdue (late, asleep), or not due within the interval
            # The latest of its refreshes within the interval: an interval longer than the
            # cadence skips refreshes, as the options ask (the jitter adds up: so does the
            # margin).
            steps = max(1, (latest - seen.last_seen) // cadence)
            while steps > 1 and seen.last_seen + _after(steps * cadence) > latest:
                steps -= 1
            expected = seen.last_seen + _after(steps * cadence)
            # The last changed device first, then the latest refresh.
            candidate = (seen.changed, expected, device_id, seen.last_seen)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is None:
            return interval
        self._target = (best[2], best[3])
        return best[1] - now


def margin_for(cadence: timedelta) -> timedelta:
    """How long after an expected refresh to poll (``MARGIN_SHARE``, ``MIN_MARGIN``)."""
    return max(MIN_MARGIN, cadence * MARGIN_SHARE)


def _after(wait: timedelta) -> timedelta:
    return wait + margin_for(wait)


CHARGER_POLL: Final = timedelta(hours=3)
"""How often a timed poll lists chargers while nothing is plugged in (8 requests a day).

A charger's state changes when a car plugs in, and a linked car's plug-in shows in the vehicle
list, which is read on every poll: the charger list is read then. What only the charger shows
— a car not linked here plugging in, a setting changed in the charger's own app, a charger
linked elsewhere (an account without chargers is asked for them too) — shows within this
time. Linking in this integration, reconfiguring and a pushed new device list them at once.
"""
CHARGER_PLUGGED_POLL: Final = timedelta(minutes=30)
"""How often a timed poll lists chargers while a car is plugged in (vehicle or charger).

Its start, stop and unplugging show in the vehicle list and list the chargers at once; in
between, a charger's own power and current readings are at most this old (the vehicle's own
charge rate and battery level follow every refresh)."""


CHARGER_LIST_SHARE: Final = 1 / 32
"""Under a request budget, the part of it timed charger lists may take while nothing plugs in
or out: a low budget stretches both periods above alike (``charger_list_stretch``), so the
polls that read the vehicles — where a plug-in shows — keep the rest. A plug-in or a charge
at a charger no vehicle here reports still lists them at once."""


def charger_list_stretch(limit: int) -> float:
    """How much a daily budget of ``limit`` requests stretches the charger-list periods.

    The provider's default budgets (thousands a day) leave them as they are; below 256 a day
    they grow: at 96 a day the chargers are listed every 8 hours while nothing is plugged in.
    """
    reads = max(1.0, limit * CHARGER_LIST_SHARE)
    return max(1.0, (timedelta(days=1) / CHARGER_POLL) / reads)


class ChargerListSchedule:
    """Whether a refresh lists the chargers: always when asked for, timed only when due.

    Due when a vehicle's plug or charging state changed since the chargers were last listed
    (a change at a charger), else every ``CHARGER_PLUGGED_POLL`` while any car is plugged in,
    else every ``CHARGER_POLL``; an account without chargers every ``CHARGER_POLL``. On every
    poll while a charger charges a car that is not one of the account's (only the charger
    reports that charge) and for an account without vehicles (the chargers are all there
    is). A vehicle that does not report whether it is plugged in counts as plugged in.
    """

    def __init__(self) -> None:
        self._listed: tuple[datetime, frozenset[_Facts]] | None = None

    def due(
        self,
        now: datetime,
        vehicles: Iterable[Vehicle],
        chargers: Iterable[Charger],
        *,
        timed: bool,
        linked: bool,
        stretch: float = 1.0,
    ) -> bool:
        """Whether to list the chargers now.

        ``chargers``: as shown; ``timed``: a timed poll, not one asked for; ``linked``: the
        account has chargers (shown, or held back while a glitch may have hidden them);
        ``stretch``: what the request budget makes of the periods (``charger_list_stretch``).
        """
        if not timed or (listed := self._listed) is None:
            return True
        if not linked:  # only looking for chargers linked elsewhere
            return now - listed[0] >= CHARGER_POLL * stretch
        vehicles = list(vehicles)
        if not vehicles or _plug_states(vehicles) != listed[1]:
            return True  # a charger-only account, or a plug-in changed
        paired = {v.id for v in vehicles}
        if any(
            c.charge_state.is_charging and c.charge_state.plugged_in_vehicle_id not in paired
            for c in chargers
        ):
            return True  # no vehicle here reports this charge: only the charger does
        plugged = any(v.charge_state.is_plugged_in is not False for v in vehicles) or any(
            c.charge_state.is_plugged_in for c in chargers
        )
        return now - listed[0] >= (CHARGER_PLUGGED_POLL if plugged else CHARGER_POLL) * stretch

    def listed(self, now: datetime, vehicles: Iterable[Vehicle]) -> None:
        """Note that the chargers were listed now, with these vehicles."""
        self._listed = (now, _plug_states(vehicles))

    def request(self) -> None:
        """List the chargers at the next refresh, timed or not (a new device was announced)."""
        self._listed = None


def _plug_states(vehicles: Iterable[Vehicle]) -> frozenset[_Facts]:
    return frozenset(
        (
            v.id,
            v.charge_state.is_plugged_in,
            v.charge_state.is_charging,
            v.charge_state.plugged_in_charger_id,
        )
        for v in vehicles
    )

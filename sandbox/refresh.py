"""When a simulated provider refreshes its own copy of a device, and what waits for that.

A provider does not read the car on every API request: it reads each device on its own
cadence and answers from that copy in between. So a change made in the car (a different
odometer reading, a battery level the car reports) reaches the API only at the device's next
refresh, and the device's "last seen" time moves exactly then. Each provider's sandbox picks
its cadence (see ``Cadence``) and writes down why.

The next refresh comes ``cadence * (1 ± jitter)`` after the previous one, the cadence chosen by
the device's state then (charging or not). The jitter is drawn from the seed, the device and
the refresh's number, so a schedule is the same in every run whatever order devices are read
in, and one device's schedule does not move when another device is added.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Cadence:
    """How often a provider refreshes a device (simulated seconds) and how much it varies."""

    charging: float
    idle: float
    jitter: float
    """The share by which one gap may differ from the cadence, either way (0.1: ±10 %)."""

    def gap(self, *, charging: bool, draw: float) -> float:
        """Return the gap to the next refresh; ``draw`` is a number from -1 to 1."""
        base = self.charging if charging else self.idle
        return base * (1.0 + self.jitter * draw)


class RefreshSchedule:
    """The next refresh of every tracked device (earliest first) and car-side changes waiting.

    A heap of (moment, device id); an entry whose moment is no longer the device's next
    refresh is skipped when it comes up, so rescheduling never searches the heap.
    """

    def __init__(self, cadence: Cadence, seed: int) -> None:
        self.cadence = cadence
        self._seed = seed
        self._due: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self._heap: list[tuple[float, str]] = []
        self._pending: dict[str, dict[str, Any]] = {}

    def schedule_after(self, device_id: str, refreshed_at: float, *, charging: bool) -> float:
        """Plan the device's next refresh after one at ``refreshed_at``; return its moment."""
        number = self._count.get(device_id, 0) + 1
        self._count[device_id] = number
        moment = refreshed_at + self.cadence.gap(
            charging=charging, draw=self._draw(device_id, number)
        )
        self._due[device_id] = moment
        heapq.heappush(self._heap, (moment, device_id))
        return moment

    def tracks(self, device_id: str) -> bool:
        """Whether the device has a next refresh planned."""
        return device_id in self._due

    def next_refresh(self, device_id: str) -> float | None:
        """Return the device's next refresh (None: not tracked)."""
        return self._due.get(device_id)

    def forget(self, device_id: str) -> None:
        """Stop refreshing a device (unlinked or deleted); its waiting changes are dropped."""
        self._due.pop(device_id, None)
        self._pending.pop(device_id, None)

    def next_due(self, until: float) -> tuple[float, str] | None:
        """Return the earliest refresh by ``until``: (moment, device id), else None."""
        heap = self._heap
        while heap:
            moment, device_id = heap[0]
            if self._due.get(device_id) != moment:
                heapq.heappop(heap)
                continue
            return (moment, device_id) if moment <= until else None
        return None

    def defer(self, device_id: str, changes: Mapping[str, Any]) -> None:
        """Keep car-side changes until the device's next refresh (later values win)."""
        self._pending.setdefault(device_id, {}).update(changes)

    def pending(self, device_id: str) -> dict[str, Any]:
        """Return the car-side changes waiting for the device's next refresh."""
        return dict(self._pending.get(device_id, {}))

    def waiting(self) -> dict[str, dict[str, Any]]:
        """Every device's waiting car-side changes (to save them)."""
        return {device_id: dict(changes) for device_id, changes in self._pending.items()}

    def take(self, device_id: str) -> dict[str, Any]:
        """Remove and return the device's waiting car-side changes (at its refresh)."""
        return self._pending.pop(device_id, {})

    def _draw(self, device_id: str, number: int) -> float:
        digest = hashlib.blake2b(
            f"{self._seed}:{device_id}:{number}".encode(), digest_size=8
        ).digest()
        return int.from_bytes(digest) / 2**64 * 2.0 - 1.0

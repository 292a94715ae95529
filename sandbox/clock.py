"""Simulated clock shared by the whole sandbox.

Simulated time is real monotonic time multiplied by a scale, plus an offset that the admin API
can push forward. Tests use scale 0 (time only moves when advanced) to be deterministic; demos
use scale 1 or faster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime


def isoformat(timestamp: float) -> str:
    """Format a POSIX timestamp the way Enode does (UTC, milliseconds, ``Z``)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SimClock:
    """A clock whose speed can be scaled and which can be advanced on demand."""

    def __init__(
        self,
        *,
        scale: float = 1.0,
        start: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if scale < 0:
            raise ValueError("time scale must not be negative")
        self._monotonic = monotonic
        self._origin = monotonic()
        self._start = time.time() if start is None else start
        self._offset = 0.0
        self.scale = scale

    def now(self) -> float:
        """Return the simulated time as a POSIX timestamp (seconds)."""
        return self._start + (self._monotonic() - self._origin) * self.scale + self._offset

    def advance(self, seconds: float) -> float:
        """Move simulated time forward; returns the new simulated time."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._offset += seconds
        return self.now()

    def iso_now(self) -> str:
        """Return the simulated time formatted like Enode timestamps."""
        return isoformat(self.now())

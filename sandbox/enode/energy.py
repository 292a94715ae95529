"""Energy the simulated devices charge, and Enode's charging statistics made from it.

Pure logic, like the world: the world adds energy to a device's :class:`EnergyLedger` while it
integrates charging, and :func:`series` adds the ledgers up in the time buckets of
``GET /users/{userId}/statistics/charging``. Ledgers keep quarter hours (the finest
resolution), per charging location so that ``locationId`` can narrow the statistics.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

QUARTER_HOUR = 900.0
RESOLUTIONS: tuple[str, ...] = (
    "QUARTER_HOUR",
    "HALF_HOUR",
    "HOUR",
    "DAY",
    "WEEK",
    "MONTH",
    "YEAR",
)
DEFAULT_RESOLUTION = "DAY"
_FIXED_SECONDS = {"QUARTER_HOUR": QUARTER_HOUR, "HALF_HOUR": 1800.0, "HOUR": 3600.0}


class EnergyLedger:
    """The kWh one device charged, per (charging location or None, quarter-hour index)."""

    def __init__(self) -> None:
        self.kwh: defaultdict[tuple[str | None, int], float] = defaultdict(float)

    def add(self, start: float, end: float, kw: float, location_id: str | None) -> None:
        """Record charging at ``kw`` from ``start`` to ``end`` (POSIX seconds)."""
        moment = start
        while moment < end:
            quarter = math.floor(moment / QUARTER_HOUR)
            until = min(end, (quarter + 1) * QUARTER_HOUR)
            self.kwh[(location_id, quarter)] += kw * (until - moment) / 3600.0
            moment = until


@dataclass(frozen=True, slots=True)
class EnergyBucket:
    """One entry of the statistics: kWh in a bucket, and the charging power over it.

    The power is the average of each quarter hour that carried energy (zero without any):
    the sandbox keeps no finer readings.
    """

    start: float
    kwh: float
    kw_min: float
    kw_max: float
    kw_mean: float


def bucket_start(moment: float, resolution: str, utc_offset_hours: float = 0.0) -> float:
    """Return the start of the bucket holding ``moment``.

    Days, weeks (Monday first), months and years begin at midnight ``utc_offset_hours``
    from UTC; the offset has no effect on the shorter resolutions, as documented.
    """
    if (length := _FIXED_SECONDS.get(resolution)) is not None:
        return math.floor(moment / length) * length
    offset = utc_offset_hours * 3600.0
    day = datetime.fromtimestamp(moment + offset, UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if resolution == "WEEK":
        day -= timedelta(days=day.weekday())
    elif resolution == "MONTH":
        day = day.replace(day=1)
    elif resolution == "YEAR":
        day = day.replace(month=1, day=1)
    return day.timestamp() - offset


def next_bucket(start: float, resolution: str, utc_offset_hours: float = 0.0) -> float:
    """Return the start of the bucket after the one that begins at ``start``."""
    if (length := _FIXED_SECONDS.get(resolution)) is not None:
        return start + length
    offset = utc_offset_hours * 3600.0
    local = datetime.fromtimestamp(start + offset, UTC)
    if resolution == "DAY":
        local += timedelta(days=1)
    elif resolution == "WEEK":
        local += timedelta(days=7)
    elif resolution == "MONTH":
        local = local.replace(year=local.year + local.month // 12, month=local.month % 12 + 1)
    else:
        local = local.replace(year=local.year + 1)
    return local.timestamp() - offset


def series(
    ledgers: Iterable[EnergyLedger],
    *,
    first: float,
    last: float,
    resolution: str,
    utc_offset_hours: float = 0.0,
    location_id: str | None = None,
) -> list[EnergyBucket]:
    """Add the ledgers up in every bucket from ``first`` to ``last``, empty ones included.

    A quarter hour counts when it overlaps ``[first, last]``; ``location_id`` keeps only the
    energy charged at that location.
    """
    if first > last:
        return []
    low, high = math.floor(first / QUARTER_HOUR), math.floor(last / QUARTER_HOUR)
    quarters: defaultdict[int, float] = defaultdict(float)
    for ledger in ledgers:
        for (where, quarter), kwh in ledger.kwh.items():
            if low <= quarter <= high and location_id in (None, where):
                quarters[quarter] += kwh
    per_bucket: defaultdict[float, list[float]] = defaultdict(list)
    for quarter, kwh in quarters.items():
        start = bucket_start(quarter * QUARTER_HOUR, resolution, utc_offset_hours)
        per_bucket[start].append(kwh)
    buckets: list[EnergyBucket] = []
    start = bucket_start(first, resolution, utc_offset_hours)
    while start <= last:
        amounts = per_bucket.get(start, [])
        power = [value * 3600.0 / QUARTER_HOUR for value in amounts if value > 0]
        buckets.append(
            EnergyBucket(
                start=start,
                kwh=math.fsum(amounts),
                kw_min=min(power, default=0.0),
                kw_max=max(power, default=0.0),
                kw_mean=math.fsum(power) / len(power) if power else 0.0,
            )
        )
        start = next_bucket(start, resolution, utc_offset_hours)
    return buckets

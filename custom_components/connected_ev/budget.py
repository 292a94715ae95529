"""A daily request budget: count what refreshes really send, never spend more in 24 hours.

Each provider says how it counts requests (``RequestCounting``: the account's requests, or
each vehicle's) and which daily budget fits it (its registry entry); the options may set
another. The rules:

- Counted: every request a refresh of the coordinator sends — token requests, every page,
  the smart-charging statuses and energy reads it makes, and reads it starts on its own
  timers — whether the refresh was timed, asked for, or the one at setup. Requests are seen
  where they leave (``api.http.observe_requests``), so the count is what was sent.
- Timed polls stay within it: the next poll is scheduled no earlier than the moment the last
  24 hours leave room for what a refresh costs (the most any recent refresh cost), and a timed
  refresh that still meets a full window (it cost more than that) has its further requests
  refused: it keeps the shown data and waits for room, as under a rate limit. So no timed
  request is sent while the 24 hours before it already hold the budget.
- Only timed polls are held back. User-initiated work is never refused or delayed, because a
  stop that waits for tomorrow is a broken switch: commands (start/stop, refresh hints,
  charging current, preferences, locations) with their action-status polls, the refresh that
  follows a command, a refresh asked for (``homeassistant.update_entity``), and the setup
  refresh (a restart, a reload, saved options); so is a refresh a push event asks for. The
  refreshes among them are counted, so timed polls wait longer to pay for them; commands are
  the user's own spending, a handful a day, and are not counted.
- Spent where changes happen: an hour while a device charges gets four times the polls of an
  idle hour, an hour while one is plugged in (or a vehicle's ready-by time is near) one and a
  half times (``WEIGHT``). The shares follow the last 24 hours' mix of activity, so a day
  like the last one spends the budget; a day without charging polls idle hours at the even
  rate. Each poll still lands where the coordinator wanted it — just after the provider's own
  refresh — or a whole number of the provider's refresh periods later.

The ledger is stored per entry (``Store``): a restart or a reload does not empty the window.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from logging import Logger
from math import ceil
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.errors import RateLimitedError
from .api.http import observe_requests
from .api.models import Charger, Vehicle, Weekday
from .const import DOMAIN
from .options import PollingPolicy, RequestCounting, daily_budget_option
from .providers import get_description

if TYPE_CHECKING:
    from .data import ConnectedEVData

WINDOW: Final = timedelta(hours=24)
"""The sliding window the budget holds over."""

BUCKET: Final = 60
"""Requests are kept per minute, stamped with the minute's end: a request leaves the window
no sooner than it really does, and a day is at most 1,440 entries to store."""

RECENT_REFRESHES: Final = 48
"""How many refresh costs the estimate of the next one looks back on."""

SCHEDULING_SLACK: Final = timedelta(seconds=2)
"""Home Assistant's timer rounds to whole seconds (it may fire up to one early)."""

READY_BEFORE: Final = timedelta(minutes=60)
READY_AFTER: Final = timedelta(minutes=30)
"""A ready-by time counts as near from an hour before it (smart charging finishes, plans
end) to half an hour after (the car is unplugged and leaves)."""

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 60
"""Seconds a change waits before it is written (Home Assistant writes it when it stops)."""


class Activity(StrEnum):
    """How much is likely to change now, which decides how fast the budget is spent."""

    CHARGING = "charging"
    PLUGGED_IN = "plugged_in"
    """A device is plugged in, or a vehicle's ready-by time is near."""
    IDLE = "idle"


WEIGHT: Final = {Activity.CHARGING: 4.0, Activity.PLUGGED_IN: 1.5, Activity.IDLE: 1.0}
"""Polls an hour of each activity gets, relative to an idle hour."""

SLOT: Final = 600
"""The activity of the last 24 hours is kept per ten minutes (144 entries at most)."""


class BudgetSpentError(RateLimitedError):
    """A timed refresh met a full window: nothing more is sent until ``retry_after``."""


@dataclass(slots=True)
class RequestLedger:
    """The requests sent in the last 24 hours and what recent refreshes cost."""

    buckets: dict[int, int] = field(default_factory=dict)
    """Requests per minute, keyed by the minute's end (seconds since the epoch)."""
    costs: list[int] = field(default_factory=list)
    """The requests of the last refreshes, newest last."""
    activity: dict[int, Activity] = field(default_factory=dict)
    """The activity per ten minutes, keyed by the slot's start (seconds since the epoch)."""

    def note_activity(self, now: datetime, activity: Activity) -> None:
        """Note what the devices do now; the slots since the last note did what it said."""
        slot = int(now.timestamp()) // SLOT * SLOT
        since = slot - int(WINDOW.total_seconds())
        if self.activity:
            last = max(self.activity)
            for gap in range(max(last + SLOT, since + SLOT), slot, SLOT):
                self.activity[gap] = self.activity[last]
        if WEIGHT[activity] >= WEIGHT[self.activity.get(slot, Activity.IDLE)]:
            self.activity[slot] = activity
        for old in [old for old in self.activity if old <= since]:
            del self.activity[old]

    def mix(self, now: datetime) -> float:
        """Return the last 24 hours' mean weight (a slot without a note counts as idle)."""
        since = now.timestamp() - WINDOW.total_seconds()
        slots = int(WINDOW.total_seconds()) // SLOT
        noted = [WEIGHT[activity] for start, activity in self.activity.items() if start > since]
        return (sum(noted) + slots - len(noted)) / slots

    def used(self, now: datetime) -> int:
        """Return the requests in the 24 hours up to ``now`` (and any stamped later)."""
        since = now.timestamp() - WINDOW.total_seconds()
        return sum(count for end, count in self.buckets.items() if end > since)

    def record(self, now: datetime) -> None:
        """Count one request sent at ``now``; forget what left the window."""
        end = ceil(now.timestamp() / BUCKET) * BUCKET
        self.buckets[end] = self.buckets.get(end, 0) + 1
        since = now.timestamp() - WINDOW.total_seconds()
        for old in [old for old in self.buckets if old <= since]:
            del self.buckets[old]

    def spend(self, now: datetime, limit: int, *, gated: bool) -> timedelta | None:
        """Record a request; ``gated``: refuse it while the window is full (return the wait)."""
        if gated and self.used(now) + 1 > limit:
            return self.room_at(now, self.estimate, limit) - now
        self.record(now)
        return None

    def room_at(self, start: datetime, need: int, limit: int) -> datetime:
        """Return the first moment from ``start`` when ``need`` more requests fit the window."""
        need = min(need, limit)
        used = self.used(start)
        since = start.timestamp() - WINDOW.total_seconds()
        for end in sorted(end for end in self.buckets if end > since):
            if used + need <= limit:
                break
            used -= self.buckets[end]
            start = max(start, datetime.fromtimestamp(end, UTC) + WINDOW)
        return start

    def note_cost(self, cost: int) -> None:
        """Remember what a refresh cost (refused requests included)."""
        self.costs = [*self.costs, cost][-RECENT_REFRESHES:]

    @property
    def estimate(self) -> int:
        """What the next refresh is expected to cost: the most a recent one did."""
        return max(self.costs, default=1)

    def as_dict(self) -> dict[str, Any]:
        """Return what is stored."""
        return {
            "buckets": sorted(self.buckets.items()),
            "costs": self.costs,
            "activity": sorted(self.activity.items()),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestLedger:
        """Read what was stored; anything unreadable is dropped (nothing is trusted)."""
        buckets: dict[int, int] = {}
        for item in data.get("buckets", ()):
            if (
                isinstance(item, list | tuple)
                and len(item) == 2
                and all(type(v) is int for v in item)
            ):
                buckets[item[0]] = buckets.get(item[0], 0) + max(item[1], 0)
        costs = [cost for cost in data.get("costs", ()) if type(cost) is int and cost > 0]
        activity = {
            item[0]: Activity(item[1])
            for item in data.get("activity", ())
            if isinstance(item, list | tuple)
            and len(item) == 2
            and type(item[0]) is int
            and item[1] in Activity.__members__.values()
        }
        return cls(buckets=buckets, costs=costs[-RECENT_REFRESHES:], activity=activity)


def plan_next(
    now: datetime,
    *,
    wanted: timedelta,
    period: timedelta,
    activity: Activity,
    ledger: RequestLedger,
    limit: int,
    running: int = 0,
) -> timedelta:
    """Note the activity; return the wait for the next timed poll: paced, within budget.

    ``wanted`` is the coordinator's choice (just after the provider's next refresh);
    ``period`` the provider's refresh period now; ``running`` what the refresh deciding this
    has sent so far (it may cost more than any before). The pace is an even spread of the
    budget scaled by the last day's mix over this activity's weight. A pace slower than a
    period waits whole periods more, so a poll still comes just after a provider refresh.
    """
    ledger.note_activity(now, activity)
    cost = min(max(ledger.estimate, running), limit)
    pace = WINDOW * (cost / limit) * ledger.mix(now) / WEIGHT[activity]
    delay = wanted
    if pace > max(wanted, period) and period > timedelta(0):
        # Skip whole provider refreshes; a pace within one period leaves the poll as wanted.
        delay = wanted + ceil((pace - max(wanted, period)) / period) * period
    # Room a little before the poll is due holds for the poll too (requests only leave).
    early = now + delay - SCHEDULING_SLACK
    room = ledger.room_at(early, cost, limit)
    return delay if room == early else room - now + SCHEDULING_SLACK


def activity_of(devices: Iterable[Vehicle | Charger], now: datetime) -> Activity:
    """Tell what the devices do; ``now`` in the time zone ready-by times are meant in."""
    devices = list(devices)
    if any(device.charge_state.is_charging for device in devices):
        return Activity.CHARGING
    if any(device.charge_state.is_plugged_in for device in devices) or any(
        _ready_time_near(device, now) for device in devices if isinstance(device, Vehicle)
    ):
        return Activity.PLUGGED_IN
    return Activity.IDLE


def _ready_time_near(vehicle: Vehicle, now: datetime) -> bool:
    """Whether one of the vehicle's ready-by times (yesterday's to tomorrow's) is near."""
    if (preferences := vehicle.charging_preferences) is None:
        return False
    for offset in (-1, 0, 1):
        day = now.date() + timedelta(days=offset)
        weekday = list(Weekday)[day.weekday()]
        ready = (preferences.weekday_ready_times or {}).get(weekday, preferences.ready_time)
        if ready is not None:
            deadline = datetime.combine(day, ready, now.tzinfo)
            if deadline - READY_BEFORE <= now <= deadline + READY_AFTER:
                return True
    return False


def storage_key(entry_id: str) -> str:
    """Name the entry's ledger in ``.storage``."""
    return f"{DOMAIN}.{entry_id}.request_budget"


class _Meter:
    """Counts one refresh's requests; refuses timed ones that would overfill the window."""

    def __init__(self, budget: RequestBudget, gated: bool) -> None:
        self._budget = budget
        self._gated = gated
        self.cost = 0

    def __call__(self) -> None:
        budget = self._budget
        wait = budget.ledger.spend(dt_util.utcnow(), budget.limit, gated=self._gated)
        self.cost += 1
        if wait is not None:
            raise BudgetSpentError(
                "the daily request budget is spent", retry_after=wait.total_seconds()
            )


class RequestBudget:
    """One entry's budget: its ledger, its limit, and when the next timed poll may come."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        description = get_description(entry.data)
        self.daily = daily_budget_option(entry.options) or description.daily_budget
        """Requests a day: the account's, or each vehicle's (``per_vehicle``)."""
        self.per_vehicle = description.request_counting is RequestCounting.PER_VEHICLE
        self._policy = PollingPolicy.from_options(entry.options, description.polling)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self.ledger = RequestLedger()
        self._loaded = False
        self._vehicles = 1
        self._meter: _Meter | None = None
        """The meter of the refresh in progress."""

    @property
    def limit(self) -> int:
        """Requests the account may send in 24 hours (per-vehicle budgets added up)."""
        return self.daily * self._vehicles if self.per_vehicle else self.daily

    def interval(self, wanted: timedelta | None, data: ConnectedEVData) -> timedelta | None:
        """Return the wait before the next timed poll, given the one the coordinator wants."""
        self._vehicles = max(1, len(data.vehicles))
        if wanted is None:
            return None
        now = dt_util.utcnow()
        activity = activity_of(
            [*data.vehicles.values(), *data.chargers.values()], dt_util.as_local(now)
        )
        policy = self._policy
        period = policy.charging_interval if activity is Activity.CHARGING else policy.idle_interval
        return plan_next(
            now,
            wanted=wanted,
            period=period,
            activity=activity,
            ledger=self.ledger,
            limit=self.limit,
            running=self._meter.cost if self._meter is not None else 0,
        )

    @asynccontextmanager
    async def metered(self, *, gated: bool) -> AsyncIterator[None]:
        """Count the requests sent inside; ``gated``: a timed poll, kept within the budget."""
        await self._async_load()
        self._meter = meter = _Meter(self, gated)
        try:
            with observe_requests(meter):
                yield
        finally:
            self._meter = None
            if meter.cost:
                self.ledger.note_cost(meter.cost)
                self._store.async_delay_save(self.ledger.as_dict, SAVE_DELAY)

    async def _async_load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if isinstance(stored := await self._store.async_load(), Mapping):
            self.ledger = RequestLedger.from_dict(stored)

    async def async_flush(self) -> None:
        """Write the ledger now (the entry unloads: the next setup reads it at once)."""
        if self._loaded:
            await self._store.async_save(self.ledger.as_dict())


async def async_remove_budget(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's ledger with the entry."""
    await Store[dict[str, Any]](hass, STORAGE_VERSION, storage_key(entry_id)).async_remove()


class BudgetedCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator whose refreshes are counted in its entry's ``RequestBudget``.

    Timed refreshes (``scheduled``) are kept within it; others are user-initiated or the
    setup refresh, which are counted but never refused (see the module's rules).
    """

    def __init__(
        self, hass: HomeAssistant, logger: Logger, *, config_entry: ConfigEntry, **kwargs: Any
    ) -> None:
        super().__init__(hass, logger, config_entry=config_entry, **kwargs)
        self.budget = RequestBudget(hass, config_entry)
        config_entry.async_on_unload(self.budget.async_flush)

    @override
    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        """Refresh as Home Assistant does, counted; a timed refresh (``scheduled``) gated."""
        async with self.budget.metered(gated=scheduled):
            await super()._async_refresh(
                log_failures, raise_on_auth_failed, scheduled, raise_on_entry_error
            )

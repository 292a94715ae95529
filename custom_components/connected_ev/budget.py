"""A daily request budget: count what is really sent, never spend more in 24 hours.

Each provider says how it counts requests (``RequestCounting``: the account's requests, or
each vehicle's) and which daily budget fits it (its registry entry); the options may set
another. The rules:

- Counted: every request the coordinator's refreshes send — token requests, every page, the
  smart-charging statuses and energy reads they make — whether the refresh was timed, asked
  for, or the one at setup, and the reads started on their own timers (lifetime energy,
  hourly statistics: ``background``).
  Requests are seen where they leave (``api.http.observe_requests``): the count is what was
  sent.
- Timed polls stay within it: a timed poll is scheduled when the last 24 hours leave room for
  what a poll costs, and a timed refresh that still meets a full window has its further
  requests refused: it keeps the shown data and waits for room, as under a rate limit. Reads
  on their own timers are refused too, and also beyond a 32nd of the budget or when they
  would take the next poll's room: with many devices they could otherwise starve polling.
- Only timed work is held back. User-initiated work is never refused or delayed, because a
  stop that waits for tomorrow is a broken switch: commands (start/stop, refresh hints,
  charging current, preferences, locations) with their action-status polls, the refresh that
  follows a command, a refresh asked for (``homeassistant.update_entity``), and the setup
  refresh (a restart, a reload, saved options); so is a refresh a push event asks for. The
  refreshes among them are counted, so timed polls wait longer to pay for them; commands are
  the user's own spending, a handful a day, and are not counted.
- Spent where changes happen, and spent: the plan (``budget_plan``) gives a charging hour
  twice the polls of an idle hour, a plugged-in hour (or one near a vehicle's ready-by
  time) one and a half times, paced so the window never runs dry, and polls at least hourly;
  each poll still lands just after the provider's own refresh, or whole refresh periods
  later. A low budget also lists the chargers less often (``poll_timing``).
- A budget too low for the account (it cannot pay for a poll an hour at what polls cost)
  still polls, as often as it allows, and raises a repair issue naming the budget needed.

The ledger is stored per entry (``Store``): a restart or a reload does not empty the window.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from logging import Logger
from math import ceil
from typing import TYPE_CHECKING, Any, Final, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.errors import RateLimitedError
from .api.http import observe_requests
from .api.models import Charger, Vehicle, Weekday
from .budget_plan import (
    BACKGROUND_SHARE,
    Activity,
    Pace,
    PollCost,
    RequestLedger,
    needed_budget,
    plan_next,
)
from .const import DOMAIN
from .issues import create_warning_issue
from .options import PollingPolicy, RequestCounting, daily_budget_option
from .providers import get_description

if TYPE_CHECKING:
    from .data import ConnectedEVData

READY_BEFORE: Final = timedelta(minutes=60)
READY_AFTER: Final = timedelta(minutes=30)
"""A ready-by time counts as near from an hour before it (smart charging finishes, plans
end) to half an hour after (the car is unplugged and leaves)."""

STORAGE_VERSION: Final = 1
SAVE_DELAY: Final = 60
"""Seconds a change waits before it is written (Home Assistant writes it when it stops)."""

TOO_LOW_ISSUE: Final = "budget_too_low"


class BudgetSpentError(RateLimitedError):
    """A timed request met a full window: nothing more is sent until ``retry_after``."""


def activity_of(devices: Iterable[Vehicle | Charger], now: datetime) -> Activity:
    """Tell what the devices do; ``now`` in the time zone ready-by times are meant in."""
    devices = list(devices)
    if any(device.charge_state.is_charging for device in devices):
        return Activity.CHARGING
    if any(device.charge_state.is_plugged_in for device in devices):
        return Activity.PLUGGED_IN
    days = _days_around(now)
    if any(
        _ready_time_near(device, now, days) for device in devices if isinstance(device, Vehicle)
    ):
        return Activity.PLUGGED_IN
    return Activity.IDLE


_WEEKDAYS: Final = tuple(Weekday)


def _days_around(now: datetime) -> list[tuple[Weekday, timedelta]]:
    """Yesterday, today and tomorrow: each day's weekday and its midnight's offset from now.

    Wall-clock arithmetic, as between two datetimes of one time zone: computed once per
    call, so a hundred vehicles cost a hundred look-ups, not a hundred calendars.
    """
    since_midnight = now - now.replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        (_WEEKDAYS[(now.weekday() + offset) % 7], timedelta(days=offset) - since_midnight)
        for offset in (-1, 0, 1)
    ]


def _ready_time_near(
    vehicle: Vehicle, now: datetime, days: list[tuple[Weekday, timedelta]]
) -> bool:
    """Whether one of the vehicle's ready-by times (yesterday's to tomorrow's) is near."""
    if (preferences := vehicle.charging_preferences) is None:
        return False
    weekday_times = preferences.weekday_ready_times or {}
    for weekday, midnight in days:
        if (ready := weekday_times.get(weekday, preferences.ready_time)) is None:
            continue
        until = midnight + timedelta(hours=ready.hour, minutes=ready.minute, seconds=ready.second)
        if -READY_AFTER <= until <= READY_BEFORE:
            return True
    return False


def storage_key(entry_id: str) -> str:
    """Name the entry's ledger in ``.storage``."""
    return f"{DOMAIN}.{entry_id}.request_budget"


class _Meter:
    """Counts one refresh's requests; refuses timed ones that would overfill the window.

    Reads started on a timer from inside the refresh still see this meter (a task keeps the
    context it was started in); once the refresh is over they are background reads.
    """

    def __init__(self, budget: RequestBudget, gated: bool) -> None:
        self._budget = budget
        self.gated = gated
        self.closed = False
        self.cost = 0

    def __call__(self) -> None:
        budget, now, background = self._budget, dt_util.utcnow(), self.closed
        if not background:
            self.cost += 1  # a refused request is part of what the poll wanted too
        if background or self.gated:
            wait = budget.ledger.refusal(now, budget.limit, background=background)
            if wait is not None:
                raise BudgetSpentError(
                    "the daily request budget is spent", retry_after=wait.total_seconds()
                )
        budget.ledger.record(now, background=background)
        if background:
            budget.save()


class RequestBudget:
    """One entry's budget: its ledger, its limit, and when the next timed poll may come."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        description = get_description(entry.data)
        self._hass = hass
        self._entry_id = entry.entry_id
        self._title = entry.title
        self.daily = daily_budget_option(entry.options) or description.daily_budget
        """Requests a day: the account's, or each vehicle's (``per_vehicle``)."""
        self.per_vehicle = description.request_counting is RequestCounting.PER_VEHICLE
        policy = PollingPolicy.from_options(entry.options, description.polling)
        self._pace = Pace(policy.charging_interval, policy.idle_interval)
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, storage_key(entry.entry_id)
        )
        self.ledger = RequestLedger()
        self._loaded = False
        self._vehicles = 1
        self._activity = Activity.IDLE
        self._last_refresh: datetime | None = None
        self._meter: _Meter | None = None
        """The meter of the refresh in progress."""

    @property
    def timed_refresh(self) -> bool:
        """Whether the refresh in progress is a timed poll (kept within the budget)."""
        return self._meter is not None and self._meter.gated

    @property
    def limit(self) -> int:
        """Requests the account may send in 24 hours (per-vehicle budgets added up)."""
        return self.daily * self._vehicles if self.per_vehicle else self.daily

    def interval(self, wanted: timedelta | None, data: ConnectedEVData) -> timedelta | None:
        """Return the wait before the next timed poll, given the one the coordinator wants."""
        self._vehicles = max(1, len(data.vehicles))
        self._update_issue()
        if wanted is None:
            return None
        now = dt_util.utcnow()
        self._activity = activity_of(
            [*data.vehicles.values(), *data.chargers.values()], dt_util.as_local(now)
        )
        return plan_next(
            now,
            wanted=wanted,
            activity=self._activity,
            ledger=self.ledger,
            limit=self.limit,
            pace=self._pace,
            running=(running := self._meter.cost if self._meter is not None else 0),
            spent=running if self._meter is not None and self._meter.gated else 0,
        )

    def _update_issue(self) -> None:
        """Raise the too-low issue while polls cost more than the budget pays hourly."""
        issue_id = f"{TOO_LOW_ISSUE}_{self._entry_id}"
        needed = needed_budget(self.ledger)
        if needed is None or needed <= self.limit:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        vehicles = self._vehicles if self.per_vehicle else 1
        create_warning_issue(
            self._hass,
            issue_id,
            TOO_LOW_ISSUE,
            {
                "title": self._title,
                "budget": str(self.daily),
                "needed": str(ceil(needed / vehicles)),
                "cost": f"{self.ledger.mean_cost:.1f}",
            },
        )

    @asynccontextmanager
    async def metered(self, *, gated: bool) -> AsyncIterator[None]:
        """Count the requests sent inside; ``gated``: a timed poll, kept within the budget."""
        await self._async_load()
        started, activity = dt_util.utcnow(), self._activity
        self._meter = meter = _Meter(self, gated)
        try:
            with observe_requests(meter):
                yield
        finally:
            meter.closed = True
            self._meter = None
            if gated and meter.cost and self._last_refresh is not None:
                gap = (started - self._last_refresh).total_seconds()
                self.ledger.note_poll(PollCost(gap, meter.cost, activity))
            if meter.cost:
                self._last_refresh = started
                self.save()

    @contextmanager
    def background(self) -> Iterator[None]:
        """Count the requests sent inside as reads on their own timer, whatever started them.

        They are refused beyond ``background_share`` or when they would take the next poll's
        room (``BudgetSpentError``).
        """
        meter = _Meter(self, gated=False)
        meter.closed = True
        with observe_requests(meter):
            yield

    @property
    def background_share(self) -> int:
        """Requests reads on their own timers may send in 24 hours."""
        return max(1, int(self.limit * BACKGROUND_SHARE))

    def save(self) -> None:
        """Write the ledger soon (a minute's requests go in one write)."""
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

    def as_diagnostics(self) -> dict[str, Any]:
        """Return what the budget is, what it counts, and what the last 24 hours spent."""
        now = dt_util.utcnow()
        return {
            "daily_budget": self.daily,
            "counted_per": "vehicle" if self.per_vehicle else "account",
            "limit_24h": self.limit,
            "spent_last_24h": self.ledger.used(now),
            "counted": (
                "every request of a refresh (tokens, pages, statuses, energy reads), and reads"
                " on their own timers (lifetime energy, at most"
                f" {max(1, int(self.limit * BACKGROUND_SHARE))} in 24 hours); commands are not"
                " counted"
            ),
            "poll_cost_mean": round(self.ledger.mean_cost, 2),
            "needed_for_hourly_polls": needed_budget(self.ledger),
        }


async def async_remove_budget(hass: HomeAssistant, entry_id: str) -> None:
    """Delete an entry's ledger (and its too-low issue) with the entry."""
    ir.async_delete_issue(hass, DOMAIN, f"{TOO_LOW_ISSUE}_{entry_id}")
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

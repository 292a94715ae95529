"""Planning a daily request budget: what was sent, what polls cost, when the next may come.

Pure bookkeeping, given the time; ``budget`` ties it to Home Assistant. The plan:

- The hard rule: no timed request is sent while the 24 hours before it hold the budget, and a
  timed poll is scheduled only when the window has room for what that poll is expected to
  cost (one that costs more, a plug-in's, has its further requests refused).
- A plan for the next 24 hours, made again at every poll: the room left now plus what leaves
  the window meanwhile is spread over the coming slots by how much is likely to change in
  each (``WEIGHT``; the activity a day ago forecasts the activity now, a sliding window
  repeating the day before). The pace is the fastest that never runs dry before the window
  makes room again, so the budget is spent, and evenly enough that no stretch of the day
  goes unpolled. Room for a charging session (``RESERVE_CHARGING``) and for reads on timers
  is kept aside until a day with them has been seen: a first charge does not eat the
  evening's polls. The plan may run one poll ahead of the room (the hard rule holds it).
  However much it saves for later, the devices are polled at least hourly (``MIN_PACE``), as
  room allows: a plug-in the plan did not foresee is seen within the hour.
- Never faster than the provider refreshes (its charging or idle period): a poll between two
  provider refreshes reads the same data again.
- A poll's cost is learned from the polls made, by how long they came after the previous
  refresh (a token outlives a short gap, not a long one), and per activity (a charging poll
  reads more); a gap shorter than any seen is taken to cost what the cheapest poll did, so a
  slow pace still finds out whether polls under an hour apart (sharing a token) are cheaper.
  The next poll comes after the first provider refresh the pace pays for, or the one before
  while a credit (what earlier polls spent under the pace) covers it: spacings stay even and
  their mean is the pace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import accumulate
from math import ceil
from typing import Any, Final

WINDOW: Final = timedelta(hours=24)
"""The sliding window the budget holds over."""

BUCKET: Final = 60
"""Requests are kept per minute, stamped with the minute's end: a request leaves the window
no sooner than it really does, and a day is at most 1,440 entries to store."""

SLOT: Final = 600
"""The plan and the activity of the last 24 hours are kept per ten minutes (144 slots)."""

SLOTS: Final = int(WINDOW.total_seconds()) // SLOT

FREE_SLOTS: Final = 6
"""What happens now is taken to go on for an hour (a charge lasts), then the day before."""

RECENT_POLLS: Final = 48
"""How many timed polls the cost of the next one is learned from."""

NEAR: Final = 1.2
"""Polls whose gaps are within 20 % of each other cost alike."""

SCHEDULING_SLACK: Final = timedelta(seconds=2)
"""Home Assistant's timer rounds to whole seconds (it may fire up to one early)."""

MIN_PACE: Final = timedelta(hours=1)
"""The slowest pace a budget should afford: below a poll an hour, a plug-in or a departure
goes unseen for too long (``needed_budget``)."""

BACKGROUND_SHARE: Final = 1 / 32
"""The part of the budget reads on their own timers (lifetime energy, hourly statistics) may
take in 24 hours; they never take the room the next poll needs."""


class Activity(StrEnum):
    """How much is likely to change now, which decides how fast the budget is spent."""

    CHARGING = "charging"
    PLUGGED_IN = "plugged_in"
    """A device is plugged in, or a vehicle's ready-by time is near."""
    IDLE = "idle"


WEIGHT: Final = {Activity.CHARGING: 2.0, Activity.PLUGGED_IN: 1.5, Activity.IDLE: 1.0}
"""Polls an hour of each activity gets, relative to an idle hour. To keep the mean
staleness lowest with a fixed number of polls, polls go where values change in proportion to
the square root of how often they change: a charging car (charge level, power, energy) about
four times as often as a parked one, a plugged-in one (plans, ready-by times) about twice.
Steeper weights lower the median staleness further but starve the parked hours: the rare
changes of a parked car (the slowest ones) then wait longer than under an even spread."""

RESERVE_CHARGING: Final = timedelta(hours=2)
"""The charging session the plan keeps room for until the last day shows one."""


@dataclass(frozen=True, slots=True)
class PollCost:
    """What one timed poll cost, how long after the previous refresh, doing what."""

    gap: float
    cost: int
    activity: Activity


@dataclass(slots=True)
class Credit:
    """What the pace has paid in since the last timed poll, less what polls cost."""

    balance: float = 0.0
    rate: float = 0.0
    """Requests per second the pace paid in at, from ``since``."""
    since: datetime | None = None

    def settle(self, now: datetime, spent: int, *, most: int) -> float:
        """Pay in up to ``now``, pay ``spent``; return the balance (bounded by a poll or two)."""
        if self.since is not None:
            self.balance += self.rate * max(0.0, (now - self.since).total_seconds())
        self.balance = min(max(self.balance - spent, -2.0 * most), float(most))
        self.since = now
        return self.balance


def _ends_within(buckets: Mapping[int, int], now: datetime) -> int:
    since = now.timestamp() - WINDOW.total_seconds()
    return sum(count for end, count in buckets.items() if end > since)


def _bucket_end(now: datetime) -> int:
    return ceil(now.timestamp() / BUCKET) * BUCKET


@dataclass(slots=True)
class RequestLedger:
    """The requests sent in the last 24 hours, what recent polls cost, the day's activity."""

    buckets: dict[int, int] = field(default_factory=dict)
    """Requests per minute, keyed by the minute's end (seconds since the epoch)."""
    background: dict[int, int] = field(default_factory=dict)
    """Of them, those reads on their own timers sent (the same keys)."""
    polls: list[PollCost] = field(default_factory=list)
    """The last timed polls, newest last."""
    activity: dict[int, Activity] = field(default_factory=dict)
    """The activity per ten minutes, keyed by the slot's start (seconds since the epoch)."""
    credit: Credit = field(default_factory=Credit, compare=False)
    """The pace's credit (not stored: a restart starts it afresh)."""

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

    def used(self, now: datetime) -> int:
        """Return the requests in the 24 hours up to ``now`` (and any stamped later)."""
        return _ends_within(self.buckets, now)

    def record(self, now: datetime, *, background: bool = False) -> None:
        """Count one request sent at ``now``; forget what left the window."""
        end = _bucket_end(now)
        since = now.timestamp() - WINDOW.total_seconds()
        for buckets in (self.buckets, self.background) if background else (self.buckets,):
            buckets[end] = buckets.get(end, 0) + 1
            for old in [old for old in buckets if old <= since]:
                del buckets[old]

    def refusal(self, now: datetime, limit: int, *, background: bool = False) -> timedelta | None:
        """Return the wait if a timed request now would overfill the window, else ``None``.

        A background read must also leave the next poll its room and stay within its share;
        a refused poll waits until an average poll fits (not the dearest: one that cost more,
        a plug-in's, must not hold the next ones back for hours).
        """
        if background:
            share = max(1, int(limit * BACKGROUND_SHARE))
            if _ends_within(self.background, now) + 1 > share:
                return self.room_at(now, 1, share, self.background) - now
            if self.used(now) + 1 + self.most_expensive > limit:
                return self.room_at(now, 1 + self.most_expensive, limit) - now
        elif self.used(now) + 1 > limit:  # room for what a poll costs on average
            return self.room_at(now, ceil(self.mean_cost), limit) - now
        return None

    def room_at(
        self, start: datetime, need: int, limit: int, buckets: Mapping[int, int] | None = None
    ) -> datetime:
        """Return the first moment from ``start`` when ``need`` more requests fit the window."""
        buckets = self.buckets if buckets is None else buckets
        need = min(need, limit)
        used = _ends_within(buckets, start)
        since = start.timestamp() - WINDOW.total_seconds()
        for end in sorted(end for end in buckets if end > since):
            if used + need <= limit:
                break
            used -= buckets[end]
            start = max(start, datetime.fromtimestamp(end, UTC) + WINDOW)
        return start

    def note_poll(self, poll: PollCost) -> None:
        """Remember what a timed poll cost (refused requests included)."""
        self.polls = [*self.polls, poll][-RECENT_POLLS:]

    @property
    def most_expensive(self) -> int:
        """The most a recent poll cost: the room a poll is scheduled for."""
        return max((poll.cost for poll in self.polls), default=1)

    @property
    def mean_cost(self) -> float:
        """What a recent poll cost on average (1 before any)."""
        return sum(p.cost for p in self.polls) / len(self.polls) if self.polls else 1.0

    def cost(self, gap: timedelta, activity: Activity) -> float:
        """Return the expected cost of a poll ``gap`` after the previous one, in ``activity``.

        The mean of polls with a similar gap (a token outlives a short gap, not a long one);
        a gap shorter than any seen costs what the cheapest poll did (a shorter gap costs no
        more), else the mean of them all.
        """
        polls = [p for p in self.polls if p.activity is activity] or self.polls
        if not polls:
            return 1.0
        seconds = gap.total_seconds()
        if near := [p.cost for p in polls if seconds / NEAR <= p.gap <= seconds * NEAR]:
            return sum(near) / len(near)
        if all(p.gap > seconds for p in polls):
            return float(min(p.cost for p in polls))
        return sum(p.cost for p in polls) / len(polls)

    def as_dict(self) -> dict[str, Any]:
        """Return what is stored."""
        return {
            "buckets": sorted(self.buckets.items()),
            "background": sorted(self.background.items()),
            "polls": [[round(p.gap), p.cost, p.activity.value] for p in self.polls],
            "activity": sorted(self.activity.items()),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequestLedger:
        """Read what was stored; anything unreadable is dropped (nothing is trusted)."""
        polls = [
            PollCost(float(item[0]), item[1], Activity(item[2]))
            for item in data.get("polls", ())
            if isinstance(item, list | tuple)
            and len(item) == 3
            and type(item[0]) is int
            and type(item[1]) is int
            and item[1] > 0
            and item[2] in Activity.__members__.values()
        ]
        activity = {
            item[0]: Activity(item[1])
            for item in data.get("activity", ())
            if isinstance(item, list | tuple)
            and len(item) == 2
            and type(item[0]) is int
            and item[1] in Activity.__members__.values()
        }
        return cls(
            buckets=_read_buckets(data.get("buckets", ())),
            background=_read_buckets(data.get("background", ())),
            polls=polls[-RECENT_POLLS:],
            activity=activity,
        )


def _read_buckets(items: Any) -> dict[int, int]:
    buckets: dict[int, int] = {}
    for item in items if isinstance(items, list | tuple) else ():
        if isinstance(item, list | tuple) and len(item) == 2 and all(type(v) is int for v in item):
            buckets[item[0]] = buckets.get(item[0], 0) + max(item[1], 0)
    return buckets


@dataclass(frozen=True, slots=True)
class Pace:
    """The provider's refresh period of each activity: no poll comes faster."""

    charging: timedelta
    idle: timedelta

    def period(self, activity: Activity) -> timedelta:
        """Return the period of ``activity`` (at least a second)."""
        period = self.charging if activity is Activity.CHARGING else self.idle
        return max(period, timedelta(seconds=1))


def request_rate(
    now: datetime, activity: Activity, ledger: RequestLedger, limit: int, pace: Pace
) -> float:
    """Return the requests per second the plan gives ``activity`` now (see the module)."""
    since = int(now.timestamp() - WINDOW.total_seconds())
    room = max(0, limit - ledger.used(now))  # over it (the user asked for much): from none
    leaving = [0] * SLOTS
    for end, count in ledger.buckets.items():
        if end > since:
            leaving[min(SLOTS - 1, (end - since) // SLOT)] += count
    slot = int(now.timestamp()) // SLOT * SLOT
    # What happens now goes on for a while (a charge lasts); later, what happened a day ago.
    activities = [activity] * FREE_SLOTS + [
        ledger.activity.get(slot + j * SLOT - SLOTS * SLOT, Activity.IDLE)
        for j in range(FREE_SLOTS, SLOTS)
    ]
    caps = {a: ledger.cost(pace.period(a), a) / pace.period(a).total_seconds() for a in Activity}
    # Weights are of polls: a dearer poll (a charging one reads more) takes more requests.
    weights = {a: WEIGHT[a] * ledger.cost(WINDOW, a) for a in Activity}
    if not any(poll.activity is Activity.CHARGING for poll in ledger.polls):
        weights[Activity.CHARGING] += WEIGHT[Activity.CHARGING]  # a status or energy read more
    idle = weights[Activity.IDLE]
    seen_extra = sum(weights[a] - idle for start, a in ledger.activity.items() if start > since)
    reserve_extra = RESERVE_CHARGING.total_seconds() * (weights[Activity.CHARGING] - idle)
    reserve = max(0.0, reserve_extra - seen_extra * SLOT)
    # Timer reads as in the last day, at least their share until a day has been seen.
    background = _ends_within(ledger.background, now)
    if not seen_extra:
        background = max(background, int(limit * BACKGROUND_SHARE))

    # The plan may run a poll ahead of the room: the hard rule holds that poll until it comes.
    available = list(accumulate(leaving, initial=room + ledger.most_expensive))[1:]

    def fits(k: float) -> bool:
        # The unplanned (a charging session not seen yet, reads on timers) is kept from the
        # start: whenever it comes, its room is there.
        spent = k * reserve + background
        for j, planned in enumerate(activities):
            spent += min(k * weights[planned], caps[planned]) * SLOT
            if spent > available[j]:
                return False
        return True

    low, high = 0.0, max(caps.values()) / min(weights.values())
    if fits(high):
        return caps[activity]
    for _ in range(32):
        middle = (low + high) / 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return min(low * weights[activity], caps[activity])


def plan_next(
    now: datetime,
    *,
    wanted: timedelta,
    activity: Activity,
    ledger: RequestLedger,
    limit: int,
    pace: Pace,
    running: int = 0,
    spent: int = 0,
) -> timedelta:
    """Note the activity; return the wait for the next timed poll: planned, within budget.

    ``wanted`` is the coordinator's choice (just after the provider's next refresh);
    ``running`` what the refresh deciding this has sent so far (it may cost more than any
    before), ``spent`` the same if it is a timed poll (the pace's credit pays it). The poll
    comes ``wanted`` or a whole number of provider periods later, so it still follows a
    provider refresh.
    """
    ledger.note_activity(now, activity)
    rate = request_rate(now, activity, ledger, limit, pace)
    period = pace.period(activity)
    credit = ledger.credit.settle(now, spent, most=ledger.most_expensive)
    delay = wanted
    # However much the plan saves for later, a budget that pays for hourly polls looks at the
    # devices hourly (``MIN_PACE``): a plug-in the plan did not foresee must not wait for
    # tomorrow's room. A budget too low for that spends as planned (and says it is too low).
    needed = needed_budget(ledger)
    latest = max(wanted, MIN_PACE if needed is None or needed <= limit else WINDOW)
    if rate < ledger.cost(period, activity) / period.total_seconds():
        # The first provider refresh whose spacing the pace pays for; the one before it while
        # the credit (what earlier polls spent under or over the pace) covers the difference:
        # spacings stay even, and their mean is the pace.
        while delay + period <= latest and not _paid(ledger, activity, rate, max(delay, period)):
            delay += period
        earlier = delay - period
        if earlier >= wanted and _paid(ledger, activity, rate, max(earlier, period), credit):
            delay = earlier
    ledger.credit.rate = rate
    # Room a little before the poll is due holds for the poll too (requests only leave).
    need = min(max(ceil(ledger.cost(delay, activity)), running), limit)
    early = now + delay - SCHEDULING_SLACK
    room = ledger.room_at(early, need, limit)
    return delay if room == early else room - now + SCHEDULING_SLACK


def _paid(
    ledger: RequestLedger, activity: Activity, rate: float, spacing: timedelta, credit: float = 0
) -> bool:
    """Whether ``rate`` (and ``credit``) pay for a poll ``spacing`` after the last one."""
    return credit + rate * spacing.total_seconds() >= ledger.cost(spacing, activity)


def needed_budget(ledger: RequestLedger) -> int | None:
    """Return the budget hourly polls need at what polls cost (``None``: not known yet)."""
    if len(ledger.polls) < 3:
        return None
    return ceil(WINDOW / MIN_PACE * ledger.mean_cost)

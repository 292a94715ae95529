"""The request budget: never more than the budget in any 24 hours, spent where changes happen.

The scheduling is proven over simulated weeks with a deterministic model of a household
(evening plug-ins, charging sessions of varying length, days without a car at home, token
renewals, an account that grows a vehicle): every request's time is kept and every 24-hour
window is checked. The Home Assistant side is tested through the real transport: the
provider's list calls go out over HTTP, so what is counted is what was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.connected_ev.api.http import async_send
from custom_components.connected_ev.api.models import (
    Charger,
    ChargingPreferences,
    Vehicle,
    VehicleChargeState,
    Weekday,
)
from custom_components.connected_ev.budget import (
    BudgetSpentError,
    RequestBudget,
    activity_of,
    storage_key,
)
from custom_components.connected_ev.budget_plan import (
    BACKGROUND_SHARE,
    MIN_PACE,
    SCHEDULING_SLACK,
    WINDOW,
    Activity,
    Pace,
    PollCost,
    RequestLedger,
    needed_budget,
    plan_next,
    request_rate,
)
from custom_components.connected_ev.const import ACTION_TIMEOUT, DOMAIN, REFRESH_HINT_FOLLOW_UP
from custom_components.connected_ev.data import ConnectedEVData
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics

from .conftest import ENTRY_ID, load_chargers, load_vehicles

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
CHARGING_PERIOD = timedelta(minutes=2)
IDLE_PERIOD = timedelta(minutes=7)
PACE = Pace(CHARGING_PERIOD, IDLE_PERIOD)
TOKEN_LIFETIME = timedelta(minutes=59)


# --- a deterministic household ---------------------------------------------------------


def household(at: datetime) -> Activity:
    """Plugged in each evening at 17-20 h until 7 h, charging 1-3 h; no car on Sundays."""
    day = (at - START).days
    hour = at.hour + at.minute / 60
    if at.weekday() == 6:
        return Activity.IDLE
    plug_in = 17 + day % 4
    charge_end = plug_in + 1 + day % 3
    if plug_in <= hour < charge_end:
        return Activity.CHARGING
    if hour >= plug_in or hour < 7:
        return Activity.PLUGGED_IN
    return Activity.IDLE


def evening_charge(at: datetime) -> Activity:
    """Idle all day but for a charge from 18 to 20 h."""
    return Activity.CHARGING if 18 <= at.hour < 20 else Activity.IDLE


@dataclass(slots=True)
class Poll:
    """One timed poll as the coordinator makes it."""

    at: datetime
    activity: Activity
    sent: int


@dataclass(slots=True)
class Run:
    """What a simulated run sent."""

    requests: list[datetime]
    polls: list[Poll]
    vehicle_requests: dict[int, list[datetime]]
    manual: list[datetime]


def simulate(
    limit: int,
    *,
    days: float,
    vehicles: int = 1,
    per_vehicle_status: bool = False,
    activity: Callable[[datetime], Activity] = household,
    manual: tuple[datetime, ...] = (),
    setup: int = 0,
) -> Run:
    """Poll as the coordinator does, for ``days``; every request is gated like a timed one.

    A poll costs the vehicle list and a token request when the last token (an hour's) ran
    out, (``per_vehicle_status``) one status request per vehicle, and while charging a
    status request; from day 4 the account has a charger too, whose list is one more
    request: costs the plan has not seen yet. ``manual``: requests the user asks for (never
    refused, counted) at those times; ``setup``: requests the setup refresh sent at the start.
    """
    ledger = RequestLedger()
    run = Run([], [], {vehicle: [] for vehicle in range(vehicles)}, [])
    now, end = START, START + timedelta(days=days)
    for _ in range(setup):
        ledger.record(now)
        run.manual.append(now)
    token: datetime | None = now if setup else None
    pending = sorted(manual)
    last: datetime | None = now if setup else None
    while now < end:
        while pending and pending[0] <= now:
            at = pending.pop(0)
            ledger.record(at)
            run.manual.append(at)
        now_activity = activity(now)
        parts: list[int | None] = [None]  # None: an account-wide request, else a vehicle
        if token is None or now - token >= TOKEN_LIFETIME:
            parts.append(None)
            token = now
        if now - START >= timedelta(days=4):
            parts.append(None)
        if now_activity is Activity.CHARGING:
            parts.append(None)
        if per_vehicle_status:
            parts.extend(range(vehicles))
        sent = 0
        wait = None
        for index, vehicle in enumerate(parts):
            at = now + timedelta(seconds=index)
            sent += 1
            if (wait := ledger.refusal(at, limit)) is not None:
                break
            ledger.record(at)
            run.requests.append(at)
            if vehicle is not None:
                run.vehicle_requests[vehicle].append(at)
        if last is not None:
            ledger.note_poll(PollCost((now - last).total_seconds(), sent, now_activity))
        last = now
        run.polls.append(Poll(now, now_activity, sent))
        period = PACE.period(now_activity)
        delay = plan_next(
            now,
            wanted=period,
            activity=now_activity,
            ledger=ledger,
            limit=limit,
            pace=PACE,
            running=sent,
            spent=sent,
        )
        if wait is not None:
            delay = max(delay, wait)
        # Home Assistant's timer may fire up to a second early.
        now += delay - timedelta(seconds=1)
    return run


def busiest_window(times: list[datetime]) -> int:
    """Return the most requests any 24-hour window (start excluded, end included) holds."""
    times = sorted(times)
    most = first = 0
    for last, at in enumerate(times):
        while times[first] <= at - WINDOW:
            first += 1
        most = max(most, last - first + 1)
    return most


def longest_gap(polls: list[Poll], since: datetime, until: datetime) -> timedelta:
    """Return the longest time without a poll between ``since`` and ``until``."""
    times = [since, *(poll.at for poll in polls if since < poll.at < until), until]
    return max(later - earlier for earlier, later in pairwise(times))


# --- never exceeded --------------------------------------------------------------------


@pytest.mark.parametrize("limit", [24, 48, 96, 288, 1000])
def test_never_exceeded_over_simulated_weeks(limit: int) -> None:
    """No 24-hour window over two weeks holds more requests than the budget, yet it is used."""
    run = simulate(limit, days=14)
    assert busiest_window(run.requests) <= limit
    # Not kept by sending nothing: budgets the provider's pace does not cap are spent.
    if limit <= 288:
        assert busiest_window(run.requests) >= limit * 0.9


@pytest.mark.parametrize(("daily", "vehicles"), [(48, 3), (96, 2), (30, 5)])
def test_never_exceeded_per_vehicle(daily: int, vehicles: int) -> None:
    """Counted per vehicle: the account stays within the summed budget, each vehicle in its own."""
    run = simulate(daily * vehicles, days=14, vehicles=vehicles, per_vehicle_status=True)
    assert busiest_window(run.requests) <= daily * vehicles
    for times in run.vehicle_requests.values():
        assert busiest_window(times) <= daily
        assert times  # every vehicle was read


def test_timed_requests_make_room_for_manual_ones() -> None:
    """User requests are always sent; timed ones wait for them, so windows still hold.

    Every window ending at a timed request holds no more than the budget, manual ones included.
    """
    presses = tuple(
        START + timedelta(days=day, hours=hour, minutes=minute)
        for day in range(7)
        for hour, minute in ((8, 5), (8, 6), (12, 30), (18, 0), (18, 1), (18, 2))
    )
    run = simulate(48, days=7, manual=presses)
    assert len(run.manual) == len(presses)
    every = [*run.requests, *run.manual]
    for at in run.requests:
        assert sum(1 for other in every if at - WINDOW < other <= at) <= 48
    assert busiest_window(run.requests) > 48 - 6 * 2 - 6  # the rest of the budget is used


def test_busiest_window_counts_every_window() -> None:
    """The checker itself: a window ends on each request and starts just after a day before."""
    at = [START, START + WINDOW, START + WINDOW + timedelta(seconds=1)]
    assert busiest_window(at) == 2
    assert busiest_window([START, START + WINDOW - timedelta(seconds=1)]) == 2


# --- spent where changes happen, and spent -----------------------------------------------


def _polls_per_hour(run: Run, activity: Activity, days: int) -> float:
    polls = [poll for poll in run.polls if poll.activity is activity]
    hours = (
        sum(
            1
            for minute in range(0, days * 24 * 60, 5)
            if household(START + timedelta(minutes=minute)) is activity
        )
        / 12
    )
    return len(polls) / hours


@pytest.mark.parametrize(("limit", "more"), [(48, 1.05), (96, 1.3), (288, 1.3)])
def test_spends_where_changes_happen(limit: int, more: float) -> None:
    """At the same budget, charging hours get more polls than idle ones; plugged-in more too.

    An even spread would give every hour the same number of polls. At 48 a day a poll comes
    about every hour and a half, so a charge of an hour or two is mostly seen late.
    """
    run = simulate(limit, days=14)
    charging = _polls_per_hour(run, Activity.CHARGING, 14)
    plugged_in = _polls_per_hour(run, Activity.PLUGGED_IN, 14)
    idle = _polls_per_hour(run, Activity.IDLE, 14)
    assert charging > more * idle
    assert plugged_in > 1.2 * idle


@pytest.mark.parametrize("limit", [48, 96, 288])
def test_a_first_charge_does_not_starve_the_evening(limit: int) -> None:
    """A fresh ledger meets a charge it has not seen: the day is still spent, without a stall.

    The setup's requests stay in the window until a day later, so everything after the
    charge comes out of what is left: the plan keeps room for it.
    """
    run = simulate(limit, days=1, activity=evening_charge, setup=4)
    idle_gaps = longest_gap(run.polls, START, START + timedelta(hours=18))
    evening = longest_gap(run.polls, START + timedelta(hours=20), START + WINDOW)
    assert evening <= idle_gaps * 1.5
    assert len(run.requests) + 4 >= limit * 0.85
    assert busiest_window([START] * 4 + run.requests) <= limit


def test_the_next_day_follows_the_last() -> None:
    """With a day of history, the charging hours are planned for: idle hours keep their pace."""
    run = simulate(96, days=3, activity=evening_charge)
    day = [poll for poll in run.polls if poll.at >= START + timedelta(days=2)]
    idle = [p.at for p in day if p.activity is Activity.IDLE and p.at.hour < 18]
    charging = [p.at for p in day if p.activity is Activity.CHARGING]
    assert len(charging) / 2 > 1.3 * len(idle) / 18


def test_saving_for_a_charge_still_polls_hourly() -> None:
    """A budget that pays for hourly polls never plans a longer gap, however it saves.

    The window is all but full, nothing leaves it for hours, and yesterday's charge starts
    in an hour: the plan keeps the room for that charge, yet the next poll still comes
    within the hour (a plug-in it did not foresee is seen; the room is there).
    """
    now = START + timedelta(days=1)
    ledger = RequestLedger(polls=[PollCost(1500, 1, Activity.IDLE)] * 10)
    for minute in range(95):
        ledger.record(now - timedelta(hours=20) + timedelta(minutes=minute * 12))
    for slot in range(12):  # charging from an hour from now, yesterday, for two hours
        ledger.activity[int((now - WINDOW).timestamp()) + 3600 + slot * 600] = Activity.CHARGING
    needed = needed_budget(ledger)
    assert needed is not None
    assert needed <= 96
    delay = plan_next(
        now, wanted=timedelta(minutes=1), activity=Activity.IDLE, ledger=ledger, limit=96, pace=PACE
    )
    assert delay <= MIN_PACE
    assert ledger.room_at(now + delay, 1, 96) <= now + delay


def test_a_refused_poll_waits_for_an_average_poll_not_the_dearest() -> None:
    """One dear poll (a plug-in's) in the history does not hold the next ones back for hours.

    The window is full; one request leaves every 12 minutes from the next hour on. An
    average poll (2.3 requests) fits when three have left; the dearest (5) only later.
    """
    ledger = RequestLedger(polls=[PollCost(1500, 2, Activity.IDLE)] * 9)
    ledger.note_poll(PollCost(1500, 5, Activity.CHARGING))
    now = START + timedelta(days=1)
    for minute in range(48):
        ledger.record(now - WINDOW + timedelta(hours=1) + timedelta(minutes=12 * minute))
    assert ledger.most_expensive == 5
    wait = ledger.refusal(now, 48)
    assert wait is not None
    assert wait <= timedelta(hours=1, minutes=30)  # the dearest: 1 h 48 min


def test_a_large_budget_changes_nothing() -> None:
    """A budget the defaults stay well within leaves every poll where the coordinator wants it."""
    ledger = RequestLedger()
    for activity, wanted in (
        (Activity.CHARGING, timedelta(seconds=40)),
        (Activity.IDLE, IDLE_PERIOD),
    ):
        delay = plan_next(
            START, wanted=wanted, activity=activity, ledger=ledger, limit=2880, pace=PACE
        )
        assert delay == wanted


def test_slow_pace_keeps_polls_after_the_provider_refresh() -> None:
    """A budgeted poll waits whole provider periods more, so it still follows a refresh."""
    ledger = RequestLedger()
    wanted = timedelta(seconds=40)  # just after the provider's next refresh
    delay = plan_next(
        START, wanted=wanted, activity=Activity.IDLE, ledger=ledger, limit=48, pace=PACE
    )
    assert (delay - wanted) % IDLE_PERIOD == timedelta(0)
    # A fresh ledger: about an even spread of the budget, less what is kept for a charge.
    assert WINDOW / 48 <= delay <= WINDOW / 48 * 1.5


def test_a_full_window_waits_for_the_oldest_requests() -> None:
    """With the budget spent, the next poll comes when the oldest requests leave the window."""
    ledger = RequestLedger()
    for minute in range(24):
        ledger.record(START + timedelta(minutes=minute * 30))
    now = START + timedelta(hours=12)
    assert ledger.used(now) == 24
    delay = plan_next(
        now,
        wanted=CHARGING_PERIOD,
        activity=Activity.CHARGING,
        ledger=ledger,
        limit=24,
        pace=PACE,
    )
    # The first request's minute ends at START; it leaves the window a day later.
    assert now + delay >= START + WINDOW + SCHEDULING_SLACK
    assert ledger.refusal(now, 24) == START + WINDOW - now
    assert ledger.used(now) == 24


def test_a_refresh_in_progress_that_costs_more_raises_the_need() -> None:
    """The refresh deciding the next poll may cost more than any before: room is made for it."""
    ledger = RequestLedger()
    ledger.note_poll(PollCost(600, 1, Activity.IDLE))
    for minute in range(20):
        ledger.record(START + timedelta(minutes=minute))
    now = START + timedelta(hours=1)
    common: dict[str, Any] = {"wanted": IDLE_PERIOD, "activity": Activity.IDLE, "pace": PACE}
    assert plan_next(now, ledger=ledger, limit=24, **common) < timedelta(hours=23)
    # Room for 5 more only once the first request leaves the window, a day after it.
    delay = plan_next(now, ledger=ledger, limit=24, running=5, **common)
    assert now + delay == START + WINDOW + SCHEDULING_SLACK


def test_a_poll_costs_what_polls_after_such_a_gap_cost() -> None:
    """Short gaps share a token, long ones do not; a charging poll reads more."""
    ledger = RequestLedger()
    assert ledger.cost(IDLE_PERIOD, Activity.IDLE) == 1.0
    assert ledger.most_expensive == 1
    assert ledger.mean_cost == 1.0
    for gap, cost in ((1200, 1), (1200, 1), (1200, 2), (4000, 2), (4200, 2)):
        ledger.note_poll(PollCost(gap, cost, Activity.IDLE))
    ledger.note_poll(PollCost(120, 3, Activity.CHARGING))
    assert ledger.cost(timedelta(minutes=20), Activity.IDLE) == pytest.approx(4 / 3)
    assert ledger.cost(timedelta(minutes=70), Activity.IDLE) == 2.0
    # No poll with a similar gap: what polls in that activity cost.
    assert ledger.cost(timedelta(hours=5), Activity.IDLE) == pytest.approx(8 / 5)
    assert ledger.cost(timedelta(hours=5), Activity.CHARGING) == 3.0
    assert ledger.cost(timedelta(hours=5), Activity.PLUGGED_IN) == pytest.approx(11 / 6)
    assert ledger.most_expensive == 3
    for _ in range(48):
        ledger.note_poll(PollCost(1200, 1, Activity.IDLE))
    assert ledger.most_expensive == 1


def test_the_plan_is_no_faster_than_the_provider() -> None:
    """Room to spare: the rate is one poll per provider refresh, not more."""
    ledger = RequestLedger()
    ledger.note_poll(PollCost(420, 2, Activity.IDLE))
    ledger.buckets[int((START - WINDOW).timestamp())] = 50_000  # a day old: not in the way
    rate = request_rate(START, Activity.IDLE, ledger, 100_000, PACE)
    assert rate == pytest.approx(2 / IDLE_PERIOD.total_seconds())


@pytest.mark.parametrize(("costs", "needed"), [((2, 2), None), ((1, 2, 3), 48), ((4, 4, 4), 96)])
def test_the_budget_hourly_polls_need(costs: tuple[int, ...], needed: int | None) -> None:
    """Known once a few polls were made: a poll an hour at what they cost on average."""
    ledger = RequestLedger()
    for cost in costs:
        ledger.note_poll(PollCost(3600, cost, Activity.IDLE))
    assert needed_budget(ledger) == needed


def test_background_reads_keep_to_their_share_and_the_next_poll() -> None:
    """Reads on timers never take more than their share, nor the room of the next poll."""
    ledger = RequestLedger()
    share = int(288 * BACKGROUND_SHARE)
    for _ in range(share):
        assert ledger.refusal(START, 288, background=True) is None
        ledger.record(START, background=True)
    wait = ledger.refusal(START, 288, background=True)
    assert wait is not None
    assert START + wait == START + WINDOW  # its minute ends at START: it leaves a day on
    assert ledger.used(START) == share
    # The window nearly full: the next poll's room is kept.
    ledger.note_poll(PollCost(600, 3, Activity.IDLE))
    later = START + timedelta(hours=2)
    for _ in range(288 - share - 3):
        ledger.record(later)
    assert ledger.refusal(later, 288) is None
    assert ledger.refusal(later + timedelta(days=1), 288, background=True) is None
    small = RequestLedger()
    small.note_poll(PollCost(600, 3, Activity.IDLE))
    for _ in range(20):
        small.record(START)
    assert small.refusal(START, 24, background=True) is None  # 20 + 1 + 3 fit 24
    small.record(START, background=True)
    assert small.refusal(START, 96, background=True) is None
    assert small.refusal(START, 24, background=True) is not None
    full = RequestLedger()
    full.note_poll(PollCost(600, 3, Activity.IDLE))
    for _ in range(21):
        full.record(START)
    assert full.refusal(START, 96, background=True) is None
    assert full.refusal(START, 24, background=True) == WINDOW  # 21 + 1 + 3 > 24


def test_ledger_is_stored_and_read_back() -> None:
    """What is stored reads back the same; anything unreadable is dropped."""
    ledger = RequestLedger()
    ledger.record(START)
    ledger.record(START + timedelta(seconds=30))
    ledger.record(START + timedelta(minutes=5), background=True)
    ledger.note_poll(PollCost(420, 3, Activity.CHARGING))
    ledger.note_activity(START, Activity.PLUGGED_IN)
    stored = ledger.as_dict()
    assert RequestLedger.from_dict(stored) == ledger
    junk = {
        "buckets": [[1, 2], ["x", 1], [3], "y", [4, -2], [1, 1]],
        "background": "nothing",
        "polls": [[60, 2, "idle"], [60, 0, "idle"], ["60", 1, "idle"], [60, 1, "asleep"], 5],
        "activity": [[600, "charging"], [1200, "asleep"], "z"],
    }
    assert RequestLedger.from_dict(junk) == RequestLedger(
        buckets={1: 3, 4: 0},
        polls=[PollCost(60, 2, Activity.IDLE)],
        activity={600: Activity.CHARGING},
    )
    assert RequestLedger.from_dict({}) == RequestLedger()
    # What an earlier release stored (costs without gaps) is dropped.
    assert RequestLedger.from_dict({"costs": [2, 3]}) == RequestLedger()


def test_old_requests_are_forgotten() -> None:
    """Requests older than a day are dropped as new ones come: the ledger stays small."""
    ledger = RequestLedger()
    for minute in range(0, 3 * 24 * 60, 10):
        ledger.record(START + timedelta(minutes=minute), background=minute % 20 == 0)
        ledger.note_activity(START + timedelta(minutes=minute), Activity.IDLE)
    assert len(ledger.buckets) <= 24 * 6 + 1
    assert len(ledger.background) <= 24 * 3 + 1
    assert len(ledger.activity) <= 24 * 6 + 1


# --- what counts as active -------------------------------------------------------------


def _vehicle(**charge_state: bool) -> Vehicle:
    vehicle = load_vehicles()[0]
    return replace(
        vehicle,
        charge_state=VehicleChargeState(**charge_state),
        charging_preferences=None,
    )


def _ready_at(ready: time, weekday: dict[Weekday, time] | None = None) -> Vehicle:
    return replace(
        _vehicle(is_plugged_in=False, is_charging=False),
        charging_preferences=ChargingPreferences(ready_time=ready, weekday_ready_times=weekday),
    )


def test_activity_of_devices() -> None:
    """Charging beats plugged in beats idle; no devices is idle."""
    now = START.replace(hour=12)
    assert activity_of([], now) is Activity.IDLE
    no_ready_time = replace(_vehicle(), charging_preferences=ChargingPreferences(target_soc=80))
    assert activity_of([no_ready_time], now) is Activity.IDLE
    assert activity_of([_vehicle(is_plugged_in=False)], now) is Activity.IDLE
    assert activity_of([_vehicle(is_plugged_in=True)], now) is Activity.PLUGGED_IN
    assert (
        activity_of([_vehicle(is_plugged_in=True), _vehicle(is_charging=True)], now)
        is Activity.CHARGING
    )


@pytest.mark.parametrize(
    ("now", "vehicle", "active"),
    [
        (START.replace(hour=6, minute=30), _ready_at(time(7, 0)), True),
        (START.replace(hour=7, minute=29), _ready_at(time(7, 0)), True),
        (START.replace(hour=5, minute=59), _ready_at(time(7, 0)), False),
        (START.replace(hour=7, minute=31), _ready_at(time(7, 0)), False),
        # Yesterday's late ready-by time, just after midnight.
        (START.replace(hour=0, minute=10), _ready_at(time(23, 50)), True),
        # Tomorrow's early one, just before midnight.
        (START.replace(hour=23, minute=30), _ready_at(time(0, 15)), True),
        # A weekday's own time wins over the daily one (START is a Monday).
        (START.replace(hour=9), _ready_at(time(7, 0), {Weekday.MONDAY: time(9, 15)}), True),
        (
            START.replace(hour=6, minute=30),
            _ready_at(time(7, 0), {Weekday.MONDAY: time(9, 15)}),
            False,
        ),
    ],
)
def test_ready_by_time_counts_as_active(now: datetime, vehicle: Vehicle, active: bool) -> None:
    """From an hour before a vehicle's ready-by time to half an hour after, polls come faster."""
    expected = Activity.PLUGGED_IN if active else Activity.IDLE
    assert activity_of([vehicle], now) is expected


# --- in Home Assistant -------------------------------------------------------------------

PROVIDER_URL = "http://provider.test"
BUTTON = "button.batmobile_request_refresh"
SWITCH = "switch.batmobile_charging"
STORAGE_KEY = f"{DOMAIN}.{ENTRY_ID}.request_budget"
STEP = timedelta(minutes=5)


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the refresh button and the charging switch: the manual actions."""
    return [Platform.BUTTON, Platform.SWITCH]


@pytest.fixture
def sent(
    hass: HomeAssistant, mock_provider: AsyncMock, aioclient_mock: AiohttpClientMocker
) -> list[datetime]:
    """Send the provider's vehicle and charger lists over HTTP; return when each went out."""
    times: list[datetime] = []

    async def answer(method: str, url: URL, data: Any) -> AiohttpClientMockResponse:
        times.append(dt_util.utcnow())
        return AiohttpClientMockResponse(method, url, json={})

    aioclient_mock.get(f"{PROVIDER_URL}/vehicles", side_effect=answer)
    aioclient_mock.get(f"{PROVIDER_URL}/chargers", side_effect=answer)
    vehicles, chargers = load_vehicles(), load_chargers()

    async def send(path: str) -> None:
        await async_send(
            async_get_clientsession(hass),
            "GET",
            URL(f"{PROVIDER_URL}/{path}"),
            provider="Test",
            operation=path,
            client_timeout=aiohttp.ClientTimeout(total=10),
            headers={},
        )

    async def list_vehicles() -> list[Vehicle]:
        await send("vehicles")
        return vehicles

    async def list_chargers() -> list[Charger]:
        await send("chargers")
        return chargers

    mock_provider.async_list_vehicles.side_effect = list_vehicles
    mock_provider.async_list_chargers.side_effect = list_chargers
    return times


@pytest.fixture(autouse=True)
def patched_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load (and unload) only the chosen platforms."""
    with patch("custom_components.connected_ev.PLATFORMS", platforms):
        yield


async def _setup(hass: HomeAssistant, entry: MockConfigEntry, budget: int) -> None:
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={"daily_budget": budget})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, duration: timedelta) -> None:
    for _ in range(int(duration / STEP)):
        freezer.tick(STEP)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()


def _window_at(times: list[datetime], at: datetime) -> int:
    """Return the requests in the 24 hours up to and including ``at``."""
    return sum(1 for other in times if at - WINDOW < other <= at)


def _stored_ledger(hass_storage: dict[str, Any], at: datetime, requests: int) -> None:
    end = int(at.timestamp()) // 60 * 60 + 60
    hass_storage[STORAGE_KEY] = {
        "version": 1,
        "key": STORAGE_KEY,
        "data": {"buckets": [[end, requests]], "polls": [[420, 2, "idle"]]},
    }


@pytest.mark.usefixtures("setup_credentials")
async def test_timed_polls_keep_within_the_budget(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Over a day and a half at 24 requests a day, no 24 hours hold more; the budget is used."""
    await _setup(hass, mock_config_entry, 24)
    await _run(hass, freezer, timedelta(hours=36))
    assert busiest_window(sent) <= 24
    assert len(sent) >= 30
    # Timed polls are scheduled when there is room: none had a request refused.
    attempts = (
        mock_provider.async_list_vehicles.await_count
        + mock_provider.async_list_chargers.await_count
    )
    assert attempts == len(sent)
    assert "rate limited" not in caplog.text


@pytest.mark.usefixtures("setup_credentials")
async def test_a_restart_does_not_reset_the_window(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The ledger is written on unload and read at setup: timed polls still count yesterday's."""
    await _setup(hass, mock_config_entry, 24)
    await _run(hass, freezer, timedelta(hours=20))
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    stored = hass_storage[STORAGE_KEY]["data"]
    assert sum(count for _end, count in stored["buckets"]) == len(sent)

    before = len(sent)
    await _setup(hass, mock_config_entry, 24)
    setup_requests = len(sent) - before
    assert setup_requests == 2  # the setup refresh is sent (and counted) whatever the window
    await _run(hass, freezer, timedelta(hours=10))
    timed = sent[before + setup_requests :]
    assert timed  # polling goes on once yesterday's requests leave the window
    for at in timed:
        assert _window_at(sent, at) <= 24


@pytest.mark.usefixtures("setup_credentials")
async def test_manual_actions_go_beyond_the_budget(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """With the budget spent, what the user asks for is sent; timed polls wait for room."""
    _stored_ledger(hass_storage, dt_util.utcnow() - timedelta(hours=1), 24)
    await _setup(hass, mock_config_entry, 24)
    assert len(sent) == 2  # the setup refresh

    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: BUTTON}, blocking=True
    )
    mock_provider.async_refresh_hint.assert_awaited_once()
    await _run(hass, freezer, REFRESH_HINT_FOLLOW_UP + STEP)
    assert len(sent) == 4  # the follow-up poll that shows the hint's result
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    mock_provider.async_set_charging.assert_awaited_once()
    await _run(hass, freezer, ACTION_TIMEOUT + STEP)
    manual = len(sent)

    # No timed poll until the stored requests are a day old (23 hours from the start).
    await _run(hass, freezer, timedelta(hours=21))
    assert len(sent) == manual
    await _run(hass, freezer, timedelta(hours=3))
    assert len(sent) > manual
    assert hass.states.get(BUTTON).state != STATE_UNAVAILABLE


@pytest.mark.usefixtures("setup_credentials")
async def test_a_refresh_dearer_than_expected_is_cut_short(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """A timed refresh that meets a full window sends nothing more and keeps the shown data."""
    _stored_ledger(hass_storage, dt_util.utcnow() - timedelta(hours=1), 20)
    await _setup(hass, mock_config_entry, 24)
    assert len(sent) == 2
    list_vehicles = mock_provider.async_list_vehicles.side_effect

    async def three_pages() -> list[Vehicle]:
        await list_vehicles()
        await list_vehicles()
        return await list_vehicles()  # the account grew to three pages

    mock_provider.async_list_vehicles.side_effect = three_pages
    # Two requests of room until the stored ones leave (23 hours): one poll, about halfway.
    await _run(hass, freezer, timedelta(hours=14))
    # Two pages went out; the third would have been the 25th request of the day.
    assert len(sent) == 4
    coordinator = mock_config_entry.runtime_data.coordinator
    assert coordinator.last_update_success
    assert hass.states.get(BUTTON).state != STATE_UNAVAILABLE
    assert coordinator.budget.ledger.most_expensive == 3


def _with_charge_state(devices: list[Any], *, plugged_in: bool, charging: bool) -> list[Any]:
    return [
        replace(
            device,
            charge_state=replace(
                device.charge_state, is_plugged_in=plugged_in, is_charging=charging
            ),
        )
        for device in devices
    ]


@pytest.mark.usefixtures("setup_credentials")
async def test_more_polls_while_charging_than_idle(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
) -> None:
    """At the same budget, three hours of charging get far more polls than three idle hours."""
    vehicles, chargers = load_vehicles(), load_chargers()

    def devices(*, plugged_in: bool, charging: bool) -> None:
        mock_provider.async_list_vehicles.return_value = _with_charge_state(
            vehicles, plugged_in=plugged_in, charging=charging
        )
        mock_provider.async_list_chargers.return_value = _with_charge_state(
            chargers, plugged_in=plugged_in, charging=charging
        )

    list_vehicles = mock_provider.async_list_vehicles.side_effect
    list_chargers = mock_provider.async_list_chargers.side_effect

    async def vehicles_over_http() -> list[Vehicle]:
        await list_vehicles()
        return list(mock_provider.async_list_vehicles.return_value)

    async def chargers_over_http() -> list[Charger]:
        await list_chargers()
        return list(mock_provider.async_list_chargers.return_value)

    mock_provider.async_list_vehicles.side_effect = vehicles_over_http
    mock_provider.async_list_chargers.side_effect = chargers_over_http
    devices(plugged_in=False, charging=False)
    await _setup(hass, mock_config_entry, 96)
    setup = len(sent)
    await _run(hass, freezer, timedelta(hours=3))
    idle = len(sent) - setup

    devices(plugged_in=True, charging=True)
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    charging_from = len(sent)
    await _run(hass, freezer, timedelta(hours=3))
    charging = len(sent) - charging_from
    assert charging >= 2 * idle > 0
    assert busiest_window(sent) <= 96


async def test_hiven_budget_is_per_vehicle(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Counted per vehicle: the account's limit is the budget times its vehicles."""
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "hiven"})
    budget = RequestBudget(hass, entry)
    assert budget.per_vehicle
    assert budget.daily == 96
    assert budget.limit == 96
    vehicles = {str(index): load_vehicles()[0] for index in range(3)}
    budget.interval(timedelta(minutes=7), ConnectedEVData(vehicles=vehicles))
    assert budget.limit == 3 * 96
    assert budget.interval(None, ConnectedEVData(vehicles=vehicles)) is None

    await budget.async_flush()  # nothing read, nothing to write
    assert storage_key(entry.entry_id) not in hass_storage

    enode = RequestBudget(hass, MockConfigEntry(domain=DOMAIN, data={"provider": "enode"}))
    assert not enode.per_vehicle
    enode.interval(timedelta(minutes=7), ConnectedEVData(vehicles=vehicles))
    assert enode.limit == enode.daily == 2880


async def test_removing_the_entry_deletes_the_ledger(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """The ledger goes with the entry."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert STORAGE_KEY in hass_storage
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert STORAGE_KEY not in hass_storage


@pytest.mark.usefixtures("setup_credentials")
async def test_a_budget_too_low_still_polls_and_says_so(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    sent: list[datetime],
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Polls costing three requests, 24 a day: polled as often as that allows, and a repair.

    The issue names the budget an hourly poll needs; it goes once the budget is enough.
    """
    list_vehicles = mock_provider.async_list_vehicles.side_effect

    async def three_pages() -> list[Vehicle]:
        await list_vehicles()
        await list_vehicles()
        return await list_vehicles()

    mock_provider.async_list_vehicles.side_effect = three_pages
    await _setup(hass, mock_config_entry, 24)
    setup = len(sent)
    await _run(hass, freezer, timedelta(hours=30))
    timed = sent[setup:]
    assert len(timed) >= 18  # polled, at the slowest pace the budget allows
    assert busiest_window(sent) <= 24
    issue = issue_registry.async_get_issue(DOMAIN, f"budget_too_low_{ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "budget_too_low"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["budget"] == "24"
    assert int(issue.translation_placeholders["needed"]) >= 72

    diagnostics = await async_get_config_entry_diagnostics(hass, mock_config_entry)
    budget = diagnostics["request_budget"]
    assert budget["daily_budget"] == budget["limit_24h"] == 24
    assert budget["counted_per"] == "account"
    assert 0 < budget["spent_last_24h"] <= 24
    assert budget["needed_for_hourly_polls"] >= 72
    assert "token" in budget["counted"]

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    await _setup(hass, mock_config_entry, 1000)
    await _run(hass, freezer, timedelta(hours=1))
    assert issue_registry.async_get_issue(DOMAIN, f"budget_too_low_{ENTRY_ID}") is None

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()


async def test_reads_on_timers_after_a_refresh_are_background(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> None:
    """A read a refresh started on a timer runs after it: held to its share, even at setup.

    With 100 devices a first read of each one's energy at setup would otherwise fill a small
    budget for a day, and no timed poll could run.
    """
    aioclient_mock.get(f"{PROVIDER_URL}/statistics", json={})
    entry = MockConfigEntry(domain=DOMAIN, data={"provider": "enode"}, options={"daily_budget": 96})
    budget = RequestBudget(hass, entry)
    go = asyncio.Event()
    outcome: list[str] = []

    async def read_later() -> None:
        await go.wait()
        for _ in range(100):
            try:
                await async_send(
                    async_get_clientsession(hass),
                    "GET",
                    URL(f"{PROVIDER_URL}/statistics"),
                    provider="Test",
                    operation="statistics",
                    client_timeout=aiohttp.ClientTimeout(total=10),
                    headers={},
                )
            except BudgetSpentError:
                outcome.append("refused")
            else:
                outcome.append("sent")

    async with budget.metered(gated=False):  # the setup refresh: never refused itself
        task = hass.async_create_task(read_later())
    go.set()
    await task
    assert outcome.count("sent") == int(96 * BACKGROUND_SHARE)
    assert budget.ledger.used(dt_util.utcnow()) == int(96 * BACKGROUND_SHARE)
    # A timed poll still has its room.
    assert budget.ledger.refusal(dt_util.utcnow(), budget.limit) is None

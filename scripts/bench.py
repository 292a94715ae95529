"""Benchmark: requests per day and staleness as a user sees it, over one simulated day.

Every configuration runs the same day side by side, each against its own Enode sandbox (so
each sandbox's request counters, token requests included, are one configuration's): our
defaults (push off), push on, the budget mode, and the reference — a plain poll of the
vehicle list every 5 minutes (first page only, through the Enode client, as a naive
integration would) — each at N = 1, 10 and 100 vehicles (and as many chargers). The
sandboxes refresh devices on Enode's own cadence (``provider_cadence``), so a change in the
car reaches the API only at Enode's next read of it.

The day: vehicle 1 of each account charges on charger 1 from 18:00 to 20:00, everything else
is idle (plugging in and out are direct sandbox changes: Enode shows them at once). At 48
seeded moments the car's odometer changes (a car-side change, shown from Enode's next read);
staleness is the time from that change to the Home Assistant sensor showing it (for the
reference: to the poll that reads it). A change never shown counts until the end of the day
plus an hour.

Time is simulated: one clock (``VirtualClock``) stands behind ``time.monotonic`` (the event
loop's timers), ``time.time`` and Home Assistant's ``utcnow``, and the sandboxes' clocks
follow it. It runs at real speed and jumps ahead to the next timer or event whenever Home
Assistant is idle, so a day takes seconds. Also measured: staleness at equal budgets against
an even spread of as many polls, and a refresh's CPU time and state writes when one device of
100 + 100 changed against when all changed.

Runs the sandboxes and a real Home Assistant (the test harness's ``async_test_home_assistant``)
in one process, on loopback only. Not a test: it prints tables. Run through ``scripts/bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = 24 * 3600.0
START = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
"""Midnight starting the simulated day (a Monday)."""
WARM_UP = DAY
"""A day like the measured one runs first (not counted): the budget's 24-hour window is full
and its plan has seen the day before, as on any day but the first after installation."""
SETUP_LEAD = WARM_UP + 1800.0
"""Simulated seconds before the day at which the entries are set up (not counted)."""
TAIL = 3600.0
"""Simulated time after the day for the last probes to show (requests not counted)."""
CHARGE_FROM, CHARGE_UNTIL = START + 18 * 3600, START + 20 * 3600
PROBES = 48
PROBE_SEED = 15
SIZES = (1, 10, 100)
MAX_STEP = 300.0
"""Longest jump: the sandboxes' webhook heartbeats (every 5 minutes) still go out."""
REFERENCE_INTERVAL = 300.0
TOKEN_TTL = 3600.0
"""Lifetime of the sandbox's access tokens (3599 s): a poller fetches one an hour."""
BACKFILL_DAYS = 30
HISTORY_KW = 7.4
BUDGET_ROW = 96
EQUAL_BUDGETS = (48, 96, 288)
CHANGES = ("use", "even")
"""The equal-budget table's two sets of car-side changes. ``use``: as often as a car's values
change in the simulated day — while it charges the battery level rises by 1 % about every 5
minutes (12 changes an hour), while it is parked they change rarely (vampire drain, range
estimates: one every 3 hours here), so most changes fall in the charge. ``even``: spread
evenly over the day, whatever the car does — where an even spread of polls is the best any
schedule can do. The day's table has a set of its own (``day``, evenly spread)."""
EQUAL_PROBES = 240
"""Changes in each of the equal-budget sets: enough that the p95 is not two or three
changes' luck (it is the 12th slowest)."""
CHANGE_RATE = {"charging": 12.0, "parked": 1 / 3}
"""Changes an hour in ``use``."""
VEHICLE_LIST = "GET /users/{userId}/vehicles"
STATISTICS = "GET /users/{userId}/statistics/charging"
WORK_SAMPLES = 9
PARTS = ("defaults", "push", "budget", "reference", "equal", "work", "providers")
"""What ``--only`` selects: the day's rows, the equal-budget table, the work per refresh and
the other providers' table."""
DAY_ROWS = ("defaults", "push", "budget", "reference")


class VirtualClock:
    """Real time plus an offset that only grows: every clock of the process reads it."""

    def __init__(self, start: float) -> None:
        self._real_monotonic = time.monotonic
        self._real_time = time.time
        self.offset = start - self._real_time()

    def monotonic(self) -> float:
        """``time.monotonic`` with the offset: the event loop's timers jump with it."""
        return self._real_monotonic() + self.offset

    def time(self) -> float:
        """``time.time`` with the offset (POSIX seconds of the simulated moment)."""
        return self._real_time() + self.offset

    def utcnow(self) -> datetime:
        """Home Assistant's ``utcnow`` on this clock."""
        return datetime.fromtimestamp(self.time(), UTC)

    def install(self) -> None:
        """Replace the process's clocks; called before Home Assistant is imported.

        Home Assistant binds ``utcnow`` (and the time trackers' copies) at import, as its
        test harness knows; they are replaced the same way.
        """
        time.monotonic = self.monotonic
        time.time = self.time
        from homeassistant import util  # noqa: PLC0415
        from homeassistant.helpers import event  # noqa: PLC0415
        from homeassistant.util import dt as dt_util  # noqa: PLC0415

        dt_util.utcnow = self.utcnow  # type: ignore[assignment]
        util.utcnow = self.utcnow  # type: ignore[attr-defined,assignment]
        event.time_tracker_utcnow = self.utcnow  # type: ignore[assignment]
        event.time_tracker_timestamp = self.time

    def jump(self, seconds: float) -> None:
        """Move every clock ahead at once."""
        self.offset += max(0.0, seconds)


CLOCK = VirtualClock(START - SETUP_LEAD)
CLOCK.install()

import aiohttp  # noqa: E402
import bench_providers  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.components.application_credentials import (  # noqa: E402
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import EVENT_STATE_CHANGED  # noqa: E402
from homeassistant.core import Event, HomeAssistant  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.helpers import recorder as recorder_helper  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.connected_ev.api.enode.client import EnodeClient  # noqa: E402
from custom_components.connected_ev.api.enode.const import EnodeEndpoints  # noqa: E402
from custom_components.connected_ev.const import DOMAIN  # noqa: E402
from custom_components.connected_ev.identifiers import entity_unique_id  # noqa: E402
from custom_components.connected_ev.options import (  # noqa: E402
    CONF_DAILY_BUDGET,
    PollingPolicy,
)
from custom_components.connected_ev.providers import get_description  # noqa: E402
from sandbox.enode.energy import EnergyLedger  # noqa: E402
from sandbox.enode.runtime import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET  # noqa: E402
from sandbox.enode.server import SandboxServer  # noqa: E402


@dataclass
class Probe:
    """A car-side odometer change and when a configuration first showed it."""

    at: float
    value: float
    changes: str = "day"
    """Which set of changes it belongs to (``day``, or one of ``CHANGES``)."""
    shown: dict[str, float] = field(default_factory=dict)


@dataclass
class Participant:
    """One configuration at one size: its sandbox, what it showed, what it cost."""

    name: str
    size: int
    server: SandboxServer
    vehicle_id: str = ""
    charger_id: str = ""
    base_odometer: float = 0.0
    entry: Any = None
    entity_id: str = ""
    first_day_routes: dict[str, int] = field(default_factory=dict)
    """Requests per route from the entry's setup to the measured day: the day after
    installation."""
    by_route: dict[str, int] = field(default_factory=dict)
    """Requests per route over the measured day."""
    poller: EnodeClient | None = None
    poll_interval: float = 0.0
    next_poll: float = 0.0
    shown_value: float = 0.0
    changes: str = "day"
    """The set of changes this participant's car goes through (``day`` or ``CHANGES``)."""
    polls_like: Participant | None = None
    """A reference that polls as often as this participant read the vehicle list the day
    before (the days are alike): its interval is set when the day starts."""

    @property
    def requests(self) -> int:
        """Requests over the measured day."""
        return sum(self.by_route.values())

    @property
    def first_day(self) -> int:
        """Requests over the day after installation (setup included)."""
        return sum(self.first_day_routes.values())

    @property
    def key(self) -> str:
        """Name and size: the key of what this participant showed."""
        return f"{self.name}/{self.size}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _probes() -> list[Probe]:
    """Draw the day's table's changes and the equal-budget table's two sets (``CHANGES``)."""
    draw = random.Random(PROBE_SEED)  # noqa: S311 - reproducible benchmark moments
    day = sorted(START + draw.uniform(0, DAY) for _ in range(PROBES))
    even = sorted(START + draw.uniform(0, DAY) for _ in range(EQUAL_PROBES))
    charging, parked = CHANGE_RATE["charging"] * 2, CHANGE_RATE["parked"] * 22
    use = sorted(
        draw.uniform(CHARGE_FROM, CHARGE_UNTIL)
        if draw.random() < charging / (charging + parked)
        else _parked_moment(draw.uniform(0, DAY - (CHARGE_UNTIL - CHARGE_FROM)))
        for _ in range(EQUAL_PROBES)
    )
    return [
        Probe(at, float(index + 1), changes)
        for changes, moments in (("day", day), ("even", even), ("use", use))
        for index, at in enumerate(moments)
    ]


def _parked_moment(offset: float) -> float:
    """Return the moment ``offset`` seconds of parked time into the day (charge skipped)."""
    moment = START + offset
    return moment + (CHARGE_UNTIL - CHARGE_FROM) if moment >= CHARGE_FROM else moment


def _charging_history(server: SandboxServer, vehicle_id: str, charger_id: str) -> None:
    """Give the car and its charger a month of evening charges, as an account brings along.

    What the hourly statistics' backfill reads once after installation (``BACKFILL_DAYS``).
    """
    setup = START - SETUP_LEAD
    for day in range(1, BACKFILL_DAYS + 1):
        evening = CHARGE_FROM - WARM_UP - day * DAY
        if evening + CHARGE_UNTIL - CHARGE_FROM < setup:
            for device_id in (vehicle_id, charger_id):
                ledger = server.world.energy.setdefault(device_id, EnergyLedger())
                ledger.add(evening, evening + CHARGE_UNTIL - CHARGE_FROM, HISTORY_KW, None)


class Bench:
    """Home Assistant, the sandboxes and the simulated day."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.participants: list[Participant] = []
        self.probes = _probes()
        self.session: aiohttp.ClientSession | None = None

    # --- setting up ------------------------------------------------------------------

    async def add(self, name: str, size: int, options: dict[str, Any] | None) -> Participant:
        """Start a sandbox with ``size`` vehicles and chargers; set up an entry unless None."""
        # No background ticks: their timers would cut the day into half-second steps. The
        # day ticks the push sandboxes itself, at each step.
        server = SandboxServer(action_delay=5.0, provider_cadence=True, background=False, seed=size)
        await server.start()
        if abs(server.clock.now() - CLOCK.time()) > 1:
            raise RuntimeError("the sandbox does not read the simulated clock")
        part = Participant(name, size, server)
        user = f"{name}-{size}"
        vehicles, chargers = server.world.seed_user(user, vehicles=size, chargers=size)
        part.vehicle_id, part.charger_id = vehicles[0].id, chargers[0].id
        part.base_odometer = vehicles[0].odometer_km
        _charging_history(server, part.vehicle_id, part.charger_id)
        self.participants.append(part)
        if options is None:
            return part
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=user,
            unique_id=user,
            data={
                "provider": "enode",
                "environment": "custom",
                "base_url": server.url,
                "user_id": user,
                "auth_implementation": DOMAIN,
            },
            options={key: value for key, value in options.items() if key != "push"},
        )
        entry.add_to_hass(self.hass)
        if not await self.hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError(f"setup of {user} failed")
        await self.hass.async_block_till_done()
        part.entry = entry
        unique_id = entity_unique_id(entry, part.vehicle_id, "odometer")
        entity_id = er.async_get(self.hass).async_get_entity_id("sensor", DOMAIN, unique_id)
        if entity_id is None:
            raise RuntimeError("the benchmark vehicle has no odometer sensor")
        part.entity_id = entity_id
        return part

    async def enable_push(self, part: Participant) -> None:
        """Turn push on through the options flow, as a user does."""
        entry = part.entry
        policy = PollingPolicy.from_options(entry.options, get_description(entry.data).polling)
        ticking = asyncio.create_task(self._tick(part.server))  # delivers the test event
        try:
            flow = await self.hass.config_entries.options.async_init(entry.entry_id)
            flow = await self.hass.config_entries.options.async_configure(
                flow["flow_id"],
                {
                    **entry.options,
                    "push": True,
                    "manual_only": policy.manual_only,
                    "charging_interval": policy.charging_interval.total_seconds() // 60,
                    "idle_interval": policy.idle_interval.total_seconds() // 60,
                    "push_interval": policy.push_interval.total_seconds() // 60,
                },
            )
            if flow.get("step_id") != "push_enabled":
                raise RuntimeError(f"push not enabled: {flow.get('errors')}")
            await self.hass.config_entries.options.async_configure(flow["flow_id"], {})
            await self.hass.async_block_till_done()
        finally:
            ticking.cancel()

    @staticmethod
    async def _tick(server: SandboxServer) -> None:
        while True:
            await server.settle()
            await asyncio.sleep(0.05)

    def add_reference(self, part: Participant, interval: float) -> None:
        """Poll the first page of the vehicle list every ``interval`` seconds from 00:00."""
        assert self.session is not None
        part.poller = EnodeClient(
            self.session,
            part.server.client_id,
            part.server.client_secret,
            EnodeEndpoints(part.server.url, part.server.token_url),
        )
        part.poll_interval = interval
        part.next_poll = START

    # --- the day ---------------------------------------------------------------------

    def _on_state(self, event: Event[Any]) -> None:
        entity_id = event.data.get("entity_id")
        for part in self.participants:
            if part.entity_id and part.entity_id == entity_id:
                state = event.data.get("new_state")
                with contextlib.suppress(AttributeError, TypeError, ValueError):
                    self._show(part, float(state.state) - part.base_odometer)

    def _show(self, part: Participant, value: float) -> None:
        part.shown_value = max(part.shown_value, value)
        now = CLOCK.time()
        for probe in self.probes:
            if probe.changes != part.changes:
                continue
            if probe.value <= part.shown_value and part.key not in probe.shown:
                probe.shown[part.key] = now - probe.at

    async def _poll(self, part: Participant) -> None:
        assert part.poller is not None
        page = await part.poller.async_list_vehicles_page(f"{part.name}-{part.size}")
        for vehicle in page.items:
            if vehicle.id == part.vehicle_id and vehicle.odometer is not None:
                self._show(part, float(vehicle.odometer.distance_km or 0) - part.base_odometer)

    def _next_timer(self) -> float:
        """When the integration's next timer is due, on the simulated clock.

        Only the integration's timers (its coordinators' polls and its own scheduled work)
        are jumped to; Home Assistant's and aiohttp's housekeeping timers (every few
        seconds) run whenever the clock passes them.
        """
        loop = asyncio.get_running_loop()
        due = [
            handle.when()
            for handle in getattr(loop, "_scheduled", [])
            if not handle.cancelled()
            and ("connected_ev" in (text := repr(handle)) or "DataUpdateCoordinator" in text)
        ]
        return CLOCK.time() + (min(due) - loop.time()) if due else float("inf")

    async def _idle(self) -> None:
        """Wait until nothing runs: no request may be in flight when the clock jumps."""
        for _ in range(3):
            await asyncio.sleep(0)
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def run_day(self) -> None:
        """Run the day and the tail; count each sandbox's requests over the day only."""
        events: list[tuple[float, Callable[[], Awaitable[None]]]] = []
        for probe in self.probes:
            events.append((probe.at, partial(self._probe, probe)))
        for day in (-WARM_UP, 0.0):
            events.append((CHARGE_FROM + day, self._plug))
            events.append((CHARGE_UNTIL + day, self._unplug))
        events.append((START, self._reset_counters))
        events.append((START + DAY, self._count))
        events.sort(key=lambda item: item[0])
        unsubscribe = self.hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_state)
        end = START + DAY + TAIL
        pushed = [part for part in self.participants if part.name == "push"]
        settle_at = CLOCK.time()
        steps, hour, began = 0, START - WARM_UP, time.perf_counter()
        try:
            while (now := CLOCK.time()) < end:
                steps += 1
                if now >= hour:
                    print(
                        f"  {(hour - START) / 3600:4.0f} h: {steps} steps,"
                        f" {time.perf_counter() - began:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
                    hour += 6 * 3600
                await self._idle()
                targets = [self._next_timer(), now + MAX_STEP, end]
                if events:
                    targets.append(events[0][0])
                targets += [part.next_poll for part in self.participants if part.poller]
                for part in pushed:
                    if (
                        due := part.server.world.refreshes.next_refresh(part.vehicle_id)
                    ) is not None:
                        settle_at = min(settle_at, due + 0.001)
                targets.append(settle_at)
                await self._jump_to(min(targets))
                now = CLOCK.time()
                while events and events[0][0] <= now:
                    await events.pop(0)[1]()
                for part in self.participants:
                    if part.poller is not None and part.next_poll <= now:
                        part.next_poll += part.poll_interval
                        await self._poll(part)
                if now >= settle_at:  # Enode read the probed car, or a heartbeat is due
                    settle_at = now + MAX_STEP
                    for part in pushed:
                        await part.server.settle()
        finally:
            unsubscribe()

    async def _jump_to(self, moment: float) -> None:
        CLOCK.jump(moment - CLOCK.time())
        await self._idle()

    async def _probe(self, probe: Probe) -> None:
        for part in self.participants:
            if part.changes == probe.changes:
                odometer = part.base_odometer + probe.value
                part.server.world.car_change(part.vehicle_id, odometer=odometer)

    async def _plug(self) -> None:
        for part in self.participants:
            part.server.world.patch_vehicle(part.vehicle_id, battery_level=20.0)
            part.server.world.plug(part.vehicle_id, part.charger_id, auto_start=True)

    async def _unplug(self) -> None:
        for part in self.participants:
            part.server.world.unplug(part.vehicle_id)

    async def _reset_counters(self) -> None:
        for part in self.participants:
            if part.polls_like is not None:
                polls = part.polls_like.server.sandbox.counters.by_route().get(VEHICLE_LIST, 0)
                part.poll_interval = DAY / max(1, polls)
        for part in self.participants:
            part.first_day_routes = part.server.sandbox.counters.by_route()
            part.server.sandbox.counters.reset()

    async def _count(self) -> None:
        for part in self.participants:
            part.by_route = part.server.sandbox.counters.by_route()

    # --- results ---------------------------------------------------------------------

    def staleness(self, part: Participant) -> tuple[float, float]:
        """p50 and p95 staleness in minutes (a probe never shown counts to the day's end)."""
        values = self._staleness_values(part)
        return _pct(values, 0.5), _pct(values, 0.95)

    def mean_staleness(self, part: Participant) -> float:
        """Mean staleness in minutes: what spending polls where changes happen lowers."""
        return statistics.fmean(self._staleness_values(part))

    def _staleness_values(self, part: Participant) -> list[float]:
        return [
            probe.shown.get(part.key, START + DAY + TAIL - probe.at) / 60
            for probe in self.probes
            if probe.changes == part.changes
        ]


class ThreadedSandbox:
    """A sandbox on its own thread and event loop: its CPU time is not the refresh's."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        # On Enode's cadence: a device nobody changed keeps its lastSeen, so it is unchanged.
        self.server = SandboxServer(
            action_delay=5.0, provider_cadence=True, background=False, seed=100
        )

    async def run[T](self, work: Callable[[], T]) -> T:
        """Run ``work`` on the sandbox's thread and return its result."""

        async def call() -> T:
            return work()

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), self.loop))

    async def __aenter__(self) -> ThreadedSandbox:
        self.thread.start()
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.server.start(), self.loop))
        return self

    async def __aexit__(self, *_: object) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


async def _work_ratio(bench: Bench) -> tuple[float, float, float, float]:
    """CPU ms (this thread: Home Assistant) and state writes of a refresh, one vs all changed.

    The sandbox runs on a thread of its own here, so rendering its answers is not counted.
    """
    hass = bench.hass
    async with ThreadedSandbox() as sandbox:
        world, user = sandbox.server.world, "work-100"
        await sandbox.run(lambda: world.seed_user(user, vehicles=100, chargers=100))
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=user,
            unique_id=user,
            data={
                "provider": "enode",
                "environment": "custom",
                "base_url": sandbox.server.url,
                "user_id": user,
                "auth_implementation": DOMAIN,
            },
        )
        entry.add_to_hass(hass)
        if not await hass.config_entries.async_setup(entry.entry_id):
            raise RuntimeError("setup of the work entry failed")
        await bench._idle()
        coordinator = entry.runtime_data.coordinator
        writes = 0

        def count(_: Event[Any]) -> None:
            nonlocal writes
            writes += 1

        def change(every: bool) -> None:
            vehicles, chargers = world.vehicles_of(user), world.chargers_of(user)
            for vehicle in vehicles if every else vehicles[:1]:
                world.patch_vehicle(vehicle.id, odometer=vehicle.odometer_km + 1)
            for charger in chargers if every else []:
                current = 16.0 if charger.max_current != 16.0 else 20.0
                world.patch_charger(charger.id, max_current=current)

        unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, count)
        one: list[tuple[float, int]] = []
        every: list[tuple[float, int]] = []
        try:
            for sample in range(WORK_SAMPLES * 2):
                changed_all = sample % 2 == 1
                await sandbox.run(partial(change, changed_all))
                await bench._idle()
                gc.collect()  # each refresh starts clean: none pays for the last one's garbage
                writes = 0
                cpu = time.thread_time()
                await coordinator.async_refresh()
                await bench._idle()
                result = ((time.thread_time() - cpu) * 1000, writes)
                (every if changed_all else one).append(result)
        finally:
            unsubscribe()
            await hass.config_entries.async_unload(entry.entry_id)
    # The least CPU time of the samples: what else runs on the thread meanwhile (the day's
    # other entries, the recorder's commits) only ever adds to a sample.
    return (
        min(c for c, _ in one),
        statistics.median(w for _, w in one),
        min(c for c, _ in every),
        statistics.median(w for _, w in every),
    )


async def main(selected: frozenset[str], breakdown: bool) -> None:
    """Set up what ``selected`` names, run the day if it needs one, print the tables."""
    with contextlib.ExitStack() as stack:
        await _run(selected, breakdown, stack)


async def _run(selected: frozenset[str], breakdown: bool, stack: contextlib.ExitStack) -> None:
    async with async_test_home_assistant() as hass, aiohttp.ClientSession() as session:
        if abs(asyncio.get_running_loop().time() - CLOCK.monotonic()) > 1:
            raise RuntimeError("the event loop does not read the simulated clock")
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        await async_setup_component(hass, "application_credentials", {})
        await async_setup_component(hass, "http", {})
        # Before the server freezes the router: an entry set up later (--only work) needs it.
        await async_setup_component(hass, "webhook", {})
        # Every installation records statistics: the hourly charging statistics are imported.
        # States are not recorded (a day of a thousand entities' changes would only slow the
        # run down); the imported statistics go through the recorder all the same.
        database = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "bench.db"
        recorder_helper.async_initialize_recorder(hass)  # as Home Assistant's bootstrap does
        recorder = {"db_url": f"sqlite:///{database}", "exclude": {"entity_globs": ["*"]}}
        await async_setup_component(hass, "recorder", {"recorder": recorder})
        bench = Bench(hass)
        bench.session = session
        # One OAuth client for every sandbox (they all use the sandbox default).
        await async_import_client_credential(
            hass, DOMAIN, ClientCredential(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET), DOMAIN
        )
        configurations: list[tuple[str, dict[str, Any]]] = [
            ("defaults", {}),
            ("push", {"push": True}),
            ("budget", {CONF_DAILY_BUDGET: BUDGET_ROW}),
        ]
        for name, options in configurations:
            for size in SIZES if name in selected else ():
                await bench.add(name, size, options)
        for size in SIZES if "reference" in selected else ():
            bench.add_reference(await bench.add("reference", size, None), REFERENCE_INTERVAL)
        for amount in EQUAL_BUDGETS if "equal" in selected else ():
            for changes in CHANGES:
                mine = await bench.add(f"budget{amount}-{changes}", 1, {CONF_DAILY_BUDGET: amount})
                # As many requests: the list polls plus the token requests (one an hour).
                polls = amount - DAY / TOKEN_TTL
                even = await bench.add(f"even{amount}-{changes}", 1, None)
                bench.add_reference(even, DAY / polls)
                alike = await bench.add(f"same{amount}-{changes}", 1, None)
                bench.add_reference(alike, DAY)
                alike.polls_like = mine
                mine.changes = even.changes = alike.changes = changes
        if "providers" in selected:
            await bench_providers.prepare(hass)

        http = TestServer(hass.http.app, host="127.0.0.1")
        await http.start_server()
        hass.config.external_url = f"http://127.0.0.1:{http.port}"
        try:
            for part in bench.participants:
                if part.name == "push":
                    await bench.enable_push(part)
            started = time.perf_counter()
            if bench.participants:
                await bench.run_day()
            day_seconds = time.perf_counter() - started
            work = await _work_ratio(bench) if "work" in selected else None
            others = await bench_providers.run(hass, CLOCK) if "providers" in selected else []
        finally:
            for part in bench.participants:
                if part.entry is not None:
                    with contextlib.suppress(Exception):
                        await hass.config_entries.async_unload(part.entry.entry_id)
            await http.close()
            for part in bench.participants:
                await part.server.stop()
            await hass.async_stop(force=True)
    _print(bench, selected, breakdown)
    if work is not None:
        _print_work(work)
    bench_providers.print_table(others)
    if bench.participants:
        print(f"\nthe simulated day took {day_seconds:.0f} s")


def _staleness(bench: Bench, part: Participant) -> str:
    if not any(part.key in probe.shown for probe in bench.probes):
        return "never shown (not on the first page)"
    p50, p95 = bench.staleness(part)
    return f"{p50:.1f} / {p95:.1f} min"


def _row(bench: Bench, name: str) -> str:
    parts = {p.size: p for p in bench.participants if p.name == name}
    requests = " / ".join(str(parts[size].requests) for size in SIZES)
    return f"{requests} | " + " | ".join(_staleness(bench, parts[size]) for size in SIZES)


def _print(bench: Bench, selected: frozenset[str], breakdown: bool) -> None:
    rows = [
        ("Connected EV, defaults (push off)", "defaults"),
        ("Connected EV, push on", "push"),
        (f"Connected EV, budget {BUDGET_ROW}/day", "budget"),
        ("plain poll of the vehicle list every 5 min (first page)", "reference"),
    ]
    rows = [(label, name) for label, name in rows if name in selected]
    if rows:
        _print_day(bench, rows, breakdown)
    if "equal" in selected:
        _print_equal(bench, breakdown)


def _print_day(bench: Bench, rows: list[tuple[str, str]], breakdown: bool) -> None:
    print(
        "\nOne simulated day on the Enode sandbox (Enode's cadence: 2 min charging, 7 min"
        " idle, +-10 %): 2 h charging, 22 h idle; requests counted by the sandbox, token"
        f" requests included; staleness over {PROBES} car-side changes (car -> HA state)."
    )
    sizes = " | ".join(f"staleness p50 / p95, N = {size}" for size in SIZES)
    print(f"\n| configuration | requests/day N = 1 / 10 / 100 (+ as many chargers) | {sizes} |")
    print("|---" * (2 + len(SIZES)) + "|")
    for label, name in rows:
        print(f"| {label} | {_row(bench, name)} |")
    print(
        "\nThe day before, the first after installation: requests from the entry's setup"
        " (half an hour before it) to its end, and of them the charging-statistics reads"
        " (lifetime energy, the hourly statistics' catch-up, 30-day backfill and imports);"
        " the day above: the same reads."
    )
    print(
        "\n| configuration | first day N = 1 / 10 / 100 | of them statistics"
        " | the day above: statistics |"
    )
    print("|---|---|---|---|")
    for label, name in rows:
        parts = [
            next(p for p in bench.participants if p.name == name and p.size == size)
            for size in SIZES
        ]
        first = " / ".join(str(part.first_day) for part in parts)
        stats = " / ".join(str(part.first_day_routes.get(STATISTICS, 0)) for part in parts)
        steady = " / ".join(str(part.by_route.get(STATISTICS, 0)) for part in parts)
        print(f"| {label} | {first} | {stats} | {steady} |")
    if breakdown:
        _print_breakdown(bench, rows)


def _print_breakdown(bench: Bench, rows: list[tuple[str, str]]) -> None:
    """Print the requests per route over the day, for each configuration and size."""
    for label, name in rows:
        parts = {p.size: p for p in bench.participants if p.name == name}
        routes = sorted({route for part in parts.values() for route in part.by_route})
        print(f"\n{label}: requests per route, N = 1 / 10 / 100")
        print("| route | " + " | ".join(f"N = {size}" for size in SIZES) + " |")
        print("|---" * (1 + len(SIZES)) + "|")
        for route in routes:
            counts = " | ".join(str(parts[size].by_route.get(route, 0)) for size in SIZES)
            print(f"| `{route}` | {counts} |")


def _print_equal(bench: Bench, breakdown: bool) -> None:
    print(
        f"\nEqual budgets, N = 1: staleness p50 / p95 / mean over {EQUAL_PROBES} car-side changes"
        " (requests counted over the day). The even spreads poll the first page of the"
        " vehicle list: as many requests as the budget, or as many polls as the budget mode"
        " made (plus their tokens)."
    )
    titles = {
        "use": "changes following use (12 an hour while charging, one every 3 hours parked)",
        "even": "changes spread evenly over the day",
    }
    for changes in CHANGES:
        print(f"\n{titles[changes]}")
        print(
            "| budget/day | Connected EV, budget mode | even spread, as many requests"
            " | even spread, as many polls |"
        )
        print("|---|---|---|---|")
        for amount in EQUAL_BUDGETS:
            cells = []
            for name in (f"budget{amount}", f"even{amount}", f"same{amount}"):
                part = next(p for p in bench.participants if p.name == f"{name}-{changes}")
                p50, p95 = bench.staleness(part)
                mean = bench.mean_staleness(part)
                cells.append(f"{p50:.1f} / {p95:.1f} / {mean:.1f} min ({part.requests})")
            print(f"| {amount} | " + " | ".join(cells) + " |")
    for amount in EQUAL_BUDGETS if breakdown else ():
        for part in bench.participants:
            if part.name.startswith((f"budget{amount}-", f"even{amount}-", f"same{amount}-")):
                print(f"{part.name}: {dict(sorted(part.by_route.items()))}")


def _print_work(work: tuple[float, float, float, float]) -> None:
    one_cpu, one_writes, all_cpu, all_writes = work
    print(
        f"\nA refresh with 100 vehicles + 100 chargers ({WORK_SAMPLES} each: the least CPU, the"
        " median of state writes; CPU of"
        " Home Assistant's thread, the sandbox on its own)"
    )
    print("| changed | CPU ms | state writes |")
    print("|---|---|---|")
    print(f"| one vehicle | {one_cpu:.1f} | {one_writes:.0f} |")
    print(f"| all devices | {all_cpu:.1f} | {all_writes:.0f} |")
    print(f"| one / all | {one_cpu / all_cpu:.1%} | {one_writes / max(all_writes, 1):.1%} |")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        metavar="PART",
        help=(
            "run only this part (repeatable; default: all): "
            "defaults, push, budget, reference (rows of the day's table), "
            "equal (equal-budget table), work (work per refresh), "
            "providers (the other providers' table)"
        ),
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also print each configuration's requests per route over the day",
    )
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    began = time.perf_counter()
    asyncio.run(main(frozenset(arguments.only or PARTS), arguments.breakdown))
    print(f"bench took {time.perf_counter() - began:.0f} s")

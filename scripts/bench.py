"""Benchmark: provider requests, refresh cost, push latency and charging confirmation.

Statistics requests (lifetime energy) are measured at setup and per refresh, and counted
per day by replaying the coordinator's own energy schedule over the day profile.

Runs the sandbox and a real Home Assistant (the test harness's ``async_test_home_assistant``)
in one process, on loopback only. Not a test: it prints a table. Run through ``scripts/bench``.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from homeassistant import loader  # noqa: E402
from homeassistant.components.application_credentials import (  # noqa: E402
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntry  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from homeassistant.setup import async_setup_component  # noqa: E402
from pytest_homeassistant_custom_component.common import (  # noqa: E402
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.connected_ev.api.models import ActionState  # noqa: E402
from custom_components.connected_ev.const import DOMAIN  # noqa: E402
from custom_components.connected_ev.energy import EnergySchedule  # noqa: E402
from custom_components.connected_ev.identifiers import entity_unique_id  # noqa: E402
from sandbox.enode.server import SandboxServer  # noqa: E402

SIZES = (1, 10, 100)
REFRESH_SAMPLES = 7
LATENCY_CHANGES = 50
SWITCH_TRIALS_PUSH = 5
SWITCH_TRIALS_POLL = 2
ACTION_DELAY = 1.0
OPTIONS = {"manual_only": False, "charging_interval": 2, "idle_interval": 7, "push_interval": 60}

# The day profile: 2 h charging (2-minute polls), 22 h idle (7-minute polls).
POLLS_ADAPTIVE = 2 * 60 / 2 + 22 * 60 / 7
POLLS_PUSH = 24 * 60 / 60
POLLS_FIXED_5 = 24 * 60 / 5
STATISTICS_ROUTE = "GET /users/{userId}/statistics/charging"


async def _admin(server: SandboxServer, method: str, route: str, **body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{server.url}/_sandbox{route}", json=body or None) as response,
    ):
        text = await response.text()
        if response.status >= 300:
            raise RuntimeError(f"{method} {route}: {response.status} {text}")
        return await response.json() if text else None


async def _requests(server: SandboxServer, route: str | None = None) -> int:
    counts = await _admin(server, "GET", "/requests")
    return int(counts["total"] if route is None else counts["byRoute"].get(route, 0))


async def _wait_for(check: Callable[[], bool], limit: float = 15.0) -> float:
    """Wait (bounded) until ``check`` holds; return the seconds it took."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > limit:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.002)
    return time.perf_counter() - start


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _setup_entry(hass: HomeAssistant, server: SandboxServer, user_id: str) -> Any:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=user_id,
        unique_id=user_id,
        data={
            "provider": "enode",
            "environment": "custom",
            "base_url": server.url,
            "user_id": user_id,
            "auth_implementation": DOMAIN,
        },
        options={**OPTIONS, "push": False},
    )
    entry.add_to_hass(hass)
    await _admin(server, "DELETE", "/requests")
    start = time.perf_counter()
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("setup failed")
    await hass.async_block_till_done()
    elapsed = time.perf_counter() - start
    return entry, elapsed, await _requests(server, STATISTICS_ROUTE)


async def _enable_push(hass: HomeAssistant, entry: Any) -> None:
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"], {**OPTIONS, "push": True}
    )
    if flow.get("step_id") != "push_enabled":
        raise RuntimeError(f"push not enabled: {flow.get('errors')}")
    await hass.config_entries.options.async_configure(flow["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)


async def _measure_refresh(server: SandboxServer, entry: Any) -> dict[str, float]:
    coordinator = entry.runtime_data.coordinator
    walls: list[float] = []
    cpus: list[float] = []
    requests: list[int] = []
    statistics_requests = 0
    for _ in range(REFRESH_SAMPLES):
        await _admin(server, "DELETE", "/requests")
        wall, cpu = time.perf_counter(), time.process_time()
        await coordinator.async_refresh()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        requests.append(await _requests(server))
        statistics_requests += await _requests(server, STATISTICS_ROUTE)
    return {
        "requests": statistics.median(requests),
        "statistics_per_refresh": statistics_requests / REFRESH_SAMPLES,
        "wall_ms": statistics.median(walls) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
    }


def _statistics_per_day(*, push: bool) -> int:
    """Replay one day of the coordinator's energy schedule (its own ``EnergySchedule``).

    The day profile: one vehicle charges on its charger for 2 h, every other device is idle
    (idle devices cost nothing after start-up; the start-up reads are not part of the day).
    Push off: charge states are seen at polls (2 min while charging, 7 min idle); push on:
    when they change (a delivery), with the hourly safety poll. A read happens when due.
    """
    start = datetime(2026, 1, 5, tzinfo=UTC)
    charge_from, charge_until = start + timedelta(hours=18), start + timedelta(hours=20)
    changes = [charge_from, charge_until] if push else []
    schedule = EnergySchedule()

    def charging(at: datetime) -> bool:
        return charge_from <= at < charge_until

    def poll_interval(at: datetime) -> timedelta:
        if push:
            return timedelta(minutes=OPTIONS["push_interval"])
        return timedelta(minutes=OPTIONS["charging_interval" if charging(at) else "idle_interval"])

    def read(at: datetime) -> int:
        due = schedule.start_reads(at)
        for device in due:
            schedule.read_succeeded(device, at)
        return len(due)

    schedule.observe({"vehicle": False, "charger": False}, start)
    read(start)
    at, next_poll, reads = start, start + poll_interval(start), 0
    while True:
        candidates = [next_poll, *(change for change in changes if change > at)]
        if (due := schedule.next_due()) is not None:
            candidates.append(due)
        at = min(candidates)
        if at >= start + timedelta(days=1):
            return reads
        if at == next_poll or at in changes:
            schedule.observe(dict.fromkeys(("vehicle", "charger"), charging(at)), at)
        if at == next_poll:
            next_poll = at + poll_interval(at)
        reads += read(at)


async def _push_latency(
    hass: HomeAssistant, server: SandboxServer, entity_id: str, vehicle_id: str
) -> list[float]:
    latencies: list[float] = []
    for i in range(LATENCY_CHANGES):
        level = 20 + i % 60
        start = time.perf_counter()
        await _admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=level)

        def updated(level: int = level) -> bool:
            state = hass.states.get(entity_id)
            return (
                state is not None
                and state.state not in ("unknown", "unavailable")
                and (float(state.state) == level)
            )

        await _wait_for(updated)
        latencies.append(time.perf_counter() - start)
    return latencies


async def _switch_times(
    hass: HomeAssistant, entry: Any, entity_id: str, vehicle_id: str, trials: int
) -> list[float]:
    coordinator = entry.runtime_data.coordinator
    times: list[float] = []
    for trial in range(trials):
        service = "turn_on" if trial % 2 == 0 else "turn_off"
        start = time.perf_counter()
        await hass.services.async_call("switch", service, {"entity_id": entity_id}, blocking=True)

        def confirmed() -> bool:
            action = coordinator.pending_action(vehicle_id)
            return action is None or action.state is ActionState.CONFIRMED

        await _wait_for(confirmed, limit=30)
        times.append(time.perf_counter() - start)
        await hass.async_block_till_done(wait_background_tasks=True)
        await _wait_for(lambda: coordinator.pending_action(vehicle_id) is None, limit=30)
    return times


def _entity(hass: HomeAssistant, entry: ConfigEntry, domain: str, device_id: str, key: str) -> str:
    unique_id = entity_unique_id(entry, device_id, key)
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    if entity_id is None:
        raise RuntimeError(f"no {domain} {key}")
    return entity_id


async def main() -> None:
    """Run every measurement and print the table."""
    rows: dict[int, dict[str, float]] = {}
    async with (
        SandboxServer(action_delay=ACTION_DELAY) as server,
        async_test_home_assistant() as hass,
    ):
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        await async_setup_component(hass, "application_credentials", {})
        await async_setup_component(hass, "http", {})
        await async_import_client_credential(
            hass, DOMAIN, ClientCredential(server.client_id, server.client_secret), DOMAIN
        )
        entries: dict[int, Any] = {}
        devices: dict[int, tuple[str, str]] = {}
        for size in SIZES:
            user = f"bench-{size}"
            seeded = await _admin(
                server, "POST", f"/users/{user}/seed", vehicles=size, chargers=size
            )
            devices[size] = (seeded["vehicleIds"][0], seeded["chargerIds"][0])
            entries[size], setup, setup_statistics = await _setup_entry(hass, server, user)
            rows[size] = {"setup_ms": setup * 1000, "setup_statistics": setup_statistics}
        poll_user = "bench-poll"
        seeded = await _admin(server, "POST", f"/users/{poll_user}/seed", vehicles=1, chargers=1)
        poll_devices = (seeded["vehicleIds"][0], seeded["chargerIds"][0])
        poll_entry, _, _ = await _setup_entry(hass, server, poll_user)

        # Every route is registered: start Home Assistant's HTTP server on loopback.
        http = TestServer(hass.http.app, host="127.0.0.1")  # type: ignore[union-attr]
        await http.start_server()
        hass.config.external_url = f"http://127.0.0.1:{http.port}"
        try:
            for size in SIZES:
                rows[size] |= await _measure_refresh(server, entries[size])
            for size in SIZES:
                await _enable_push(hass, entries[size])

            vehicle_id, charger_id = devices[1]
            battery = _entity(hass, entries[1], "sensor", vehicle_id, "battery_level")
            latencies = await _push_latency(hass, server, battery, vehicle_id)

            await _admin(server, "POST", f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)
            await entries[1].runtime_data.coordinator.async_refresh()
            switch = _entity(hass, entries[1], "switch", vehicle_id, "charging")
            push_switch = await _switch_times(
                hass, entries[1], switch, vehicle_id, SWITCH_TRIALS_PUSH
            )

            vehicle_id, charger_id = poll_devices
            await _admin(server, "POST", f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)
            await poll_entry.runtime_data.coordinator.async_refresh()
            switch = _entity(hass, poll_entry, "switch", vehicle_id, "charging")
            poll_switch = await _switch_times(
                hass, poll_entry, switch, vehicle_id, SWITCH_TRIALS_POLL
            )
        finally:
            for entry in [*entries.values(), poll_entry]:
                with contextlib.suppress(Exception):
                    await hass.config_entries.async_unload(entry.entry_id)
            await http.close()
            await hass.async_stop(force=True)

    _print(rows, latencies, push_switch, poll_switch)


def _print(
    rows: dict[int, dict[str, float]],
    latencies: list[float],
    push_switch: list[float],
    poll_switch: list[float],
) -> None:
    stats_poll, stats_push = _statistics_per_day(push=False), _statistics_per_day(push=True)
    print("\nProvider requests (sandbox /_sandbox/requests), refresh cost, setup time")
    print(
        "| N (vehicles + chargers each) | requests/refresh | requests/day adaptive (push off)"
        " | requests/day push on (60-min safety poll) | requests/day fixed 5-min poll"
        " | fixed / push on | refresh wall ms (median) | refresh CPU ms (median)"
        " | entry setup ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size, row in rows.items():
        per = row["requests"]
        adaptive = per * POLLS_ADAPTIVE + stats_poll
        push = per * POLLS_PUSH + stats_push
        fixed = per * POLLS_FIXED_5 + stats_poll
        print(
            f"| {size} + {size} | {per:.0f} | {adaptive:.0f} | {push:.0f} | {fixed:.0f}"
            f" | {fixed / push:.1f}x | {row['wall_ms']:.1f} | {row['cpu_ms']:.1f}"
            f" | {row['setup_ms']:.0f} |"
        )
    print(
        f"\nrequests/day = requests/refresh x polls/day + statistics requests/day; polls/day:"
        f" adaptive = 2h x 60/2 + 22h x 60/7 = {POLLS_ADAPTIVE:.1f}, push on = 24h x 60/60 ="
        f" {POLLS_PUSH:.0f}, fixed = 24h x 60/5 = {POLLS_FIXED_5:.0f} (push on: + 1 test request"
        " per setup)."
    )
    print("\nStatistics requests (lifetime energy sensors)")
    print("| N (vehicles + chargers each) | at setup (measured) | per idle refresh (measured) |")
    print("|---|---|---|")
    for size, row in rows.items():
        print(
            f"| {size} + {size} | {row['setup_statistics']:.0f}"
            f" | {row['statistics_per_refresh']:.0f} |"
        )
    print("\n| day profile (schedule replay) | push off | push on |")
    print("|---|---|---|")
    print(
        f"| statistics requests/day, 2 h charging (1 vehicle on its charger) + 22 h idle"
        f" | {stats_poll} | {stats_push} |"
    )
    ms = [value * 1000 for value in latencies]
    print("\nLatency, change at the provider (admin PATCH batteryLevel) -> new HA state")
    print("| path | p50 | p95 | max | n |")
    print("|---|---|---|---|---|")
    print(
        f"| push (sandbox change detection tick 0.5 s included) | {_pct(ms, 0.5):.0f} ms"
        f" | {_pct(ms, 0.95):.0f} ms | {max(ms):.0f} ms | {len(ms)} |"
    )
    print("| poll only | 3.5 min avg | - | 7 min idle (2 min charging) | formula |")
    print(
        f"\nCharging switch: turn_on/turn_off -> CONFIRMED (sandbox action delay {ACTION_DELAY} s)"
    )
    print("| path | median | max | n |")
    print("|---|---|---|---|")
    for name, values in (("push", push_switch), ("action poll (5 s)", poll_switch)):
        print(
            f"| {name} | {statistics.median(values):.2f} s | {max(values):.2f} s | {len(values)} |"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    asyncio.run(main())
    print(f"\nbench took {time.perf_counter() - started:.0f} s")

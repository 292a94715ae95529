"""Benchmark part ``providers``: requests of Chargetrip, Connected Cars, the connectors API.

Every request is counted by the provider's own sandbox. Each sandbox runs in-process on
loopback next to the benchmark's real Home Assistant, and each account is a config entry set
up as the integration sets it up (Connected Cars through its config flow: log in, register
the device). Measured:

- Chargetrip, N = 1 / 10 / 100 connected vehicles: GraphQL requests per refresh once the
  vehicles are known, and the first refresh's (a newly authorized vehicle's data is read in
  a second request). The status subscription shares one socket and sends no requests.
- Connected Cars, N = 1 / 10 / 100 vehicles: requests per refresh (GraphQL); token requests
  (device-token logins) counted apart, per hour over simulated hours of the entry's own
  polls (every vehicle parked: every 10 minutes).
- Connectors API: requests of the ``list_remotes`` action listing all 3,255 connectors
  (pages of 1,000), and requests per refresh for a customer holding 1 / 10 / 100 remotes
  (API-key authentication: no token requests).

Not a test: ``scripts/bench --only providers`` prints the table. It needs the benchmark's
simulated clock (``bench.VirtualClock``) for the Connected Cars hours.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_EMAIL, CONF_PASSWORD, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.connectedcars import ConnectedCarsAuth
from custom_components.connected_ev.const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    DOMAIN,
)
from custom_components.connected_ev.providers.chargetrip import CONF_ACCOUNT, CONF_APP_ID
from custom_components.connected_ev.providers.connectedcars import CONF_NAMESPACE, CONF_REGION
from sandbox.chargetrip.server import ChargetripSandboxServer
from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectors.server import ConnectorsSandboxServer

SIZES = (1, 10, 100)
REFRESHES = 5
"""Refreshes averaged per measurement (each one counts the same when the cost is steady)."""
HOURS = 3
"""Simulated hours of Connected Cars polls whose token requests are counted (per hour)."""
OFFSET = 1800.0
"""Counting starts half an hour after the setup's token: no renewal falls on an edge."""
STEP = 5.0
"""Clock step through those hours: the entry's timers fire at most this late."""
CONNECTORS_TOTAL = 3255
"""The ``total`` of the connectors document's example listing."""
CHARGETRIP_USER = "bench-user"
CONNECTEDCARS_PASSWORD = "bench-password"  # noqa: S105 - a sandbox account's password
NAMESPACE = "semler:minvolkswagen"
TOKEN_PATH = "/auth/login/deviceToken"  # noqa: S105 - a path, not a secret


class Clock(Protocol):
    """The benchmark's simulated clock (``bench.VirtualClock``)."""

    def jump(self, seconds: float) -> None:
        """Move every clock of the process ahead."""

    def utcnow(self) -> datetime:
        """Return the simulated moment, as Home Assistant reads it."""


@dataclass
class Row:
    """One line of the table: a provider, what was measured, one value per column."""

    provider: str
    measure: str
    values: tuple[str, ...]
    target: str


def _mean(count: int, over: int) -> str:
    """Format ``count`` per one of ``over`` (whole when it divides evenly)."""
    value = count / over
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


async def _settle(hass: HomeAssistant) -> None:
    """Let Home Assistant finish what it started (polls run as background tasks)."""
    for _ in range(3):
        await asyncio.sleep(0)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _run_clock(hass: HomeAssistant, clock: Clock, seconds: float) -> None:
    """Move the simulated clock ahead step by step, letting Home Assistant run each step."""
    for _ in range(round(seconds / STEP)):
        clock.jump(STEP)
        await _settle(hass)


async def _refreshes(hass: HomeAssistant, entry: ConfigEntry, count: Callable[[], int]) -> int:
    """Run ``REFRESHES`` refreshes of ``entry``; return how many requests they cost."""
    coordinator = entry.runtime_data.coordinator
    before = count()
    for _ in range(REFRESHES):
        await coordinator.async_refresh()
        if not coordinator.last_update_success:
            raise RuntimeError(f"a refresh of {entry.title} failed")
        await hass.async_block_till_done()
    return count() - before


@contextlib.asynccontextmanager
async def _loaded(hass: HomeAssistant, entry: ConfigEntry) -> AsyncIterator[ConfigEntry]:
    """Set ``entry`` up (unless the flow did) and remove it afterwards."""
    if entry.state is ConfigEntryState.NOT_LOADED:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"setup of {entry.title} failed: {entry.state}")
    try:
        yield entry
    finally:
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()


def _mock_entry(hass: HomeAssistant, unique_id: str, data: dict[str, Any]) -> ConfigEntry:
    """Add an entry as the flow stores it; polling off, so only measured refreshes run."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=unique_id,
        unique_id=unique_id,
        data=data,
        version=2,
        minor_version=2,
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    return entry


async def _chargetrip(hass: HomeAssistant, size: int) -> tuple[int, int]:
    """Count the requests of the first refresh and of ``REFRESHES`` later ones."""
    async with ChargetripSandboxServer(removal_delay=0) as server:
        server.world.seed_connected(CHARGETRIP_USER, size)
        requests = server.sandbox.requests
        entry = _mock_entry(
            hass,
            f"chargetrip:bench-{size}",
            {
                CONF_PROVIDER: "chargetrip",
                CONF_ENVIRONMENT: "custom",
                CONF_BASE_URL: server.url,
                CONF_CLIENT_ID: server.client_id,
                CONF_APP_ID: server.app_id,
                CONF_TOKEN: server.issue_token(CHARGETRIP_USER),
                CONF_ACCOUNT: f"bench-{size}",
            },
        )
        async with _loaded(hass, entry):
            if len(entry.runtime_data.coordinator.data.vehicles) != size:
                raise RuntimeError("Chargetrip: not every vehicle was listed")
            first = len(requests)
            steady = await _refreshes(hass, entry, lambda: len(requests))
    return first, steady


async def _connectedcars_entry(
    hass: HomeAssistant, server: ConnectedCarsSandboxServer, email: str
) -> ConfigEntry:
    """Add the account through the config flow, as a user does."""
    flow = hass.config_entries.flow
    result = await flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flow.async_configure(result["flow_id"], {CONF_PROVIDER: "connectedcars"})
    result = await flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: server.url}
    )
    result = await flow.async_configure(
        result["flow_id"],
        {
            CONF_REGION: "semler",
            CONF_NAMESPACE: NAMESPACE,
            CONF_EMAIL: email,
            CONF_PASSWORD: CONNECTEDCARS_PASSWORD,
        },
    )
    if "result" not in result:
        raise RuntimeError(f"Connected Cars: the flow did not finish: {result.get('errors')}")
    entry: ConfigEntry = result["result"]
    await hass.async_block_till_done()
    return entry


async def _connectedcars(hass: HomeAssistant, clock: Clock, size: int) -> tuple[int, int]:
    """Count the requests of ``REFRESHES`` refreshes, and the token requests in ``HOURS``."""
    async with ConnectedCarsSandboxServer(fleet=False) as server:
        email = f"bench{size}@example.com"
        user = server.world.accounts.add_user("semler", email, CONNECTEDCARS_PASSWORD, "B", "B")
        for _ in range(size):
            server.world.add_vehicle(user, "semler")
        requests = server.sandbox.requests

        def tokens() -> int:
            return sum(r["path"].endswith(TOKEN_PATH) for r in requests)

        def others() -> int:
            return len(requests) - tokens()

        # The JWT's lifetime is read on the simulated clock, as the sandbox reads it.
        with patch.dict(ConnectedCarsAuth.__init__.__kwdefaults__ or {}, {"now": clock.utcnow}):
            entry = await _connectedcars_entry(hass, server, email)
            async with _loaded(hass, entry):
                if len(entry.runtime_data.coordinator.data.vehicles) != size:
                    raise RuntimeError("Connected Cars: not every vehicle was listed")
                per_refresh = await _refreshes(hass, entry, others)
                await _run_clock(hass, clock, OFFSET)
                renewals = tokens()
                await _run_clock(hass, clock, HOURS * 3600.0)
                renewals = tokens() - renewals
    return per_refresh, renewals


def _connectors_entry(hass: HomeAssistant, server: ConnectorsSandboxServer) -> ConfigEntry:
    """Add an API-key entry for the sandbox's customer."""
    return _mock_entry(
        hass,
        f"connectors:bench-{len(server.world.connectors)}-{server.port}",
        {
            CONF_PROVIDER: "connectors",
            CONF_ENVIRONMENT: "custom",
            CONF_BASE_URL: server.url,
            "customer_id": server.customer_id,
            "api_key": server.sandbox.api_key,
        },
    )


async def _connectors_refresh(hass: HomeAssistant, size: int) -> int:
    """Count the requests of ``REFRESHES`` refreshes, customer with ``size`` remotes."""
    async with ConnectorsSandboxServer(
        connectors=CONNECTORS_TOTAL, customer_connectors=size
    ) as server:
        requests = server.sandbox.requests
        async with _loaded(hass, _connectors_entry(hass, server)) as entry:
            if len(entry.runtime_data.coordinator.data.remotes) != size:
                raise RuntimeError("Connectors API: not every remote was listed")
            return await _refreshes(hass, entry, lambda: len(requests))


async def _connectors_list(hass: HomeAssistant) -> int:
    """Count the requests of ``list_remotes`` returning every one of 3,255 connectors."""
    async with ConnectorsSandboxServer(connectors=CONNECTORS_TOTAL) as server:
        requests = server.sandbox.requests
        async with _loaded(hass, _connectors_entry(hass, server)) as entry:
            before = len(requests)
            response = await hass.services.async_call(
                DOMAIN,
                "list_remotes",
                {"config_entry_id": entry.entry_id},
                blocking=True,
                return_response=True,
            )
            if response is None or response.get("count") != CONNECTORS_TOTAL:
                raise RuntimeError("Connectors API: the list missed connectors")
            return len(requests) - before


async def prepare(hass: HomeAssistant) -> None:
    """Set the integration up before Home Assistant's HTTP server freezes its routes."""
    if not await async_setup_component(hass, DOMAIN, {}):
        raise RuntimeError("the integration did not set up")


async def run(hass: HomeAssistant, clock: Clock) -> list[Row]:
    """Measure every row, one sandbox and one entry at a time."""
    chargetrip = [await _chargetrip(hass, size) for size in SIZES]
    connectedcars = [await _connectedcars(hass, clock, size) for size in SIZES]
    remotes = [await _connectors_refresh(hass, size) for size in SIZES]
    listed = await _connectors_list(hass)
    return [
        Row(
            "Chargetrip",
            "requests per refresh",
            tuple(_mean(steady, REFRESHES) for _, steady in chargetrip),
            "1",
        ),
        Row(
            "Chargetrip",
            "requests of the first refresh (vehicles new to it)",
            tuple(str(first) for first, _ in chargetrip),
            "-",
        ),
        Row(
            "Connected Cars",
            "requests per refresh",
            tuple(_mean(per_refresh, REFRESHES) for per_refresh, _ in connectedcars),
            "1",
        ),
        Row(
            "Connected Cars",
            "token requests per hour (the entry's own polls, cars parked)",
            tuple(_mean(tokens, HOURS) for _, tokens in connectedcars),
            "-",
        ),
        Row(
            "Connectors API",
            "requests per refresh, customer with N remotes",
            tuple(_mean(requests, REFRESHES) for requests in remotes),
            "1",
        ),
        Row("Connectors API", "requests to list 3,255 connectors", (str(listed),), "4"),
    ]


def print_table(rows: list[Row]) -> None:
    """Print the rows (nothing when the part did not run)."""
    if not rows:
        return
    print(
        "\nOther providers against their sandboxes: requests counted by the sandbox"
        f" (per refresh: the mean of {REFRESHES}); N = vehicles, or the customer's remotes"
    )
    sizes = " | ".join(f"N = {size}" for size in SIZES)
    print(f"\n| provider | measure | {sizes} | target |")
    print("|---" * (3 + len(SIZES)) + "|")
    for row in rows:
        values = list(row.values) + [""] * (len(SIZES) - len(row.values))
        print(f"| {row.provider} | {row.measure} | {' | '.join(values)} | {row.target} |")

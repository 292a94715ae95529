"""Shared fixtures: the real sandbox on loopback, a real config entry, driven refresh cycles.

Nothing below the provider is mocked: requests go over loopback sockets to the sandbox, whose
admin API injects the faults. Home Assistant's clock is fired forward instead of slept through,
and the client timeout is made small so that a slow provider costs a fraction of a second.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from functools import partial
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.enode import EnodeClient
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import entity_unique_id
from sandbox.enode.payloads import vehicle_json
from sandbox.enode.server import SandboxServer

USER_ID = "reliability-user"
CLIENT_TIMEOUT = 0.5
"""Seconds a request may take before the client gives up (20 s in production)."""
ACTION_DELAY = 2.0


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run the sandbox on a loopback port; its time only moves when a test advances it."""
    async with SandboxServer(action_delay=ACTION_DELAY, time_scale=0.0) as server:
        yield server


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialize Home Assistant objects stably, under snapshots/ like the other suites."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def short_client_timeout() -> Iterator[None]:
    """Give the Enode client a short request timeout, so timeouts cost little real time."""
    with patch(
        "custom_components.connected_ev.providers.enode.EnodeClient",
        partial(EnodeClient, request_timeout=CLIENT_TIMEOUT),
    ):
        yield


async def admin(server: SandboxServer, method: str, route: str, /, **body: Any) -> Any:
    """Call the sandbox's admin API (``/_sandbox...``) and return its JSON."""
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{server.url}/_sandbox{route}", json=body or None) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json() if response.status != 204 else None


async def inject(server: SandboxServer, path: str, /, **options: Any) -> None:
    """Inject a fault for requests whose path matches ``path``."""
    await admin(server, "POST", "/faults", path=path, **options)


async def clear_faults(server: SandboxServer) -> None:
    """Remove every injected fault."""
    await admin(server, "DELETE", "/faults")


def requests(server: SandboxServer, route: str | None = None) -> int:
    """Count the API requests the sandbox served since the last reset (one route, or all)."""
    counts: dict[str, Any] = server.sandbox.counters.as_json()
    if route is None:
        return int(counts["total"])
    return int(counts["byRoute"].get(route, 0))


async def setup_entry(
    hass: HomeAssistant,
    server: SandboxServer,
    *,
    vehicles: int = 1,
    chargers: int = 1,
    user_id: str = USER_ID,
) -> tuple[MockConfigEntry, list[str], list[str]]:
    """Seed devices, store the sandbox client as credentials and set up a real entry."""
    seeded = await admin(
        server, "POST", f"/users/{user_id}/seed", vehicles=vehicles, chargers=chargers
    )
    # The sandbox reports a seeded device's first sync (its real values) as an update on its
    # next tick. Taken now, while no webhook exists, it is never delivered: once push is on it
    # would land at a moment set by the machine's load, over the events a test delivers.
    await server.settle()
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(server.client_id, server.client_secret), DOMAIN
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Sandbox",
        unique_id=user_id,
        data={
            "provider": "enode",
            "environment": "custom",
            "base_url": server.url,
            "user_id": user_id,
            "auth_implementation": DOMAIN,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry, seeded["vehicleIds"], seeded["chargerIds"]


async def next_cycle(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Fire Home Assistant's clock to the coordinator's next scheduled refresh and wait."""
    interval = entry.runtime_data.coordinator.update_interval
    assert interval is not None
    await fire(hass, interval + timedelta(seconds=1))


async def fire(hass: HomeAssistant, delta: timedelta) -> None:
    """Run the timers due within ``delta`` from now, and everything they start."""
    async_fire_time_changed(hass, dt_util.utcnow() + delta)
    await hass.async_block_till_done(wait_background_tasks=True)


def entity_state(hass: HomeAssistant, domain: str, device_id: str, key: str) -> State:
    """Return the state of a device's entity, found by its unique id."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    unique_id = entity_unique_id(entry, device_id, key)
    entity_id = er.async_get(hass).async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None, f"no {domain} {key}"
    state = hass.states.get(entity_id)
    assert state is not None
    return state


def warnings_from_integration(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """Warning-or-worse records of the integration's loggers (the coordinator logs there)."""
    return [
        record
        for record in records
        if record.levelno >= logging.WARNING
        and record.name.startswith("custom_components.connected_ev")
    ]


def reauth_flows(hass: HomeAssistant) -> list[Any]:
    """Return the reauth flows in progress for the integration."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"].get("source") == "reauth"
    ]


PUSH_OPTIONS = {
    "push": True,
    "manual_only": False,
    "charging_interval": 2,
    "idle_interval": 7,
    "push_interval": 60,
}


async def enable_push(hass: HomeAssistant, entry: MockConfigEntry, port: int) -> dict[str, Any]:
    """Turn push on through the options flow; Home Assistant listens on loopback ``port``.

    Returns the stored registration (webhook id and secret).
    """
    hass.config.external_url = f"http://127.0.0.1:{port}"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], PUSH_OPTIONS)
    assert result["step_id"] == "push_enabled", result.get("errors")
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    registration: dict[str, Any] = entry.data["push_registration"]
    return registration


def sign(secret: str, body: bytes) -> str:
    """Sign a delivery the way Enode does."""
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def vehicle_event(server: SandboxServer, vehicle_id: str, battery: float) -> dict[str, Any]:
    """Build a ``user:vehicle:updated`` event from the sandbox's payload, with a battery level."""
    world = server.sandbox.world
    vehicle = vehicle_json(world, world.vehicles[vehicle_id])
    vehicle["chargeState"] = {**vehicle["chargeState"], "batteryLevel": battery}
    return {
        "event": "user:vehicle:updated",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "version": "2024-10-01",
        "user": {"id": vehicle["userId"]},
        "vehicle": vehicle,
        "updatedFields": ["chargeState.batteryLevel"],
    }

"""End to end: Home Assistant drives a sandbox vehicle through plug-in, start and charging.

Everything real but the clock: the sandbox's simulated time is advanced by the test, and
Home Assistant's action poll is fired by the test instead of waiting five seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.connected_ev.const import ACTION_POLL_INTERVAL, DOMAIN
from sandbox.server import SandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

USER_ID = "e2e-user"
ACTION_DELAY = 2.0


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run the sandbox on a loopback port, with quick actions."""
    async with SandboxServer(action_delay=ACTION_DELAY) as server:
        yield server


async def _admin(server: SandboxServer, route: str, **body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/_sandbox{route}", json=body) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json()


def _entity_id(entity_registry: er.EntityRegistry, domain: str, device_id: str, key: str) -> str:
    entity_id = entity_registry.async_get_entity_id(domain, DOMAIN, f"{device_id}_{key}")
    assert entity_id is not None, f"no {domain} {key} for {device_id}"
    return entity_id


async def test_plug_start_and_charge(
    hass: HomeAssistant, server: SandboxServer, entity_registry: er.EntityRegistry
) -> None:
    """Plugged in, the vehicle names its charger; started, it charges and its SoC rises."""
    seeded = await _admin(server, f"/users/{USER_ID}/seed", vehicles=1, chargers=1)
    (vehicle_id,) = seeded["vehicleIds"]
    (charger_id,) = seeded["chargerIds"]

    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(server.client_id, server.client_secret), DOMAIN
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Sandbox",
        unique_id=USER_ID,
        data={
            "provider": "enode",
            "environment": "custom",
            "base_url": server.url,
            "user_id": USER_ID,
            "auth_implementation": DOMAIN,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinator

    await _admin(server, f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    charger_name = (
        hass.states.get(_entity_id(entity_registry, "sensor", charger_id, "charge_rate"))
        .attributes["friendly_name"]
        .removesuffix(" Charge rate")
    )
    plugged_in = hass.states.get(
        _entity_id(entity_registry, "sensor", vehicle_id, "plugged_in_charger")
    )
    assert plugged_in.state == charger_name
    assert plugged_in.attributes["charger_id"] == charger_id
    battery_id = _entity_id(entity_registry, "sensor", vehicle_id, "battery_level")
    battery_before = float(hass.states.get(battery_id).state)

    switch_id = _entity_id(entity_registry, "switch", vehicle_id, "charging")
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch_id}, blocking=True
    )
    assert hass.states.get(switch_id).state == STATE_ON
    assert coordinator.pending_action(vehicle_id) is not None

    await server.advance(ACTION_DELAY + 1)
    for _ in range(20):  # the poll and the refresh it triggers go over real sockets
        async_fire_time_changed(hass, dt_util.utcnow() + ACTION_POLL_INTERVAL)
        await hass.async_block_till_done(wait_background_tasks=True)
        if coordinator.pending_action(vehicle_id) is None:
            break
        await asyncio.sleep(0.05)
    assert coordinator.pending_action(vehicle_id) is None
    assert hass.states.get(switch_id).state == STATE_ON
    assert coordinator.update_interval < timedelta(minutes=5)  # charging: polled faster

    await server.advance(30 * 60)
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert float(hass.states.get(battery_id).state) > battery_before
    assert hass.states.get(switch_id).state == STATE_ON

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

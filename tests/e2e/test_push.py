"""End to end: push turned on in the options, the sandbox delivers, entities follow at once.

Home Assistant's HTTP server listens on a loopback port (the test client's server), which is
set as the external URL, so the sandbox (which only delivers to loopback) can reach it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.options import DEFAULT_PUSH_INTERVAL
from custom_components.connected_ev.push import PushHealth
from sandbox.server import SandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

USER_ID = "e2e-push-user"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run the sandbox on a loopback port."""
    async with SandboxServer(action_delay=1.0) as server:
        yield server


async def _admin(server: SandboxServer, method: str, route: str, **body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{server.url}/_sandbox{route}", json=body) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json()


async def test_push_updates_without_a_poll(
    hass: HomeAssistant,
    server: SandboxServer,
    entity_registry: er.EntityRegistry,
    hass_client_no_auth: Callable[[], Coroutine[Any, Any, TestClient]],
) -> None:
    """Enable push, change the battery level at the sandbox: the sensor follows, no poll."""
    seeded = await _admin(server, "POST", f"/users/{USER_ID}/seed", vehicles=1, chargers=1)
    (vehicle_id,) = seeded["vehicleIds"]
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
    # Routes are all registered now: start the HTTP server the sandbox will push to.
    client = await hass_client_no_auth()
    hass.config.external_url = f"http://127.0.0.1:{client.server.port}"

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "push": True,
            "manual_only": False,
            "charging_interval": 2,
            "idle_interval": 7,
            "push_interval": 60,
        },
    )
    assert result["type"] is FlowResultType.FORM, result.get("errors")
    assert result["step_id"] == "push_enabled"  # the sandbox's test delivery arrived
    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    push = entry.runtime_data.push
    assert push.health is PushHealth.HEALTHY  # the startup test delivered again
    assert entry.runtime_data.coordinator.update_interval == DEFAULT_PUSH_INTERVAL

    battery_id = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{vehicle_id}_battery_level"
    )
    assert battery_id is not None
    async with aiohttp.ClientSession() as session:
        await session.delete(f"{server.url}/_sandbox/requests")
    await _admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=12)
    await server.settle()
    await hass.async_block_till_done()

    assert float(hass.states.get(battery_id).state) == 12
    counts = await _admin(server, "GET", "/requests")
    assert not any(route.startswith("GET /vehicles") for route in counts["byRoute"]), counts

    # Disabling deletes the webhook at the sandbox.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "push": False,
            "manual_only": False,
            "charging_interval": 2,
            "idle_interval": 7,
            "push_interval": 60,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert server.sandbox.world.webhooks == {}
    assert await hass.config_entries.async_unload(entry.entry_id)

"""End to end: a Connectors API account against the connectors sandbox on loopback.

Nothing is mocked: the config flow tests the credentials against the sandbox (OAuth2 client
credentials from its token endpoint), the entry sets up for real, the customer's connectors
become devices, and a connector is claimed by name and PIN, then released. Connectors a partner
assigns or releases in its own tools (the sandbox's admin API) follow at the next polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.connected_ev.const import CONF_PROVIDER, DOMAIN
from custom_components.connected_ev.device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from sandbox.connectors.server import ConnectorsSandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

CUSTOMER = "160c0c4b-9966-4dc1-a916-8407eb10d74e"
TIME_LIMIT = 60
SECOND = timedelta(seconds=1)


@pytest.fixture
async def sandbox() -> AsyncIterator[ConnectorsSandboxServer]:
    """Run the connectors sandbox with the document's 3,255 connectors."""
    async with ConnectorsSandboxServer(connectors=3255, time_scale=0) as server:
        yield server


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def _add_account(hass: HomeAssistant, sandbox: ConnectorsSandboxServer) -> ConfigEntry:
    """Add the customer's account through the config flow (OAuth2 client credentials)."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "connectors"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "base_url": sandbox.url,
            "customer_id": CUSTOMER,
            "client_id": sandbox.sandbox.client_id,
            "client_secret": sandbox.sandbox.client_secret,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry: ConfigEntry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def test_add_account_claim_and_release(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    sandbox: ConnectorsSandboxServer,
) -> None:
    """Config flow → entry → the customer's connectors as devices → claim → release."""
    async with asyncio.timeout(TIME_LIMIT):
        entry = await _add_account(hass, sandbox)
        coordinator = entry.runtime_data.coordinator
        mine = {c.id for c in sandbox.world.connectors.values() if c.customer_id == CUSTOMER}
        assert set(coordinator.data.remotes) == mine
        assert not coordinator.data.vehicles

        # Each connector is a device: name, type as model, versions on the card.
        some_id = next(iter(mine))
        simulated = sandbox.world.connectors[some_id]
        device = device_registry.async_get_device_by_identifier(
            device_identifier(entry, some_id), entry.entry_id
        )
        assert device is not None
        assert (device.name, device.model) == (simulated.name, simulated.type.capitalize())
        assert (device.hw_version, device.sw_version) == (
            simulated.hardware_version,
            simulated.software_version,
        )
        sensor = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, entity_unique_id(entry, some_id, "remote_assignment")
        )
        assert sensor is not None
        assert hass.states.get(sensor).state == "this_customer"

        # Claim a free connector by name and PIN: it appears without a restart.
        free = next(
            c
            for c in sandbox.world.connectors.values()
            if c.customer_id is None and c.pin is not None
        )
        claimed = await _call(
            hass,
            "claim_remote",
            {"config_entry_id": entry.entry_id, "name": free.name, "pin": free.pin},
        )
        assert claimed["id"] == free.id
        assert "pin" not in claimed
        assert free.customer_id == CUSTOMER
        await hass.async_block_till_done()
        new_device = device_registry.async_get_device_by_identifier(
            device_identifier(entry, free.id), entry.entry_id
        )
        assert new_device is not None

        # Release it: the device disappears without a restart.
        await hass.services.async_call(
            DOMAIN, "release_remote", {"device_id": new_device.id}, blocking=True
        )
        await hass.async_block_till_done()
        assert free.customer_id is None
        assert (
            device_registry.async_get_device_by_identifier(
                device_identifier(entry, free.id), entry.entry_id
            )
            is None
        )

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def _assign_elsewhere(
    sandbox: ConnectorsSandboxServer, connector_id: str, customer_id: str | None
) -> None:
    """Assign or release a connector as the partner's own tools do, over HTTP."""
    url = f"{sandbox.url}/_sandbox/connectors/{connector_id}"
    async with (
        aiohttp.ClientSession() as session,
        session.patch(url, json={"customer_id": customer_id}) as response,
    ):
        assert response.status == 200, await response.text()


async def _next_poll(
    hass: HomeAssistant, entry: ConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """Let the entry's own schedule run its next refresh (no refresh called by hand)."""
    coordinator = entry.runtime_data.coordinator
    assert coordinator.update_interval is not None
    sandbox.sandbox.requests.clear()
    # The schedule rounds to whole seconds plus a fraction: one second later it is due.
    async_fire_time_changed(hass, dt_util.utcnow() + coordinator.update_interval + SECOND)
    await hass.async_block_till_done(wait_background_tasks=True)  # the poll runs there
    assert [r["path"] for r in sandbox.sandbox.requests] == ["/v2/customers/connectors"]
    assert coordinator.last_update_success


async def test_assigned_and_released_elsewhere_follow_without_a_restart(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    sandbox: ConnectorsSandboxServer,
) -> None:
    """Assigned elsewhere: a device at the next poll. Released elsewhere: gone after polls.

    A released connector's entity is unavailable from the next poll; its device goes once
    ``ABSENT_REFRESHES_BEFORE_REMOVAL`` polls in a row missed it (a glitch removes nothing).
    """
    # Bounded by the module's time limit: an asyncio timeout would fire with the polls' timers.
    entry = await _add_account(hass, sandbox)
    free = next(c for c in sandbox.world.connectors.values() if c.customer_id is None)
    identifier = device_identifier(entry, free.id)
    unique_id = entity_unique_id(entry, free.id, "remote_assignment")

    await _assign_elsewhere(sandbox, free.id, CUSTOMER)
    assert device_registry.async_get_device_by_identifier(identifier, entry.entry_id) is None
    await _next_poll(hass, entry, sandbox)
    device = device_registry.async_get_device_by_identifier(identifier, entry.entry_id)
    assert device is not None
    assert (device.name, device.sw_version) == (free.name, free.software_version)
    sensor = entity_registry.async_get_entity_id("sensor", DOMAIN, unique_id)
    assert sensor is not None
    assert hass.states.get(sensor).state == "this_customer"

    await _assign_elsewhere(sandbox, free.id, None)
    await _next_poll(hass, entry, sandbox)
    assert hass.states.get(sensor).state == "unavailable"
    for _ in range(ABSENT_REFRESHES_BEFORE_REMOVAL - 1):
        await _next_poll(hass, entry, sandbox)
    assert device_registry.async_get_device_by_identifier(identifier, entry.entry_id) is None
    assert entity_registry.async_get_entity_id("sensor", DOMAIN, unique_id) is None

    assert await hass.config_entries.async_unload(entry.entry_id)

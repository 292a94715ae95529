"""End to end: a Connectors API account against the connectors sandbox on loopback.

Nothing is mocked: the config flow tests the credentials against the sandbox (OAuth2 client
credentials from its token endpoint), the entry sets up for real, the customer's connectors
become devices, and a connector is claimed by name and PIN, then released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.connected_ev.const import CONF_PROVIDER, DOMAIN
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from sandbox.connectors.server import ConnectorsSandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

CUSTOMER = "160c0c4b-9966-4dc1-a916-8407eb10d74e"
TIME_LIMIT = 60


@pytest.fixture
async def sandbox() -> AsyncIterator[ConnectorsSandboxServer]:
    """Run the connectors sandbox with the document's 3,255 connectors."""
    async with ConnectorsSandboxServer(connectors=3255, time_scale=0) as server:
        yield server


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_add_account_claim_and_release(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    sandbox: ConnectorsSandboxServer,
) -> None:
    """Config flow → entry → the customer's connectors as devices → claim → release."""
    async with asyncio.timeout(TIME_LIMIT):
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
        entry = result["result"]
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
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

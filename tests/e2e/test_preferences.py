"""End to end: a location from the home zone, the charger placed there, preferences set.

Everything real: Home Assistant's actions talk to the sandbox over a loopback socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier
from sandbox.enode.server import SandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

USER_ID = "e2e-preferences"


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """Run the sandbox on a loopback port."""
    async with SandboxServer() as server:
        yield server


async def _admin(server: SandboxServer, route: str, **body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/_sandbox{route}", json=body) as response,
    ):
        assert response.status < 300, await response.text()
        return await response.json()


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any], response: bool) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def test_location_charger_and_preferences(hass: HomeAssistant, server: SandboxServer) -> None:
    """Create a location at home, place the charger, set preferences and read them back."""
    seeded = await _admin(server, f"/users/{USER_ID}/seed", vehicles=1, chargers=1)
    (vehicle_id,) = seeded["vehicleIds"]
    (charger_id,) = seeded["chargerIds"]
    await hass.config.async_update(latitude=59.9139, longitude=10.7522)
    await hass.config.async_set_time_zone("Europe/Oslo")

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
    devices = dr.async_get(hass)
    vehicle = devices.async_get_device_by_identifier(
        device_identifier(entry, vehicle_id), entry.entry_id
    )
    charger = devices.async_get_device_by_identifier(
        device_identifier(entry, charger_id), entry.entry_id
    )
    assert vehicle is not None
    assert charger is not None

    location = await _call(
        hass, "create_location", {"config_entry_id": entry.entry_id, "name": "Home"}, True
    )
    assert location["latitude"] == pytest.approx(59.9139)
    assert location["timezone"] == "Europe/Oslo"

    await _call(
        hass,
        "set_charger_location",
        {"device_id": charger.id, "location_id": location["id"]},
        False,
    )
    listed = await _call(hass, "list_locations", {"config_entry_id": entry.entry_id}, True)
    assert listed["locations"] == [{**location, "charger_ids": [charger_id]}]

    await _call(
        hass,
        "set_charging_preferences",
        {"device_id": vehicle.id, "ready_time": "07:00", "minimal_soc": 20},
        False,
    )
    await _call(
        hass,
        "set_charging_preferences",
        {"device_id": vehicle.id, "charging_behavior": "at_location"},
        False,
    )

    # Restart: everything comes back from the sandbox.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    read = await _call(hass, "get_charging_preferences", {"device_id": vehicle.id}, True)
    assert read["charging_behavior"] == "at_location"
    assert read["ready_time"] == "07:00"
    assert read["minimal_soc"] == {"value": 20, "unit": "percent"}
    charger_location = next(
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("location_id") == location["id"]
    )
    assert charger_location.state == "Home"

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

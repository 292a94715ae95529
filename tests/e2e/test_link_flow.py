"""End to end: the whole user journey against the Enode sandbox on loopback.

Nothing is mocked: the config flow links a vehicle and a charger through the sandbox's Link
UI (an aiohttp session plays the browser and hands the redirect to Home Assistant's callback
view), the entry sets up for real, and the vehicle is plugged in, started and charged. Only
the clocks are driven by the test: the sandbox's simulated time, and Home Assistant's action
poll, fired instead of waited for.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_ON, STATE_ON
from homeassistant.core import HomeAssistant, State
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.const import (
    ACTION_POLL_INTERVAL,
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from sandbox.enode.server import SandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

HA_URL = "http://127.0.0.1:8123"
TIME_LIMIT = 60
ACTION_DELAY = 2.0


@pytest.fixture
async def flow_browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser (the sandbox sends its webhooks with it too)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def flow_sandbox(flow_browser: aiohttp.ClientSession) -> AsyncIterator[SandboxServer]:
    """Run the Enode sandbox on an ephemeral loopback port, with quick actions."""
    async with SandboxServer(action_delay=ACTION_DELAY, session=flow_browser) as server:
        yield server


async def _start_flow(hass: HomeAssistant, sandbox: SandboxServer) -> ConfigFlowResult:
    """Store the sandbox's client as application credentials; fill in the flow's forms."""
    await async_process_ha_core_config(hass, {"internal_url": HA_URL})
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(sandbox.client_id, sandbox.client_secret, "Sandbox"),
        "sandbox",
    )
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "enode"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: sandbox.url}
    )
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    assert result["url"].startswith(sandbox.url)
    return result


async def _link_through_ui(
    browser: aiohttp.ClientSession, link_url: str, action: str = "continue"
) -> str:
    """Do what a person does on the Link UI page; return where the browser is sent."""
    async with browser.get(link_url) as page:
        assert page.status == 200
        html = await page.text()
    vendor = re.search(r'name="vendor"[^>]*value="([^"]+)"', html) or re.search(
        r'<option value="([^"]+)"', html
    )
    assert vendor is not None
    form = {"vendor": vendor.group(1), "device": "", "action": action}
    async with browser.post(link_url, data=form, allow_redirects=False) as resp:
        assert resp.status == 302
        return resp.headers["Location"]


async def _come_back(hass_client_no_auth: ClientSessionGenerator, location: str) -> None:
    """Follow the redirect to Home Assistant's callback, as the browser would."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == HA_URL
    assert parts.path == LINK_CALLBACK_PATH
    client = await hass_client_no_auth()
    resp = await client.get(f"{parts.path}?{parts.query}")
    assert resp.status == 200


async def _admin(session: aiohttp.ClientSession, url: str, route: str, **body: Any) -> Any:
    """Act as the world does on the sandbox (plug a cable in, ...)."""
    async with session.post(f"{url}/_sandbox{route}", json=body) as response:
        assert response.status < 300, await response.text()
        return await response.json()


def _state(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, domain: str, device: str, key: str
) -> State:
    """Return the state of a device's entity, found by its unique id."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    unique_id = entity_unique_id(entry, device, key)
    entity_id = entity_registry.async_get_entity_id(domain, DOMAIN, unique_id)
    assert entity_id is not None, f"no {domain} {key}"
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def _settle_action(
    hass: HomeAssistant, coordinator: ConnectedEVCoordinator, vehicle_id: str
) -> None:
    """Fire the action poll until the coordinator stops tracking the vehicle's action.

    The poll and the refresh it triggers go over real sockets, so one firing may not do.
    """
    for _ in range(20):
        async_fire_time_changed(hass, dt_util.utcnow() + ACTION_POLL_INTERVAL)
        await hass.async_block_till_done(wait_background_tasks=True)
        if coordinator.pending_action(vehicle_id) is None:
            return
        await asyncio.sleep(0.05)
    pytest.fail("the charge action was still pending")


async def test_link_set_up_plug_in_and_charge(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    flow_browser: aiohttp.ClientSession,
    flow_sandbox: SandboxServer,
) -> None:
    """Set up, link a vehicle and a charger, plug in, start: the vehicle charges."""
    async with asyncio.timeout(TIME_LIMIT):
        # Config flow: credentials and environment, then both link sessions.
        result = await _start_flow(hass, flow_sandbox)
        await _come_back(hass_client_no_auth, await _link_through_ui(flow_browser, result["url"]))
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.MENU
        assert result["step_id"] == "link_more"

        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "link_charger"}
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP
        await _come_back(hass_client_no_auth, await _link_through_ui(flow_browser, result["url"]))
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.CREATE_ENTRY

        entry = result["result"]
        assert entry.title == "Enode (custom)"
        assert entry.data[CONF_ENVIRONMENT] == "custom"
        assert entry.data[CONF_BASE_URL] == flow_sandbox.url
        assert entry.data[CONF_AUTH_IMPLEMENTATION] == "sandbox"
        assert entry.data[CONF_USER_ID].startswith("ha-")

        # The entry sets up for real with the linked devices.
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data.coordinator
        (vehicle_id,) = coordinator.data.vehicles
        (charger_id,) = coordinator.data.chargers
        assert coordinator.data.vehicles[vehicle_id].user_id == entry.data[CONF_USER_ID]
        charger_device = device_registry.async_get_device_by_identifier(
            device_identifier(entry, charger_id), entry.entry_id
        )
        assert charger_device is not None
        assert charger_device.name

        # Plugged in: the vehicle names its charger.
        await _admin(
            flow_browser, flow_sandbox.url, f"/vehicles/{vehicle_id}/plug", chargerId=charger_id
        )
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        plugged_in = _state(hass, entity_registry, "sensor", vehicle_id, "plugged_in_charger")
        assert plugged_in.state == charger_device.name
        assert plugged_in.attributes["charger_id"] == charger_id
        battery_before = float(
            _state(hass, entity_registry, "sensor", vehicle_id, "battery_level").state
        )

        # Started: on at once, confirmed once the sandbox carried the action out.
        switch_id = _state(hass, entity_registry, "switch", vehicle_id, "charging").entity_id
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch_id}, blocking=True
        )
        assert _state(hass, entity_registry, "switch", vehicle_id, "charging").state == STATE_ON
        assert coordinator.pending_action(vehicle_id) is not None
        await flow_sandbox.advance(ACTION_DELAY + 1)
        await _settle_action(hass, coordinator, vehicle_id)
        assert _state(hass, entity_registry, "switch", vehicle_id, "charging").state == STATE_ON
        assert coordinator.update_interval is not None
        assert coordinator.update_interval < timedelta(minutes=5)  # charging: polled faster

        # Half an hour of charging later, the battery is fuller.
        await flow_sandbox.advance(30 * 60)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        battery_after = _state(hass, entity_registry, "sensor", vehicle_id, "battery_level")
        assert float(battery_after.state) > battery_before
        assert _state(hass, entity_registry, "switch", vehicle_id, "charging").state == STATE_ON

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_cancel_on_the_link_page_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_browser: aiohttp.ClientSession,
    flow_sandbox: SandboxServer,
) -> None:
    """Cancel on the Link UI comes back with ``error``: the flow aborts, nothing is stored."""
    async with asyncio.timeout(TIME_LIMIT):
        result = await _start_flow(hass, flow_sandbox)
        location = await _link_through_ui(flow_browser, result["url"], action="cancel")
        assert "error=" in location
        await _come_back(hass_client_no_auth, location)
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "link_cancelled"
        assert (result.get("description_placeholders") or {}).get("error_message")
        assert not hass.config_entries.async_entries(DOMAIN)

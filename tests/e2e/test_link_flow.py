"""End to end: the config flow links a sandbox vehicle and charger through the real Link UI.

The sandbox runs on loopback; the browser is played by an aiohttp session that follows the
external step's URL, submits the Link UI form and hands the redirect to Home Assistant's
callback view, exactly where a real browser would go.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from unittest.mock import AsyncMock, patch
from urllib.parse import urlsplit

import aiohttp
import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from custom_components.connected_ev.providers import create_provider
from sandbox.server import SandboxServer

pytestmark = pytest.mark.usefixtures("socket_enabled")

HA_URL = "http://127.0.0.1:8123"
TIME_LIMIT = 60


@pytest.fixture
async def flow_browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser (the sandbox sends its webhooks with it too)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def flow_sandbox(flow_browser: aiohttp.ClientSession) -> AsyncIterator[SandboxServer]:
    """Run the Enode sandbox on an ephemeral loopback port."""
    async with SandboxServer(action_delay=1, session=flow_browser) as server:
        yield server


@pytest.fixture
def flow_setup_entry() -> Iterator[AsyncMock]:
    """Keep entry setup (another test's subject) out of the link flow."""
    with patch("custom_components.connected_ev.async_setup_entry", create=True) as setup:
        setup.return_value = True
        yield setup


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


@pytest.mark.usefixtures("flow_setup_entry")
async def test_link_vehicle_and_charger_through_the_sandbox(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_browser: aiohttp.ClientSession,
    flow_sandbox: SandboxServer,
) -> None:
    """Credentials, vehicle link, charger link, entry: the devices exist at the provider."""
    async with asyncio.timeout(TIME_LIMIT):
        await async_process_ha_core_config(hass, {"internal_url": HA_URL})
        assert await async_setup_component(hass, "application_credentials", {})
        await async_import_client_credential(
            hass,
            DOMAIN,
            ClientCredential(flow_sandbox.client_id, flow_sandbox.client_secret, "Sandbox"),
            "sandbox",
        )

        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "enode"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: flow_sandbox.url}
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        assert result["url"].startswith(flow_sandbox.url)

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

        provider = create_provider(
            hass, entry.data, flow_sandbox.client_id, flow_sandbox.client_secret
        )
        vehicles = await provider.async_list_vehicles()
        chargers = await provider.async_list_chargers()
        assert len(vehicles) == 1
        assert len(chargers) == 1
        assert vehicles[0].user_id == chargers[0].user_id == entry.data[CONF_USER_ID]


@pytest.mark.usefixtures("flow_setup_entry")
async def test_cancel_on_the_link_page_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    flow_browser: aiohttp.ClientSession,
    flow_sandbox: SandboxServer,
) -> None:
    """Cancel on the Link UI comes back with ``error``: the flow aborts, nothing is stored."""
    async with asyncio.timeout(TIME_LIMIT):
        await async_process_ha_core_config(hass, {"internal_url": HA_URL})
        assert await async_setup_component(hass, "application_credentials", {})
        await async_import_client_credential(
            hass,
            DOMAIN,
            ClientCredential(flow_sandbox.client_id, flow_sandbox.client_secret, "Sandbox"),
            "sandbox",
        )
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "enode"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: flow_sandbox.url}
        )
        location = await _link_through_ui(flow_browser, result["url"], action="cancel")
        assert "error=" in location
        await _come_back(hass_client_no_auth, location)
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "link_cancelled"
        assert (result.get("description_placeholders") or {}).get("error_message")
        assert not hass.config_entries.async_entries(DOMAIN)

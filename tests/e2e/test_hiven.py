"""End to end: a Hiven account against the Hiven sandbox on loopback.

Nothing is mocked: the config flow sends the browser (an aiohttp session) to the sandbox's
authorization page, Smartcar's redirect brings the code back to Home Assistant's callback
view, the flow connects the vehicle, the entry sets up for real, and the charging
preferences make a round trip through the actions.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_ev.const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_MANUFACTURER,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
)
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from sandbox.hiven.server import HivenSandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

HA_URL = "http://127.0.0.1:8123"
USER_ID = "ha-hiven-user"
TIME_LIMIT = 60


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def hiven() -> AsyncIterator[HivenSandboxServer]:
    """Run the Hiven sandbox on an ephemeral loopback port; its clock moves on demand."""
    async with HivenSandboxServer(time_scale=0) as server:
        yield server


async def _authorize(browser: aiohttp.ClientSession, url: str) -> str:
    """Pick a new car on the authorization page and allow access; return the redirect."""
    async with browser.get(url) as page:
        assert page.status == 200
        html = await page.text()
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    form["vehicle"] = "new"
    form["action"] = "continue"
    async with browser.post(URL(url).with_query(None), data=form, allow_redirects=False) as sent:
        assert sent.status == 302
        return sent.headers["Location"]


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )


async def test_connect_set_up_and_preferences(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    browser: aiohttp.ClientSession,
    hiven: HivenSandboxServer,
) -> None:
    """Config flow → authorization page → code back → entry → SoC → preferences."""
    async with asyncio.timeout(TIME_LIMIT):
        await async_process_ha_core_config(hass, {"internal_url": HA_URL, "country": "FI"})
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "hiven"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_API_KEY: hiven.api_key,
                CONF_USER_ID: USER_ID,
                CONF_ENVIRONMENT: "custom",
                CONF_BASE_URL: hiven.url,
            },
        )
        assert result["step_id"] == "hiven_vehicle", result
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_MANUFACTURER: "volkswagen", CONF_COUNTRY: "FI", CONF_MODE: "simulated"},
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        assert result["url"].startswith(hiven.url)

        location = urlsplit(await _authorize(browser, result["url"]))
        assert f"{location.scheme}://{location.netloc}{location.path}" == (
            HA_URL + LINK_CALLBACK_PATH
        )
        client = await hass_client_no_auth()
        resp = await client.get(f"{location.path}?{location.query}")
        assert resp.status == 200
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        entry = result["result"]
        assert entry.title == "Hiven (custom)"

        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data.coordinator
        (vehicle_id,) = coordinator.data.vehicles
        soc_id = entity_registry.async_get_entity_id(
            "sensor", DOMAIN, entity_unique_id(entry, vehicle_id, "battery_level")
        )
        assert soc_id is not None
        state = hass.states.get(soc_id)
        assert state is not None
        assert float(state.state) == hiven.world.cars[vehicle_id].soc

        # The first setup asked Hiven to refresh the car's capabilities, once.
        car = hiven.world.cars[vehicle_id]
        assert car.capability_refreshes == 1

        device = device_registry.async_get_device_by_identifier(
            device_identifier(entry, vehicle_id), entry.entry_id
        )
        assert device is not None
        # Smart charging anywhere needs a target and a ready time: refused in the user's
        # words before anything is written, not with Hiven's camelCase 400 text.
        with pytest.raises(HomeAssistantError) as excinfo:
            await _call(
                hass,
                "set_charging_preferences",
                {"device_id": device.id, "charging_behavior": "anywhere"},
            )
        assert excinfo.value.translation_domain == DOMAIN
        assert "target_soc and ready_time" in str(excinfo.value)
        assert "targetSoC" not in str(excinfo.value)
        assert car.preferences == {"chargingBehavior": "SMART_CHARGE_OFF"}

        written = await _call(
            hass,
            "set_charging_preferences",
            {
                "device_id": device.id,
                "charging_behavior": "anywhere",
                "target_soc": 80,
                "ready_time": "07:00",
                "weekday_ready_times": {"saturday": "10:00", "sunday": "11:30"},
                "minimal_soc": 40,
                "minimal_soc_unit": "km",
                "battery_capacity": 77,
            },
        )
        read = await _call(hass, "get_charging_preferences", {"device_id": device.id})
        assert read == written
        assert read["charging_behavior"] == "anywhere"
        assert read["ready_time"] == "07:00"
        assert read["weekday_ready_times"] == {"saturday": "10:00", "sunday": "11:30"}
        assert read["minimal_soc"] == {"value": 40, "unit": "km"}
        assert read["battery_capacity"] == 77
        assert "weekday_ready_times" in read["supported_fields"]
        # Native on Hiven: Home Assistant's weekday scheduler stays off.
        assert not entry.runtime_data.preferences.schedules_weekdays

        # Read again after a restart: everything comes back from the sandbox; the new setup
        # refreshed the capabilities once more, polls never did.
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert await _call(hass, "get_charging_preferences", {"device_id": device.id}) == read
        assert car.capability_refreshes == 2

        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


async def test_tesla_virtual_key(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    browser: aiohttp.ClientSession,
    hiven: HivenSandboxServer,
) -> None:
    """For Tesla, Smartcar's redirect names the virtual-key page: the flow sends the user."""
    async with asyncio.timeout(TIME_LIMIT):
        await async_process_ha_core_config(hass, {"internal_url": HA_URL, "country": "FI"})
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "hiven"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_API_KEY: hiven.api_key,
                CONF_USER_ID: USER_ID,
                CONF_ENVIRONMENT: "custom",
                CONF_BASE_URL: hiven.url,
            },
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_MANUFACTURER: "tesla", CONF_COUNTRY: "FI", CONF_MODE: "simulated"},
        )
        location = urlsplit(await _authorize(browser, result["url"]))
        client = await hass_client_no_auth()
        resp = await client.get(f"{location.path}?{location.query}")
        assert resp.status == 200
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "virtual_key"
        placeholders = result["description_placeholders"]
        assert placeholders is not None
        async with browser.get(placeholders["url"].replace("&amp;", "&")) as page:
            assert page.status == 200
            assert "virtual key" in await page.text()
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["type"] is FlowResultType.CREATE_ENTRY
        await hass.async_block_till_done()
        assert result["result"].state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(result["result"].entry_id)
        await hass.async_block_till_done()

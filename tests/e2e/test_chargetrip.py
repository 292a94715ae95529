"""End to end: a Chargetrip account against the Chargetrip sandbox on loopback.

Nothing is mocked: the config flow searches the sandbox's catalogue, the browser (an aiohttp
session) authorizes on its Link page and comes back to Home Assistant's callback view, the
entry sets up for real, the subscription applies status changes, and deleting a device
removes the vehicle at Chargetrip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev import async_remove_config_entry_device
from custom_components.connected_ev.const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    DOMAIN,
)
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from custom_components.connected_ev.providers.chargetrip import CONF_ACCOUNT, CONF_APP_ID
from sandbox.chargetrip.server import ChargetripSandboxServer

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

HA_URL = "http://127.0.0.1:8123"
USER = "ha-user"
TIME_LIMIT = 60


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser (and the test's admin calls)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def chargetrip() -> AsyncIterator[ChargetripSandboxServer]:
    """Run the sandbox on an ephemeral loopback port; its clock moves on demand."""
    async with ChargetripSandboxServer(time_scale=0, removal_delay=0) as server:
        yield server


async def _admin(
    browser: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    method: str,
    path: str,
    body: Any = None,
) -> Any:
    async with browser.request(method, f"{server.url}/_sandbox/{path}", json=body) as resp:
        assert resp.status < 300, await resp.text()
        return None if resp.status == 204 else await resp.json()


def _watched(server: ChargetripSandboxServer, vehicle_id: str) -> bool:
    """Whether the sandbox has a subscription open on the vehicle."""
    return server.world.subscriptions.get(vehicle_id, 0) > 0


async def _until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (the socket's messages need real I/O)."""
    async with asyncio.timeout(TIME_LIMIT):
        while not condition():  # noqa: ASYNC110 - set over real sockets, no event to await
            await asyncio.sleep(0.02)


def _data(server: ChargetripSandboxServer, token: str) -> dict[str, Any]:
    data = {
        CONF_PROVIDER: "chargetrip",
        CONF_ENVIRONMENT: "custom",
        CONF_BASE_URL: server.url,
        CONF_CLIENT_ID: server.client_id,
        CONF_APP_ID: server.app_id,
        CONF_TOKEN: token,
    }
    return {**data, CONF_ACCOUNT: "e2e-account"}


async def _seeded_entry(
    hass: HomeAssistant,
    browser: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    count: int,
) -> tuple[ConfigEntry, str]:
    """Set up an entry whose user has ``count`` authorized vehicles, set up for real."""
    token = server.issue_token(USER)
    await _admin(browser, server, "POST", "connected-vehicles", {"userId": USER, "count": count})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Chargetrip (custom)",
        data=_data(server, token),
        version=2,
        minor_version=2,
        unique_id="chargetrip:e2e-account",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry, token


async def test_link_see_and_lose_a_vehicle(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    browser: aiohttp.ClientSession,
    chargetrip: ChargetripSandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Flow → catalogue → Link page → entry → entities → removed at Chargetrip → gone."""
    caplog.set_level(logging.DEBUG)
    token = chargetrip.issue_token(USER)
    async with asyncio.timeout(TIME_LIMIT):
        await async_process_ha_core_config(hass, {"internal_url": HA_URL})
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "chargetrip"}
        )
        credentials = {
            CONF_CLIENT_ID: chargetrip.client_id,
            CONF_APP_ID: chargetrip.app_id,
            CONF_TOKEN: token,
            CONF_ENVIRONMENT: "custom",
            CONF_BASE_URL: chargetrip.url,
        }
        result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials)
        assert result["step_id"] == "chargetrip_search", result
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"search": "Model 3"}
        )
        assert result["step_id"] == "chargetrip_model", result
        schema = result["data_schema"]
        assert schema is not None
        options = next(v for k, v in schema.schema.items() if k == "model").config["options"]
        assert options
        assert all("Model 3" in option["label"] for option in options)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"model": options[0]["value"], "label": "Family car"}
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        assert result["url"].startswith(chargetrip.url)

        async with browser.post(
            result["url"], data={"action": "continue"}, allow_redirects=False
        ) as page:
            assert page.status == 302
            location = urlsplit(page.headers["Location"])
        assert (
            f"{location.scheme}://{location.netloc}{location.path}" == HA_URL + LINK_CALLBACK_PATH
        )
        client = await hass_client_no_auth()
        resp = await client.get(f"{location.path}?{location.query}")
        assert resp.status == 200
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        entry = result["result"]
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED

        coordinator = entry.runtime_data.coordinator
        (vehicle_id,) = coordinator.data.vehicles
        vehicle = coordinator.data.vehicles[vehicle_id]
        assert vehicle.information.display_name == "Family car"

        def state_of(domain: str, key: str) -> str:
            entity_id = entity_registry.async_get_entity_id(
                domain, DOMAIN, entity_unique_id(entry, vehicle_id, key)
            )
            assert entity_id is not None, key
            state = hass.states.get(entity_id)
            assert state is not None, key
            return state.state

        assert float(state_of("sensor", "battery_level")) == vehicle.charge_state.battery_level
        assert float(state_of("sensor", "charge_limit")) == vehicle.charge_state.charge_limit
        assert state_of("sensor", "charge_state_updated") not in ("unknown", "unavailable")
        assert state_of("device_tracker", "location") == "not_home"
        for absent in ("charging", "charge_limit"):
            assert (
                entity_registry.async_get_entity_id(
                    "switch", DOMAIN, entity_unique_id(entry, vehicle_id, absent)
                )
                is None
            )

        # One refresh reads everything in one request.
        await _admin(browser, chargetrip, "DELETE", "requests")
        await coordinator.async_refresh()
        requests = await _admin(browser, chargetrip, "GET", "requests")
        assert [r["operationName"] for r in requests] == ["Refresh"]

        # Chargetrip removes the vehicle: the subscription makes the device go at once.
        identifier = device_identifier(entry, vehicle_id)
        assert (
            device_registry.async_get_device_by_identifier(identifier, entry.entry_id) is not None
        )
        await _until(lambda: _watched(chargetrip, vehicle_id))
        await _admin(
            browser,
            chargetrip,
            "POST",
            f"connected-vehicles/{vehicle_id}/status",
            {"status": "pending_removal"},
        )
        await _until(
            lambda: device_registry.async_get_device_by_identifier(identifier, entry.entry_id)
            is None
        )
        assert vehicle_id not in coordinator.data.vehicles

    text = caplog.text
    assert token not in text
    assert vehicle.information.vin is not None
    assert vehicle.information.vin not in text
    assert vehicle.location is not None
    assert str(vehicle.location.latitude) not in text


async def test_delete_the_device_removes_it_at_chargetrip(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    browser: aiohttp.ClientSession,
    chargetrip: ChargetripSandboxServer,
) -> None:
    """The subscription closes first; a refusal keeps the device and says why."""
    async with asyncio.timeout(TIME_LIMIT):
        entry, _token = await _seeded_entry(hass, browser, chargetrip, 2)
        coordinator = entry.runtime_data.coordinator
        first, second = sorted(coordinator.data.vehicles)
        await _until(lambda: _watched(chargetrip, first) and _watched(chargetrip, second))

        await _admin(
            browser,
            chargetrip,
            "POST",
            "errors",
            {"field": "removeConnectedVehicle", "code": "CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED"},
        )
        device = device_registry.async_get_device_by_identifier(
            device_identifier(entry, first), entry.entry_id
        )
        assert device is not None
        with pytest.raises(HomeAssistantError) as refused:
            await async_remove_config_entry_device(hass, entry, device)
        assert refused.value.translation_key == "removal_not_allowed"
        assert first in coordinator.data.vehicles

        assert await async_remove_config_entry_device(hass, entry, device)
        assert first not in coordinator.data.vehicles
        listed = await _admin(browser, chargetrip, "GET", "state")
        statuses = {v["id"]: v["status"] for v in listed["vehicles"]}
        assert statuses[first] in ("pending_removal", "removed")
        assert statuses[second] == "authorized"
        # The stream is watching the remaining vehicle again, and only that one.
        await _until(lambda: _watched(chargetrip, second))
        assert not _watched(chargetrip, first)


async def test_expired_token_asks_for_a_new_one_once(
    hass: HomeAssistant, browser: aiohttp.ClientSession, chargetrip: ChargetripSandboxServer
) -> None:
    """AUTH_TOKEN_EXPIRED: one re-authentication flow, the entry stops polling."""
    async with asyncio.timeout(TIME_LIMIT):
        entry, token = await _seeded_entry(hass, browser, chargetrip, 1)
        await _admin(browser, chargetrip, "POST", "tokens/expire", {"token": token})
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()
        await entry.runtime_data.coordinator.async_refresh()
        await hass.async_block_till_done()
        flows = [
            flow
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == "reauth"
        ]
        assert len(flows) == 1
        assert flows[0]["step_id"] == "chargetrip_reauth"


async def test_cancel_then_link_the_same_model(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    browser: aiohttp.ClientSession,
    chargetrip: ChargetripSandboxServer,
) -> None:
    """Cancelled on the Link page: a clear abort; the next try with the same model works."""
    token = chargetrip.issue_token(USER)
    await async_process_ha_core_config(hass, {"internal_url": HA_URL})

    async def to_link_page() -> tuple[str, str]:
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_PROVIDER: "chargetrip"}
        )
        data = _data(chargetrip, token)
        data.pop(CONF_PROVIDER)
        data.pop(CONF_ACCOUNT)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        schema = result["data_schema"]
        assert schema is not None
        model = next(v for k, v in schema.schema.items() if k == "model").config["options"][0]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"model": model["value"]}
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        return result["flow_id"], result["url"]

    async def answer(url: str, action: str) -> None:
        async with browser.post(url, data={"action": action}, allow_redirects=False) as page:
            assert page.status == 302
            location = urlsplit(page.headers["Location"])
        client = await hass_client_no_auth()
        resp = await client.get(f"{location.path}?{location.query}")
        assert resp.status == 200

    async with asyncio.timeout(TIME_LIMIT):
        flow_id, url = await to_link_page()
        await answer(url, "cancel")
        result = await hass.config_entries.flow.async_configure(flow_id)
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "link_cancelled"

        flow_id, url = await to_link_page()
        await answer(url, "continue")
        result = await hass.config_entries.flow.async_configure(flow_id)
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        await hass.async_block_till_done()
        state = await _admin(browser, chargetrip, "GET", "state")
        assert sorted(v["status"] for v in state["vehicles"]) == ["authorized", "removed"]


async def test_authorization_lost_raises_a_repair_issue(
    hass: HomeAssistant, browser: aiohttp.ClientSession, chargetrip: ChargetripSandboxServer
) -> None:
    """Chargetrip puts the vehicle back to pending_authorization: the user is told at once."""
    async with asyncio.timeout(TIME_LIMIT):
        entry, _token = await _seeded_entry(hass, browser, chargetrip, 1)
        (vehicle_id,) = entry.runtime_data.coordinator.data.vehicles
        await _until(lambda: _watched(chargetrip, vehicle_id))
        await _admin(
            browser,
            chargetrip,
            "POST",
            f"connected-vehicles/{vehicle_id}/status",
            {"status": "pending_authorization"},
        )
        issues = ir.async_get(hass)
        issue_id = f"vehicle_relink_{entry.entry_id}_{vehicle_id}"
        await _until(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)

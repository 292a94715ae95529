"""End to end: a Connected Cars account against the Connected Cars sandbox on loopback.

Nothing is mocked: the config flow discovers the regions, logs in once and registers a
device; the entry sets up for real and reads every vehicle in one GraphQL request; the
sandbox's fleet drives and charges on its clock; an empty account adds its car through the
workshop page the flow opens; reauth replaces the device; removal deletes it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from yarl import URL

from custom_components.connected_ev.api.connectedcars import (
    ConnectedCarsAuth,
    ConnectedCarsClient,
    ConnectedCarsProvider,
)
from custom_components.connected_ev.const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    DOMAIN,
)
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics
from custom_components.connected_ev.flows.connectedcars import CONF_IDENTIFIER, CONF_QUERY_TYPE
from custom_components.connected_ev.identifiers import entity_unique_id
from custom_components.connected_ev.providers.connectedcars import (
    CONF_DEVICE_NAME,
    CONF_DEVICE_TOKEN,
    CONF_NAMESPACE,
    CONF_REGION,
)
from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_EMAIL, DEMO_PASSWORD, EMPTY_EMAIL

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(90)]

FLOW = "custom_components.connected_ev.flows.connectedcars"
VIN = "WVWZZZ1KZAW123456"


@pytest.fixture
async def sandbox() -> AsyncIterator[ConnectedCarsSandboxServer]:
    """Run the sandbox on an ephemeral loopback port; its clock moves on demand."""
    async with ConnectedCarsSandboxServer(time_scale=0) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(autouse=True)
async def _denmark(hass: HomeAssistant) -> None:
    await async_process_ha_core_config(hass, {"country": "DK"})


async def _add_account(
    hass: HomeAssistant, sandbox: ConnectedCarsSandboxServer, email: str, password: str
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "connectedcars"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENVIRONMENT: "custom", CONF_BASE_URL: sandbox.url}
    )
    assert result["step_id"] == "connectedcars_account"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_REGION: "semler",
            CONF_NAMESPACE: "semler:minvolkswagen",
            CONF_EMAIL: email,
            CONF_PASSWORD: password,
        },
    )


def _graphql_requests(sandbox: ConnectedCarsSandboxServer) -> list[Any]:
    return [r for r in sandbox.sandbox.requests if r["path"].endswith("/graphql")]


def _state(hass: HomeAssistant, entry: Any, domain: str, vehicle: str, key: str) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        domain, DOMAIN, entity_unique_id(entry, vehicle, key)
    )
    assert entity_id is not None, key
    return hass.states.get(entity_id)


async def _admin(
    browser: aiohttp.ClientSession, sandbox: ConnectedCarsSandboxServer, route: str, **body: Any
) -> None:
    async with browser.post(f"{sandbox.url}/_sandbox/{route}", json=body) as response:
        assert response.status < 300, await response.text()


async def test_account_fleet_and_removal(
    hass: HomeAssistant,
    sandbox: ConnectedCarsSandboxServer,
    browser: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Log in, see the fleet, drive and charge on the clock, one request a refresh."""
    caplog.set_level(logging.DEBUG)
    result = await _add_account(hass, sandbox, " wrong@example.com ", DEMO_PASSWORD)
    assert result["errors"] == {CONF_EMAIL: "connectedcars_invalid_email"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_REGION: "semler",
            CONF_NAMESPACE: "semler:minvolkswagen",
            CONF_EMAIL: DEMO_EMAIL,
            CONF_PASSWORD: "wrong-password",
        },
    )
    assert result["errors"] == {CONF_PASSWORD: "connectedcars_invalid_password"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_REGION: "semler",
            CONF_NAMESPACE: "semler:nosuchapp",
            CONF_EMAIL: DEMO_EMAIL,
            CONF_PASSWORD: DEMO_PASSWORD,
        },
    )
    assert result["errors"] == {CONF_NAMESPACE: "connectedcars_unknown_namespace"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_REGION: "semler",
            CONF_NAMESPACE: "semler:minvolkswagen",
            CONF_EMAIL: DEMO_EMAIL,
            CONF_PASSWORD: DEMO_PASSWORD,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert DEMO_PASSWORD not in repr(entry.data)
    user = sandbox.world.accounts.find("semler", DEMO_EMAIL)
    assert user is not None
    devices = sandbox.world.accounts.devices_of(user)
    assert [device.name for device in devices] == [entry.data[CONF_DEVICE_NAME]]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Every vehicle in one request per refresh.
    coordinator = entry.runtime_data.coordinator
    assert len(coordinator.data.vehicles) == 3
    sandbox.sandbox.requests.clear()
    await coordinator.async_refresh()
    assert len(_graphql_requests(sandbox)) == 1
    assert _state(hass, entry, "sensor", "2", "fuel_level") is not None

    # Drive the petrol car: the ignition shows and polling speeds up.
    await _admin(browser, sandbox, "organizations/semler/vehicles/3/drive")
    await sandbox.advance(60)
    await coordinator.async_refresh()
    assert _state(hass, entry, "binary_sensor", "3", "ignition").state == "on"
    assert coordinator.update_interval is not None
    assert coordinator.update_interval <= timedelta(minutes=1)

    # Charge the EV: the lifetime energy grows, the session shows its energy.
    await _admin(browser, sandbox, "organizations/semler/vehicles/3/park")
    await _admin(browser, sandbox, "organizations/semler/vehicles/1/charge", powerKw=11)
    before = float(_state(hass, entry, "sensor", "1", "lifetime_energy").state)
    await sandbox.advance(3600)
    await coordinator.async_refresh()
    assert _state(hass, entry, "binary_sensor", "1", "charging").state == "on"
    assert float(_state(hass, entry, "sensor", "1", "lifetime_energy").state) > before
    assert float(_state(hass, entry, "sensor", "1", "charge_rate").state) > 0

    # Neither the password nor the device token nor any JWT reaches the log.
    jwt = await entry.runtime_data.provider.client.auth.async_token()
    diagnostics = repr(await async_get_config_entry_diagnostics(hass, entry))
    for secret in (DEMO_PASSWORD, entry.data[CONF_DEVICE_TOKEN], jwt, DEMO_EMAIL):
        assert secret not in caplog.text
        assert secret not in diagnostics
    for vehicle in coordinator.data.vehicles.values():
        assert vehicle.information.vin
        assert vehicle.information.vin not in diagnostics

    # Removing the entry deletes Home Assistant's device at Connected Cars.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert sandbox.world.accounts.devices_of(user) == []


async def test_expired_device_token_reauthenticates(
    hass: HomeAssistant, sandbox: ConnectedCarsSandboxServer
) -> None:
    """A revoked device token starts reauth; the password again brings a new device."""
    result = await _add_account(hass, sandbox, DEMO_EMAIL, DEMO_PASSWORD)
    entry = result["result"]
    await hass.async_block_till_done()
    old_token = entry.data[CONF_DEVICE_TOKEN]
    async with aiohttp.ClientSession() as admin:
        await _admin(admin, sandbox, "tokens/revoke")
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_PASSWORD: DEMO_PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_DEVICE_TOKEN] != old_token
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_empty_account_adds_its_car_on_the_workshop_page(
    hass: HomeAssistant, sandbox: ConnectedCarsSandboxServer, browser: aiohttp.ClientSession
) -> None:
    """No vehicle: the prefilled page opens; submitting it adds the car; the flow goes on."""
    with patch(f"{FLOW}.WAIT_INTERVAL", timedelta(seconds=0.05)):
        result = await _add_account(hass, sandbox, EMPTY_EMAIL, DEMO_PASSWORD)
        assert result["step_id"] == "connectedcars_vehicle"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_QUERY_TYPE: "vin", CONF_IDENTIFIER: VIN}
        )
        assert result["type"] is FlowResultType.EXTERNAL_STEP
        url = urlsplit(result["url"])
        token = dict(parse_qsl(url.fragment))["token"]
        page_url = URL(result["url"].split("#")[0], encoded=True)
        async with browser.get(page_url) as page:
            assert page.status == 200
            html = await page.text()
        form = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
        assert form["vehicleVin"] == VIN
        assert form["customerEmail"] == EMPTY_EMAIL
        form["token"] = token
        async with browser.post(URL(sandbox.url) / "integration/vehicle/add", data=form) as sent:
            assert sent.status == 201, await sent.text()
        await hass.async_block_till_done(wait_background_tasks=True)
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert len(result["result"].runtime_data.coordinator.data.vehicles) == 1


@pytest.mark.parametrize("count", [1, 10, 100])
async def test_one_request_per_refresh_whatever_the_fleet(
    sandbox: ConnectedCarsSandboxServer, browser: aiohttp.ClientSession, count: int
) -> None:
    """1, 10 or 100 vehicles: one GraphQL request per refresh (the bench's target)."""
    email = f"fleet{count}@example.com"
    await _admin(
        browser,
        sandbox,
        "users",
        organization="semler",
        email=email,
        password=DEMO_PASSWORD,
        vehicles=["electric"] * count,
    )
    auth = ConnectedCarsAuth(browser, sandbox.url, "semler:minvolkswagen")
    access = await auth.async_login_password(email, DEMO_PASSWORD)
    device = await auth.async_register_device(access)
    auth = ConnectedCarsAuth(browser, sandbox.url, "semler:minvolkswagen", device.device_token)
    provider = ConnectedCarsProvider(
        ConnectedCarsClient(browser, auth, sandbox.url), "semler", None
    )
    await provider.async_list_vehicles()  # the first refresh also mints the hour's token
    sandbox.sandbox.requests.clear()
    vehicles = await provider.async_list_vehicles()
    assert len(vehicles) == count
    assert len(sandbox.sandbox.requests) == 1
    assert len(_graphql_requests(sandbox)) == 1


async def test_throttled_login_says_when_to_try_again(
    hass: HomeAssistant, sandbox: ConnectedCarsSandboxServer, browser: aiohttp.ClientSession
) -> None:
    """A 429 on login is its own error, with Connected Cars' Retry-After in seconds."""
    await _admin(
        browser, sandbox, "faults", path="*/auth/login/*", kind="rate_limit", retryAfter=30
    )
    result = await _add_account(hass, sandbox, DEMO_EMAIL, DEMO_PASSWORD)
    assert result["errors"] == {"base": "connectedcars_rate_limited"}
    assert result["description_placeholders"] == {"retry_after": "30"}


async def test_expired_jwt_is_renewed_without_the_user(
    hass: HomeAssistant, sandbox: ConnectedCarsSandboxServer, browser: aiohttp.ClientSession
) -> None:
    """The API refusing an expired JWT (401) costs one new device login, no reauth."""
    result = await _add_account(hass, sandbox, DEMO_EMAIL, DEMO_PASSWORD)
    entry = result["result"]
    await hass.async_block_till_done()
    await _admin(browser, sandbox, "tokens/expire")
    sandbox.sandbox.requests.clear()
    await entry.runtime_data.coordinator.async_refresh()
    assert entry.runtime_data.coordinator.last_update_success
    paths = [request["path"] for request in sandbox.sandbox.requests]
    assert paths == ["/graphql", "/auth/login/deviceToken", "/graphql"]
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)

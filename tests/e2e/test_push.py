"""End to end: push turned on in the options, the sandbox delivers, entities follow at once.

Home Assistant's HTTP server listens on a loopback port (the test client's server), which is
set as the external URL, so the sandbox (which only delivers to loopback) can reach it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
import types
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from homeassistant import components
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.cloud.client import CloudClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import entity_unique_id
from custom_components.connected_ev.push import PushHealth
from sandbox.enode.server import SandboxServer

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


PUSH_OPTIONS = {
    "push": True,
    "manual_only": False,
    "charging_interval": 2,
    "idle_interval": 7,
    "push_interval": 60,
}


async def _setup_entry(hass: HomeAssistant, server: SandboxServer) -> MockConfigEntry:
    """Store the sandbox client as credentials and set up an entry of its user."""
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
    return entry


async def test_push_updates_without_a_poll(
    hass: HomeAssistant,
    server: SandboxServer,
    entity_registry: er.EntityRegistry,
    hass_client_no_auth: Callable[[], Coroutine[Any, Any, TestClient]],
) -> None:
    """Enable push, change the battery level at the sandbox: the sensor follows, no poll."""
    seeded = await _admin(server, "POST", f"/users/{USER_ID}/seed", vehicles=1, chargers=1)
    (vehicle_id,) = seeded["vehicleIds"]
    entry = await _setup_entry(hass, server)
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
    assert entry.runtime_data.coordinator.update_interval == timedelta(minutes=60)  # chosen

    battery_id = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, entity_unique_id(entry, vehicle_id, "battery_level")
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


# --- push through Home Assistant Cloud -------------------------------------------------------


class CloudRelay:
    """Stand in for Home Assistant Cloud: a loopback cloudhook server that relays as it does.

    The provider's delivery is received as the cloud receives it and handed to Home Assistant
    the two ways Home Assistant is reached without its own HTTP server: the cloud client's
    real ``async_webhook_message`` (a ``MockRequest`` built from the relayed text) or the
    WebSocket ``webhook/handle`` command. Its answer goes back to the provider.
    """

    def __init__(self, hass: HomeAssistant, via: str, ws: Any) -> None:
        self.hass = hass
        self.via = via
        self.ws = ws
        self.cloudhooks: dict[str, dict[str, str]] = {}
        self.statuses: list[int] = []
        self._runner: web.AppRunner | None = None
        self._ws_lock = asyncio.Lock()
        self._ws_id = 100
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{cloudhook_id}", self._relay)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = site.name

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def module(self) -> types.ModuleType:
        """Return the ``cloud`` module as the integration uses it: logged in, cloudhooks."""

        class CloudNotAvailable(Exception):
            pass

        async def create(hass: HomeAssistant, webhook_id: str) -> str:
            cloudhook_id = secrets.token_hex(16)
            self.cloudhooks[webhook_id] = {"webhook_id": webhook_id, "cloudhook_id": cloudhook_id}
            return f"{self.url}/{cloudhook_id}"

        async def delete(hass: HomeAssistant, webhook_id: str) -> None:
            self.cloudhooks.pop(webhook_id)

        module = types.ModuleType("homeassistant.components.cloud")
        module.CloudNotAvailable = CloudNotAvailable  # type: ignore[attr-defined]
        module.async_active_subscription = lambda hass: True  # type: ignore[attr-defined]
        module.async_create_cloudhook = create  # type: ignore[attr-defined]
        module.async_delete_cloudhook = delete  # type: ignore[attr-defined]
        return module

    async def _relay(self, request: web.Request) -> web.Response:
        # What the cloud sends the cloud client for a cloudhook request.
        payload = {
            "cloudhook_id": request.match_info["cloudhook_id"],
            "body": (await request.read()).decode("utf-8"),
            "headers": dict(request.headers),
            "method": request.method,
            "query": request.query_string,
        }
        if self.via == "cloud":
            client = types.SimpleNamespace(
                _hass=self.hass, _prefs=types.SimpleNamespace(cloudhooks=self.cloudhooks)
            )
            answer = await CloudClient.async_webhook_message(client, payload)  # type: ignore[arg-type]
        else:
            (webhook_id,) = (
                hook["webhook_id"]
                for hook in self.cloudhooks.values()
                if hook["cloudhook_id"] == payload["cloudhook_id"]
            )
            async with self._ws_lock:
                self._ws_id += 1
                await self.ws.send_json(
                    {
                        "id": self._ws_id,
                        "type": "webhook/handle",
                        "webhook_id": webhook_id,
                        "method": payload["method"],
                        "body": payload["body"],
                        "headers": payload["headers"],
                        "query": payload["query"],
                    }
                )
                message = await self.ws.receive_json()
            assert message["success"], message
            answer = message["result"]
        self.statuses.append(int(answer["status"]))
        return web.Response(status=answer["status"], text=answer["body"])


@pytest.mark.parametrize("via", ["cloud", "websocket"])
async def test_push_through_home_assistant_cloud(
    hass: HomeAssistant,
    server: SandboxServer,
    entity_registry: er.EntityRegistry,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
    via: str,
) -> None:
    """Cloud logged in: the sandbox pushes to a cloudhook; the value shows, push is healthy."""
    caplog.set_level(logging.DEBUG, logger="custom_components.connected_ev")
    seeded = await _admin(server, "POST", f"/users/{USER_ID}/seed", vehicles=1, chargers=0)
    (vehicle_id,) = seeded["vehicleIds"]
    entry = await _setup_entry(hass, server)
    relay = CloudRelay(hass, via, await hass_ws_client(hass))
    await relay.start()
    hass.config.components.add("cloud")
    cloud = relay.module()
    try:
        with (
            patch.dict(sys.modules, {"homeassistant.components.cloud": cloud}),
            patch.object(components, "cloud", cloud, create=True),
        ):
            result = await hass.config_entries.options.async_init(entry.entry_id)
            result = await hass.config_entries.options.async_configure(
                result["flow_id"], PUSH_OPTIONS
            )
            assert result.get("step_id") == "push_enabled", result.get("errors")
            result = await hass.config_entries.options.async_configure(result["flow_id"], {})
            assert result["type"] is FlowResultType.CREATE_ENTRY
            await hass.async_block_till_done(wait_background_tasks=True)
            push = entry.runtime_data.push
            webhook_id = entry.data["push_registration"]["webhook_id"]
            assert entry.data["push_registration"]["cloudhook"]
            assert push.health is PushHealth.HEALTHY

            battery_id = entity_registry.async_get_entity_id(
                "sensor", DOMAIN, entity_unique_id(entry, vehicle_id, "battery_level")
            )
            assert battery_id is not None
            await _admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=12)
            await server.settle()
            await hass.async_block_till_done()
            assert float(hass.states.get(battery_id).state) == 12

            # A heartbeat through the cloud keeps push healthy.
            server.sandbox.dispatcher.heartbeat()
            await server.settle()
            await hass.async_block_till_done()
            assert push.health is PushHealth.HEALTHY
            # 503 only for a delivery during the reload that saved the options: retried.
            assert 200 in relay.statuses
            assert set(relay.statuses) <= {200, 503}

            # Forged through the cloud: refused with a status the provider sees.
            async with aiohttp.ClientSession() as session:
                cloudhook_id = relay.cloudhooks[webhook_id]["cloudhook_id"]
                response = await session.post(f"{relay.url}/{cloudhook_id}", data=b"[]")
                assert response.status == 401
    finally:
        await relay.stop()
    # Stopped first: a delivery still coming (the sandbox retries) cannot race the unload.
    assert await hass.config_entries.async_unload(entry.entry_id)

    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    # The WebSocket API echoes the command the relay sent at debug level; nothing else may
    # name the webhook id.
    logged = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("homeassistant.components.websocket_api")
    )
    assert webhook_id not in logged


@pytest.mark.parametrize("how", ["dialog_closed", "stopped_with_dialog_open"])
async def test_unconfirmed_push_leaves_nothing_at_the_provider(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: Callable[[], Coroutine[Any, Any, TestClient]],
    how: str,
) -> None:
    """Push enabled but never confirmed, then a restart: no webhook left at the sandbox."""
    await _admin(server, "POST", f"/users/{USER_ID}/seed", vehicles=1, chargers=0)
    entry = await _setup_entry(hass, server)
    client = await hass_client_no_auth()
    hass.config.external_url = f"http://127.0.0.1:{client.server.port}"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(result["flow_id"], PUSH_OPTIONS)
    assert result.get("step_id") == "push_enabled", result.get("errors")
    assert len(server.sandbox.world.webhooks) == 1

    if how == "stopped_with_dialog_open":
        # Home Assistant stops first: the dialog's removal finds the entry unloaded.
        assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.options.async_abort(result["flow_id"])
    await hass.async_block_till_done(wait_background_tasks=True)
    if entry.state is ConfigEntryState.LOADED:
        assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)  # the restart
    await hass.async_block_till_done(wait_background_tasks=True)

    assert server.sandbox.world.webhooks == {}
    assert "push_registration" not in entry.data
    assert entry.runtime_data.push.health is PushHealth.DISABLED
    assert await hass.config_entries.async_unload(entry.entry_id)

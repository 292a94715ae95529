"""Secrets and privacy: nothing secret or personal in the logs or in diagnostics.

The whole journey runs against the sandbox with DEBUG logging for the integration, the sandbox
and aiohttp: the config flow through the Link UI, refreshes, a revoked token (401), rate
limiting (429), an outage, push enabled with deliveries and a forged one, preferences. Then
no client secret, access token, webhook secret, VIN, coordinate, or user id may appear in
what those loggers wrote, and the diagnostics must redact them.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import patch
from urllib.parse import urlsplit

import aiohttp
import jwt
import pytest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier
from custom_components.connected_ev.link_callback import LINK_CALLBACK_PATH
from sandbox.enode.payloads import vehicle_json
from sandbox.enode.server import SandboxServer
from tests.e2e.test_link_flow import _come_back, _link_through_ui, _start_flow

from .conftest import (
    ACTION_DELAY,
    admin,
    enable_push,
    entity_state,
    inject,
    next_cycle,
    sign,
    vehicle_event,
)

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

WATCHED_LOGGERS = ("custom_components.connected_ev", "sandbox", "aiohttp")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """Play the user's browser on the Link UI."""
    async with aiohttp.ClientSession() as session:
        yield session


def _watched_text(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(
        formatter.format(record) for record in records if record.name.startswith(WATCHED_LOGGERS)
    )


def _stable(value: Any, url: str) -> Any:
    """Mask what changes per run: the sandbox's port, its clock's timestamps (real time)."""
    if isinstance(value, dict):
        return {key: _stable(item, url) for key, item in value.items()}
    if isinstance(value, list):
        return [_stable(item, url) for item in value]
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return "<timestamp>"
    if value == url:
        return "<sandbox url>"
    return value


async def test_no_secret_or_personal_data_in_logs_or_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    browser: aiohttp.ClientSession,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    snapshot: SnapshotAssertion,
) -> None:
    """Run everything with DEBUG logs; search them and the diagnostics for secrets."""
    for name in WATCHED_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    tokens: list[str] = []
    issue = server.sandbox.tokens.issue

    def record_token() -> str:
        tokens.append(token := issue())
        return token

    server.sandbox.tokens.issue = record_token  # type: ignore[method-assign]

    # Routes are frozen once the first test client starts: diagnostics registers first.
    assert await async_setup_component(hass, "diagnostics", {})

    # Set up through the config flow and the Link UI: a vehicle and a charger.
    result = await _start_flow(hass, server)
    vehicle_callback = await _link_through_ui(browser, result["url"])
    await _come_back(hass_client_no_auth, vehicle_callback)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "link_charger"}
    )
    charger_callback = await _link_through_ui(browser, result["url"])
    await _come_back(hass_client_no_auth, charger_callback)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator
    (vehicle_id,) = coordinator.data.vehicles
    (charger_id,) = coordinator.data.chargers

    # The link states were single-use, and die with their flow; unsigned states never pass.
    client = await hass_client_no_auth()
    for used in (vehicle_callback, charger_callback):
        parts = urlsplit(used)
        response = await client.get(f"{parts.path}?{parts.query}")
        assert response.status == 400
    unsigned = jwt.encode(
        {"flow_id": result["flow_id"], "nonce": "x", "exp": 9_999_999_999},
        key="",
        algorithm="none",
    )
    response = await client.get(f"{LINK_CALLBACK_PATH}?state={unsigned}")
    assert response.status == 400

    # Refreshes: normal, a revoked token (401 then a new token), 429, an outage.
    await admin(server, "POST", f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)
    await next_cycle(hass, entry)
    await inject(server, "/users/*/vehicles", kind="token_expiry")
    await next_cycle(hass, entry)
    await inject(server, "/users/*/vehicles", kind="rate_limit", retryAfter=1)
    await next_cycle(hass, entry)
    await inject(server, "/users/*/vehicles", kind="error", status=503)
    await next_cycle(hass, entry)
    await next_cycle(hass, entry)
    await inject(server, "/oauth2/token", kind="error", status=401)
    await server.advance(4000)  # the token expires; the next token request is refused
    await next_cycle(hass, entry)
    await hass.async_block_till_done()
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    hass.config_entries.flow.async_abort(flow["flow_id"])
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    # Push: enabled, a delivery from the sandbox, one of ours, a forged one.
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    secret = registration["secret"]
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=64)
    await server.settle()
    body = json.dumps([vehicle_event(server, vehicle_id, 65)]).encode()
    url = f"/api/webhook/{registration['webhook_id']}"
    with patch("hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        response = await client.post(
            url, data=body, headers={"x-enode-signature": sign(secret, body)}
        )
        assert response.status == 200
        expected = sign(secret, body).removeprefix("sha1=")
        compare.assert_any_call(expected, expected)  # constant time, not ==
        response = await client.post(
            url, data=body, headers={"x-enode-signature": sign("forged", body)}
        )
        assert response.status == 401
        assert compare.call_count == 2
    await hass.async_block_till_done()

    # Preferences, and an action.
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, vehicle_id), entry.entry_id
    )
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {"device_id": device.id, "ready_time": "07:15", "minimal_soc": 30},
        blocking=True,
    )
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": entity_state(hass, "switch", vehicle_id, "charging").entity_id},
        blocking=True,
    )
    await server.advance(ACTION_DELAY + 1)
    await hass.async_block_till_done()

    # What must never be written or shown.
    world = server.sandbox.world
    payload = vehicle_json(world, world.vehicles[vehicle_id])
    latitude, longitude = payload["location"]["latitude"], payload["location"]["longitude"]
    assert latitude is not None
    secrets = {
        "client secret": server.client_secret,
        "webhook secret": secret,
        "user id": entry.data["user_id"],
        "vin": payload["information"]["vin"],
        "latitude": str(latitude),
        "longitude": str(longitude),
        "latitude (rounded)": f"{latitude:.2f}",
        "longitude (rounded)": f"{longitude:.2f}",
        **{f"access token {i}": token for i, token in enumerate(tokens)},
    }
    assert len(tokens) >= 3
    text = _watched_text(caplog.records)
    assert "Enode GET /users/{userId}/vehicles" in text  # DEBUG logging was on
    leaked = {what: value for what, value in secrets.items() if value in text}
    assert not leaked, leaked

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    dumped = json.dumps(diagnostics)
    leaked = {what: value for what, value in secrets.items() if value in dumped}
    assert not leaked, leaked
    assert registration["webhook_id"] not in dumped  # the webhook URL is a bearer secret
    assert _stable(diagnostics, server.url) == snapshot
    assert await hass.config_entries.async_unload(entry.entry_id)

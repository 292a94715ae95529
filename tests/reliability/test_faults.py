"""Fault injection against the real sandbox and a real config entry: what the user sees.

Every scenario drives the coordinator's own schedule (Home Assistant's clock is fired, never
slept through), counts requests at the sandbox and checks the entities, the log, the repair
issues and the reauth flows: nothing is lost, nothing loops, everything recovers by itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.const import (
    ACTION_POLL_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
    RATE_LIMIT_REPAIR_AFTER,
)
from custom_components.connected_ev.identifiers import device_identifier
from custom_components.connected_ev.poll_timing import margin_for
from custom_components.connected_ev.push import PushHealth
from custom_components.connected_ev.push_receiver import MAX_DELIVERY_BYTES
from custom_components.connected_ev.rate_limit import MAX_RETRY_AFTER
from sandbox.enode.payloads import charger_json
from sandbox.enode.server import SandboxServer

from .conftest import (
    ACTION_DELAY,
    CLIENT_TIMEOUT,
    admin,
    clear_faults,
    enable_push,
    entity_state,
    fire,
    inject,
    next_cycle,
    reauth_flows,
    requests,
    setup_entry,
    sign,
    vehicle_event,
    warnings_from_integration,
)

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

OUTAGE_CYCLES = 4
HEARTBEAT = 0.005

# The latest an idle poll comes: just after a provider refresh due at the idle interval.
LATEST_IDLE_POLL = DEFAULT_IDLE_INTERVAL + margin_for(DEFAULT_IDLE_INTERVAL)


def _battery(hass: HomeAssistant, vehicle_id: str) -> str:
    return entity_state(hass, "sensor", vehicle_id, "battery_level").state


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "error", "status": 503}, id="http_503"),
        pytest.param({"kind": "error", "status": 500}, id="http_500"),
        pytest.param({"kind": "latency", "latencyMs": CLIENT_TIMEOUT * 1000 * 3}, id="timeout"),
        pytest.param({"kind": "disconnect"}, id="connection_drop"),
    ],
)
async def test_outage_marks_unavailable_then_recovers(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    """An outage of several refresh cycles: unavailable, one log line, back by itself."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    caplog.clear()

    await inject(server, "/users/*/vehicles", count=100, **fault)
    for _ in range(OUTAGE_CYCLES):
        await next_cycle(hass, entry)
        assert _battery(hass, vehicle_id) == STATE_UNAVAILABLE
        assert entity_state(hass, "switch", charger_id, "charging").state == STATE_UNAVAILABLE
    assert entry.state is ConfigEntryState.LOADED
    outage_warnings = warnings_from_integration(caplog.records)
    assert len(outage_warnings) == 1, [r.getMessage() for r in outage_warnings]

    # The provider is back, with news: the first scheduled refresh shows it.
    await clear_faults(server)
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=42)
    await next_cycle(hass, entry)
    assert float(_battery(hass, vehicle_id)) == 42
    assert entity_state(hass, "switch", charger_id, "charging").state != STATE_UNAVAILABLE
    assert entry.state is ConfigEntryState.LOADED
    assert reauth_flows(hass) == []
    assert len(warnings_from_integration(caplog.records)) == 1  # recovery is not a warning
    assert any("recovered" in r.getMessage() for r in caplog.records)


async def test_rate_limit_storm_waits_for_retry_after(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    """429 with Retry-After: no request before it elapses, values kept, a repair issue."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    coordinator = entry.runtime_data.coordinator
    battery = _battery(hass, vehicle_id)
    retry_after = 1200  # 20 minutes, far beyond the 7-minute idle interval
    issue_id = f"rate_limited_{entry.entry_id}"
    server.sandbox.counters.reset()
    caplog.clear()

    await inject(server, "/users/*/vehicles", kind="rate_limit", count=1000, retryAfter=retry_after)
    storm_refreshes = RATE_LIMIT_REPAIR_AFTER + 2
    for refresh in range(1, storm_refreshes + 1):
        before = requests(server)
        # The normal interval passes, and more: nothing is sent before Retry-After elapses.
        await fire(hass, LATEST_IDLE_POLL + timedelta(seconds=1))
        if refresh > 1:
            assert requests(server) == before, "a request before Retry-After elapsed"
            await fire(hass, timedelta(seconds=retry_after - 60))
            assert requests(server) == before, "a request before Retry-After elapsed"
            await fire(hass, timedelta(seconds=retry_after + 1))
        assert requests(server) == before + 1  # one rate-limited list per refresh
        assert coordinator.update_interval == timedelta(seconds=retry_after)
        assert _battery(hass, vehicle_id) == battery  # the last values stay
        has_issue = issue_registry.async_get_issue(DOMAIN, issue_id) is not None
        assert has_issue is (refresh >= RATE_LIMIT_REPAIR_AFTER)
    storm_requests = requests(server)
    assert storm_requests == storm_refreshes
    rate_warnings = warnings_from_integration(caplog.records)
    assert len(rate_warnings) == 1, [r.getMessage() for r in rate_warnings]
    print(  # the README's figures (shown with -s)
        f"\n429 storm: {storm_refreshes} refreshes over "
        f"{storm_refreshes * retry_after / 60:.0f} min with Retry-After {retry_after} s: "
        f"{storm_requests} API requests"
    )

    # The storm ends: the next refresh (after Retry-After) reads fresh data, the issue goes.
    await clear_faults(server)
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=33)
    await fire(hass, timedelta(seconds=retry_after + 1))
    assert float(_battery(hass, vehicle_id)) == 33
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    # Polling as before: timed after the provider's refresh, within the idle interval.
    assert coordinator.update_interval is not None
    assert DEFAULT_IDLE_INTERVAL / 2 <= coordinator.update_interval <= LATEST_IDLE_POLL
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "rate_limit"}, id="429"),
        pytest.param({"kind": "error", "status": 503}, id="503"),
    ],
)
async def test_absurd_retry_after_is_bounded(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    """A Retry-After of ~3 billion years: no crash, and polling resumes within a day.

    Before the fix, a 429 with it raised OverflowError in the coordinator (an "unexpected
    error", every entity unavailable) and a 503 with it stopped polling for good.
    """
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    await inject(server, "/users/*/vehicles", retryAfter=10**17, **fault)
    await next_cycle(hass, entry)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert "Unexpected error" not in caplog.text
    if fault["kind"] == "rate_limit":
        assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    server.sandbox.counters.reset()
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=44)
    await fire(hass, MAX_RETRY_AFTER + timedelta(seconds=1))
    assert requests(server, "GET /users/{userId}/vehicles") == 1
    assert float(_battery(hass, vehicle_id)) == 44


async def test_expired_access_token_refreshes_transparently(
    hass: HomeAssistant, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A token revoked or expired mid-session: a new one is fetched, the user sees nothing."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    server.sandbox.counters.reset()
    caplog.clear()

    # Revoked at the provider right before a request.
    await inject(server, "/users/*/vehicles", kind="token_expiry")
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=51)
    await next_cycle(hass, entry)
    assert float(_battery(hass, vehicle_id)) == 51
    assert requests(server, "POST /oauth2/token") == 1

    # Expired by time at the provider while the client still thinks it valid.
    await server.advance(4000)
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=52)
    await next_cycle(hass, entry)
    assert float(_battery(hass, vehicle_id)) == 52
    assert requests(server, "POST /oauth2/token") == 2

    assert reauth_flows(hass) == []
    assert entry.state is ConfigEntryState.LOADED
    assert warnings_from_integration(caplog.records) == []


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "error", "status": 503}, id="http_503"),
        pytest.param({"kind": "latency", "latencyMs": CLIENT_TIMEOUT * 3000}, id="timeout"),
        pytest.param({"kind": "disconnect"}, id="connection_drop"),
    ],
)
async def test_token_endpoint_outage_is_not_an_auth_failure(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, Any],
) -> None:
    """The token expires while the token endpoint is down: an outage, never a reauth."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    await server.advance(4000)  # the access token expires at the provider
    await inject(server, "/oauth2/token", count=100, **fault)
    caplog.clear()
    for _ in range(3):
        await next_cycle(hass, entry)
        assert _battery(hass, vehicle_id) == STATE_UNAVAILABLE
    assert reauth_flows(hass) == []
    assert len(warnings_from_integration(caplog.records)) == 1

    await clear_faults(server)
    await next_cycle(hass, entry)
    assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert reauth_flows(hass) == []
    assert entry.state is ConfigEntryState.LOADED


async def test_revoked_client_credentials_start_one_reauth(
    hass: HomeAssistant, server: SandboxServer
) -> None:
    """The client is rotated at the provider: one reauth flow, no loop, recovery."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    sandbox = server.sandbox
    sandbox.config = dataclasses.replace(
        sandbox.config, client_id="rotated-id", client_secret="rotated-secret"
    )
    await server.advance(4000)  # the current token expires: a new one is refused
    server.sandbox.counters.reset()

    await next_cycle(hass, entry)
    await hass.async_block_till_done()
    assert len(reauth_flows(hass)) == 1
    assert _battery(hass, vehicle_id) == STATE_UNAVAILABLE
    after_first = requests(server)
    assert requests(server, "POST /oauth2/token") == 1

    # Several cycles later: still one flow, and the refused credentials are not hammered.
    for _ in range(4):
        await fire(hass, DEFAULT_IDLE_INTERVAL + timedelta(seconds=1))
    assert len(reauth_flows(hass)) == 1
    assert requests(server) == after_first
    assert entry.state is ConfigEntryState.LOADED

    # The user stores the new client and picks it in the reauth flow: back to normal.
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("rotated-id", "rotated-secret", "Rotated"), "rotated"
    )
    (flow,) = reauth_flows(hass)
    # Submitting the form as first shown tests the old secret: refused, the form comes back
    # with both credentials to choose from.
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"auth_implementation": "rotated"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["auth_implementation"] == "rotated"
    assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert reauth_flows(hass) == []


async def test_truncated_json_is_logged_and_recovers(
    hass: HomeAssistant, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A truncated body: one refresh fails (logged, unavailable), the next one recovers."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    caplog.clear()
    await inject(server, "/users/*/vehicles", kind="malformed")
    await next_cycle(hass, entry)
    assert _battery(hass, vehicle_id) == STATE_UNAVAILABLE
    (warning,) = warnings_from_integration(caplog.records)
    assert "JSON" in warning.getMessage()
    await next_cycle(hass, entry)
    assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert entry.state is ConfigEntryState.LOADED


async def test_wrong_types_and_unknown_enums_show_unknown(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Wrong-typed fields and unknown enum values: those values are unknown, the rest shows."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    from sandbox.enode import api_devices  # noqa: PLC0415 - patched where the handler looks it up

    real_vehicle_json = api_devices.vehicle_json

    def odd_vehicle_json(world: Any, vehicle: Any) -> dict[str, Any]:
        payload = dict(real_vehicle_json(world, vehicle))
        payload["chargeState"] = {
            **payload["chargeState"],
            "batteryLevel": "eighty",
            "range": float("inf"),
            "powerDeliveryState": "PLASMA_TRANSFER",
            "chargeRate": [1, 2],
        }
        payload["information"] = {**payload["information"], "brand": 42}
        payload["somethingNew"] = {"nested": [None, {"x": 1e308}]}
        return payload

    monkeypatch.setattr(api_devices, "vehicle_json", odd_vehicle_json)
    caplog.clear()
    await next_cycle(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert _battery(hass, vehicle_id) == STATE_UNKNOWN
    assert entity_state(hass, "switch", charger_id, "charging").state != STATE_UNAVAILABLE
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    monkeypatch.setattr(api_devices, "vehicle_json", real_vehicle_json)
    await next_cycle(hass, entry)
    assert _battery(hass, vehicle_id) not in (STATE_UNAVAILABLE, STATE_UNKNOWN)


# --- charging actions ------------------------------------------------------------------------


async def _plug_in(server: SandboxServer, vehicle_id: str, charger_id: str) -> None:
    await admin(server, "POST", f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)


async def _turn_on(hass: HomeAssistant, entity_id: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


async def _settle_action(hass: HomeAssistant, entry: Any) -> None:
    """Fire the action poll (and the refresh it may start) until no action is tracked."""
    coordinator = entry.runtime_data.coordinator
    for _ in range(5):
        await fire(hass, ACTION_POLL_INTERVAL + timedelta(seconds=1))
        if not coordinator.pending_actions:
            return
    pytest.fail("an action stayed tracked")


@pytest.mark.parametrize(
    ("reachable", "unplug", "reason"),
    [
        pytest.param(False, False, "The device remained unreachable.", id="unreachable_failed"),
        pytest.param(True, True, "No vehicle is plugged in.", id="unplugged_cancelled"),
    ],
)
async def test_charging_action_not_carried_out_reverts_the_switch(
    hass: HomeAssistant,
    server: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    reachable: bool,
    unplug: bool,
    reason: str,
) -> None:
    """Start is accepted, then FAILED/CANCELLED at the provider: the switch goes back off."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    await _plug_in(server, vehicle_id, charger_id)
    if not reachable:
        await admin(server, "PATCH", f"/vehicles/{vehicle_id}", isReachable=False)
    await next_cycle(hass, entry)
    switch = entity_state(hass, "switch", vehicle_id, "charging")
    assert switch.state == STATE_OFF
    caplog.clear()

    await _turn_on(hass, switch.entity_id)
    assert hass.states.get(switch.entity_id).state == STATE_ON  # requested: shown at once
    if unplug:  # the cable is pulled before the car starts
        await admin(server, "POST", f"/vehicles/{vehicle_id}/unplug")
    await server.advance(ACTION_DELAY + 1)
    await _settle_action(hass, entry)
    assert hass.states.get(switch.entity_id).state == STATE_OFF
    (warning,) = warnings_from_integration(caplog.records)
    assert reason in warning.getMessage()
    assert entry.state is ConfigEntryState.LOADED


async def test_charging_action_pending_past_the_timeout_reverts(
    hass: HomeAssistant, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """An action the provider never settles: shown until the timeout, then the real state."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    coordinator = entry.runtime_data.coordinator
    await _plug_in(server, vehicle_id, charger_id)
    await next_cycle(hass, entry)
    switch = entity_state(hass, "switch", vehicle_id, "charging")
    caplog.clear()

    await _turn_on(hass, switch.entity_id)  # the sandbox's clock stands still: never settles
    for _ in range(3):
        await fire(hass, ACTION_POLL_INTERVAL + timedelta(seconds=1))
        assert hass.states.get(switch.entity_id).state == STATE_ON
        assert coordinator.pending_action(vehicle_id) is not None
    with patch.object(coordinator.actions, "timeout", timedelta(seconds=0)):
        await fire(hass, ACTION_POLL_INTERVAL + timedelta(seconds=1))
    assert coordinator.pending_action(vehicle_id) is None
    assert hass.states.get(switch.entity_id).state == STATE_OFF
    (warning,) = warnings_from_integration(caplog.records)
    assert "not settled by the provider in time" in warning.getMessage()
    # Nothing is left scheduled: later polls send no action request.
    server.sandbox.counters.reset()
    await fire(hass, ACTION_POLL_INTERVAL * 3)
    assert requests(server) == 0


@pytest.mark.parametrize(
    ("fault", "translation_key"),
    [
        pytest.param({"kind": "error", "status": 503}, "provider_unavailable", id="unavailable"),
        pytest.param({"kind": "error", "status": 422}, "not_capable", id="refused"),
        pytest.param({"kind": "rate_limit", "retryAfter": 60}, "rate_limited", id="rate_limited"),
        pytest.param(
            {"kind": "latency", "latencyMs": CLIENT_TIMEOUT * 3000},
            "provider_unavailable",
            id="timeout",
        ),
    ],
)
async def test_charging_action_refused_shows_a_translated_error(
    hass: HomeAssistant,
    server: SandboxServer,
    fault: dict[str, Any],
    translation_key: str,
) -> None:
    """The start request itself fails: a translated error, the switch stays off, nothing stuck."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    await _plug_in(server, vehicle_id, charger_id)
    await next_cycle(hass, entry)
    switch = entity_state(hass, "switch", vehicle_id, "charging")
    await inject(server, "/vehicles/*/charging", method="POST", **fault)

    with pytest.raises(HomeAssistantError) as raised:
        await _turn_on(hass, switch.entity_id)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == translation_key
    assert hass.states.get(switch.entity_id).state == STATE_OFF
    assert entry.runtime_data.coordinator.pending_actions == {}
    assert reauth_flows(hass) == []


# --- restarts --------------------------------------------------------------------------------


async def test_restart_during_a_pending_action(
    hass: HomeAssistant, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant restarts while a start is pending: the provider's state shows after."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    await _plug_in(server, vehicle_id, charger_id)
    await next_cycle(hass, entry)
    switch = entity_state(hass, "switch", vehicle_id, "charging")
    await _turn_on(hass, switch.entity_id)
    assert entry.runtime_data.coordinator.pending_action(vehicle_id) is not None

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # Not charging yet at the provider: the switch says so, nothing is stuck.
    assert hass.states.get(switch.entity_id).state == STATE_OFF
    assert entry.runtime_data.coordinator.pending_actions == {}

    # The provider carries the action out: the next poll shows it.
    await server.advance(ACTION_DELAY + 1)
    await next_cycle(hass, entry)
    assert hass.states.get(switch.entity_id).state == STATE_ON
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_restart_with_push_keeps_webhook_and_preferences(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Restart with push on and a start pending: same webhook, settled by push, prefs kept."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    await _plug_in(server, vehicle_id, charger_id)
    await server.settle()
    await hass.async_block_till_done()
    switch = entity_state(hass, "switch", vehicle_id, "charging")
    await _turn_on(hass, switch.entity_id)
    assert entry.runtime_data.coordinator.pending_action(vehicle_id) is not None
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, vehicle_id), entry.entry_id
    )
    assert device is not None
    await hass.services.async_call(
        DOMAIN,
        "set_charging_preferences",
        {
            "device_id": device.id,
            "ready_time": "06:45",
            "minimal_soc": 25,
            "weekday_ready_times": {"monday": "05:30", "friday": "08:15"},
        },
        blocking=True,
    )

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED

    assert entry.data["push_registration"] == registration
    push = entry.runtime_data.push
    assert push.health is PushHealth.HEALTHY  # the startup test delivery was verified
    assert list(server.sandbox.world.webhooks) == [registration["subscription_id"]]
    # The start is carried out after the restart: its events switch on, no action poll.
    assert hass.states.get(switch.entity_id).state == STATE_OFF
    server.sandbox.counters.reset()
    await server.advance(ACTION_DELAY + 1)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(switch.entity_id).state == STATE_ON
    assert entry.runtime_data.coordinator.pending_actions == {}
    assert requests(server, "GET /vehicles/actions/{id}") == 0
    server.sandbox.counters.reset()
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=17)
    await server.settle()
    await hass.async_block_till_done()
    assert float(entity_state(hass, "sensor", vehicle_id, "battery_level").state) == 17
    assert requests(server, "GET /users/{userId}/vehicles") == 0  # pushed, not polled

    read = await hass.services.async_call(
        DOMAIN,
        "get_charging_preferences",
        {"device_id": device.id},
        blocking=True,
        return_response=True,
    )
    assert read is not None
    assert read["ready_time"] == "06:45"
    assert read["minimal_soc"] == {"value": 25, "unit": "percent"}
    assert read["weekday_ready_times"]["monday"] == "05:30"
    assert read["weekday_ready_times"]["friday"] == "08:15"
    assert await hass.config_entries.async_unload(entry.entry_id)


# --- the webhook endpoint ----------------------------------------------------------------------


async def test_webhook_rejects_forged_replayed_oversized_and_non_json(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only signed, new, bounded JSON deliveries change anything."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    secret = registration["secret"]
    url = f"/api/webhook/{registration['webhook_id']}"

    def battery() -> float:
        return float(entity_state(hass, "sensor", vehicle_id, "battery_level").state)

    async def post(body: bytes, signature: str | None, delivery: str) -> int:
        headers = {"x-enode-delivery": delivery, "Content-Type": "application/json"}
        if signature is not None:
            headers["x-enode-signature"] = signature
        response = await client.post(url, data=body, headers=headers)
        await hass.async_block_till_done()
        return response.status

    first = json.dumps([vehicle_event(server, vehicle_id, 11)]).encode()
    second = json.dumps([vehicle_event(server, vehicle_id, 22)]).encode()
    assert await post(first, sign(secret, first), "d-1") == HTTPStatus.OK
    assert battery() == 11
    caplog.clear()

    # Forged: unsigned, signed with another secret, a malformed or truncated signature.
    forged = json.dumps([vehicle_event(server, vehicle_id, 99)]).encode()
    for signature in (None, sign("not-the-secret", forged), "sha1=xyz", sign(secret, forged)[:-2]):
        assert await post(forged, signature, "d-forged") == HTTPStatus.UNAUTHORIZED
    # A valid signature over another body (the body was tampered with).
    assert await post(forged, sign(secret, second), "d-tampered") == HTTPStatus.UNAUTHORIZED
    assert battery() == 11
    rejected = warnings_from_integration(caplog.records)
    assert len(rejected) == 1  # the first of a row; the rest at debug level

    # Replayed: the same delivery again after a newer one changes nothing.
    assert await post(second, sign(secret, second), "d-2") == HTTPStatus.OK
    assert battery() == 22
    assert await post(first, sign(secret, first), "d-1") == HTTPStatus.OK
    assert battery() == 22

    # Too large: refused before it is read, signed or not.
    huge = b"[" + b" " * (MAX_DELIVERY_BYTES + 1) + b"]"
    assert await post(huge, sign(secret, huge), "d-huge") == HTTPStatus.REQUEST_ENTITY_TOO_LARGE

    # Too large without a Content-Length (chunked): refused once the limit is passed.
    async def chunks() -> AsyncIterator[bytes]:
        yield b"["
        for _ in range(MAX_DELIVERY_BYTES // 65536 + 2):
            yield b" " * 65536
        yield b"]"

    response = await client.post(
        url, data=chunks(), headers={"x-enode-signature": sign(secret, b"[]")}
    )
    assert response.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    # Signed but not JSON, or not an array.
    for junk in (b"not json", b'{"event": 1}', b"\xff\xfe", b""):
        assert await post(junk, sign(secret, junk), "d-junk") == HTTPStatus.BAD_REQUEST
    assert battery() == 22
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.push.health is PushHealth.HEALTHY
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_late_retry_of_an_older_delivery_does_not_roll_back(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A delivery retried after newer ones (or replayed after a restart) shows nothing stale.

    Enode retries failed deliveries later; de-duplication by id cannot help when the first
    attempt never arrived, nor after a restart (the ids seen are kept in memory only).
    """
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    secret = registration["secret"]
    url = f"/api/webhook/{registration['webhook_id']}"
    world = server.sandbox.world

    def charger_event(max_current: float) -> dict[str, Any]:
        charger = charger_json(world, world.chargers[charger_id])
        charger["chargeState"] = {**charger["chargeState"], "maxCurrent": max_current}
        return {
            "event": "user:charger:updated",
            "user": {"id": charger["userId"]},
            "charger": charger,
        }

    old = json.dumps([vehicle_event(server, vehicle_id, 30), charger_event(10)]).encode()
    await server.advance(120)  # two minutes later both devices were seen again
    new = json.dumps([vehicle_event(server, vehicle_id, 35), charger_event(16)]).encode()

    async def post(body: bytes, delivery: str) -> None:
        response = await client.post(
            url,
            data=body,
            headers={"x-enode-signature": sign(secret, body), "x-enode-delivery": delivery},
        )
        assert response.status == HTTPStatus.OK
        await hass.async_block_till_done()

    def shown() -> tuple[float, float | None]:
        battery = float(entity_state(hass, "sensor", vehicle_id, "battery_level").state)
        charger = entry.runtime_data.coordinator.data.chargers[charger_id]
        return battery, charger.charge_state.max_current_a

    await post(new, "d-new")
    assert shown() == (35, 16)
    await post(old, "d-old")  # its first attempt failed; the retry comes late
    assert shown() == (35, 16)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await post(new, "d-new")  # replayed after a restart
    await post(old, "d-old")
    assert shown() == (35, 16)


async def test_webhook_burst_of_a_thousand_events(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """10 deliveries of 100 events each, sent at once: all applied, in order, with no request.

    The time taken and the event-loop lag are printed (with -s) for the README, not asserted:
    on a busy machine any wall-clock bound fails without anything being wrong.
    """
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    secret = registration["secret"]
    url = f"/api/webhook/{registration['webhook_id']}"
    bodies = [
        json.dumps(
            [vehicle_event(server, vehicle_id, (d * 100 + e) % 100) for e in range(100)]
        ).encode()
        for d in range(10)
    ]
    bodies[-1] = json.dumps(
        [vehicle_event(server, vehicle_id, e % 100) for e in range(99)]
        + [vehicle_event(server, vehicle_id, 77)]
    ).encode()
    server.sandbox.counters.reset()

    lags: list[float] = []
    running = True
    beating = asyncio.Event()

    async def heartbeat() -> None:
        loop = asyncio.get_running_loop()
        while running:
            before = loop.time()
            await asyncio.sleep(HEARTBEAT)
            lags.append(loop.time() - before - HEARTBEAT)
            beating.set()

    async def deliver(index: int, body: bytes) -> int:
        response = await client.post(
            url,
            data=body,
            headers={
                "x-enode-delivery": f"burst-{index}",
                "x-enode-signature": sign(secret, body),
                "Content-Type": "application/json",
            },
        )
        return response.status

    beat = asyncio.create_task(heartbeat())
    await beating.wait()
    started = time.perf_counter()
    statuses = await asyncio.gather(*(deliver(i, body) for i, body in enumerate(bodies[:-1])))
    statuses.append(await deliver(len(bodies) - 1, bodies[-1]))  # the last one last
    await hass.async_block_till_done()
    elapsed = time.perf_counter() - started
    running = False
    await beat

    assert statuses == [HTTPStatus.OK] * 10
    assert float(entity_state(hass, "sensor", vehicle_id, "battery_level").state) == 77
    assert requests(server) == 0  # applied from the deliveries: no poll, no request
    max_lag = max(lags)
    print(  # the README's figures (shown with -s)
        f"\nburst: 1,000 events in 10 deliveries handled in {elapsed * 1000:.0f} ms; "
        f"max event-loop lag {max_lag * 1000:.1f} ms over {len(lags)} heartbeats"
    )
    assert entry.state is ConfigEntryState.LOADED

"""Races and glitches against the real sandbox: newer data wins, a glitch removes nothing.

A poll takes several requests; a push delivery or an action can land between them. Whatever
path the data came by, what the user sees afterwards is the newest the provider said.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier
from sandbox.enode.server import SandboxServer

from .conftest import (
    admin,
    enable_push,
    entity_state,
    inject,
    next_cycle,
    setup_entry,
    sign,
    vehicle_event,
    warnings_from_integration,
)

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

CHARGER_LIST_LATENCY = {"kind": "latency", "latencyMs": 400}
"""The fault of the report: the request after the vehicle list answers 0.4 s late."""


def _battery(hass: HomeAssistant, vehicle_id: str) -> float:
    return float(entity_state(hass, "sensor", vehicle_id, "battery_level").state)


async def _poll_in_flight(
    hass: HomeAssistant, entry: MockConfigEntry
) -> tuple[asyncio.Task[None], Callable[[], Awaitable[None]]]:
    """Start a refresh; return its task and a wait for its vehicle list to have been read.

    The wait ends when the (slow) charger request is made: the vehicle list in the refresh's
    hands is then final, and anything the provider changes now is newer than it.
    """
    coordinator = entry.runtime_data.coordinator
    sent = asyncio.Event()
    original = coordinator.provider.async_list_chargers

    async def list_chargers() -> Any:
        sent.set()
        return await original()

    patcher = patch.object(coordinator.provider, "async_list_chargers", list_chargers)
    patcher.start()
    task = hass.async_create_task(coordinator.async_refresh())
    task.add_done_callback(lambda _: patcher.stop())

    async def wait_sent() -> None:
        await sent.wait()

    return task, wait_sent


async def test_older_poll_does_not_overwrite_a_newer_push(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A poll's vehicle list read before a push, applied after it, does not roll it back."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    await enable_push(hass, entry, client.server.port)
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=40)
    await server.settle()
    await hass.async_block_till_done()
    assert _battery(hass, vehicle_id) == 40

    await inject(server, "/users/*/chargers", **CHARGER_LIST_LATENCY)
    poll, vehicle_list_read = await _poll_in_flight(hass, entry)
    await vehicle_list_read()
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=41)
    # The charger changes too: the poll reads that (its list is read after the latency).
    await admin(server, "PATCH", f"/chargers/{charger_id}", maxCurrent=16)
    await server.settle()  # the deliveries are answered by now: the pushes are applied
    assert not poll.done()
    assert _battery(hass, vehicle_id) == 41

    await poll
    await hass.async_block_till_done()
    assert _battery(hass, vehicle_id) == 41
    coordinator = entry.runtime_data.coordinator
    assert coordinator.data.vehicles[vehicle_id].charge_state.battery_level == 41
    assert coordinator.data.chargers[charger_id].charge_state.max_current_a == 16
    assert coordinator.last_update_success

    # The next poll, sent after the push, is newer again and is shown.
    await admin(server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=42)
    await coordinator.async_refresh()
    assert _battery(hass, vehicle_id) == 42


async def test_location_created_during_a_poll_survives_it(
    hass: HomeAssistant, server: SandboxServer
) -> None:
    """A location created while a poll is in flight can be updated right after the poll."""
    entry, _, _ = await setup_entry(hass, server)
    await inject(server, "/users/*/chargers", **CHARGER_LIST_LATENCY)
    poll, vehicle_list_read = await _poll_in_flight(hass, entry)
    await vehicle_list_read()
    created = await hass.services.async_call(
        DOMAIN,
        "create_location",
        {"config_entry_id": entry.entry_id, "name": "Cabin"},
        blocking=True,
        return_response=True,
    )
    assert created is not None
    assert not poll.done()
    await poll

    updated = await hass.services.async_call(
        DOMAIN,
        "update_location",
        {"config_entry_id": entry.entry_id, "location_id": created["id"], "name": "Lake cabin"},
        blocking=True,
        return_response=True,
    )
    assert updated is not None
    assert updated["name"] == "Lake cabin"
    locations = entry.runtime_data.coordinator.data.locations
    assert locations[str(created["id"])].name == "Lake cabin"


async def test_late_update_after_deleted_does_not_bring_the_vehicle_back(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A retry of an older `updated` event after `deleted` creates no device; a relink does."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    url = f"/api/webhook/{registration['webhook_id']}"
    devices = dr.async_get(hass)

    async def post(events: list[dict[str, Any]], delivery: str) -> None:
        body = json.dumps(events).encode()
        response = await client.post(
            url,
            data=body,
            headers={
                "x-enode-signature": sign(registration["secret"], body),
                "x-enode-delivery": delivery,
            },
        )
        assert response.status == HTTPStatus.OK
        await hass.async_block_till_done()

    def device() -> dr.DeviceEntry | None:
        return devices.async_get_device_by_identifier(
            device_identifier(entry, vehicle_id), entry.entry_id
        )

    older = vehicle_event(server, vehicle_id, 30)
    deleted = {
        "event": "user:vehicle:deleted",
        "user": {"id": older["user"]["id"]},
        "vehicle": older["vehicle"],
    }
    await post([deleted], "d-deleted")
    assert device() is None  # a push deletion removes at once
    await post([older], "d-older")  # its first attempt failed; the retry comes late
    assert device() is None
    assert vehicle_id not in entry.runtime_data.coordinator.data.vehicles

    # The provider lists the vehicle again (linked again): the next poll brings it back.
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert device() is not None
    assert entity_state(hass, "sensor", vehicle_id, "battery_level").state != STATE_UNAVAILABLE


async def test_an_empty_device_list_once_removes_nothing(
    hass: HomeAssistant, server: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The provider lists no devices once: kept (unavailable), a warning and a repair issue."""
    entry, (vehicle_id,), (charger_id,) = await setup_entry(hass, server)
    entities = er.async_get(hass)
    battery = entity_state(hass, "sensor", vehicle_id, "battery_level").entity_id
    entities.async_update_entity(battery, name="My car's battery")
    issues = ir.async_get(hass)
    caplog.clear()

    await inject(server, "/users/*/vehicles", kind="empty")
    await inject(server, "/users/*/chargers", kind="empty")
    await next_cycle(hass, entry)

    devices = dr.async_get(hass)
    for device_id in (vehicle_id, charger_id):
        assert devices.async_get_device_by_identifier(
            device_identifier(entry, device_id), entry.entry_id
        )
    assert hass.states.get(battery).state == STATE_UNAVAILABLE
    (warning,) = warnings_from_integration(caplog.records)
    assert vehicle_id not in warning.getMessage()
    issue_id = f"devices_missing_{entry.entry_id}"
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"title": "Sandbox", "count": "2"}

    await next_cycle(hass, entry)
    assert float(hass.states.get(battery).state) >= 0
    registry_entry = entities.async_get(battery)
    assert registry_entry is not None
    assert registry_entry.name == "My car's battery"
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

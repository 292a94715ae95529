"""A Connectors API account set up against the connectors sandbox: devices, actions, privacy.

The real client talks to the sandbox on loopback, so what a user sees is what the API's
documented shapes really produce: connector devices with their versions on the card, an
assignment entity, claim/release/list actions with translated refusals, and a PIN that never
shows up anywhere in Home Assistant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any
from unittest.mock import MagicMock, PropertyMock, patch

import probatio as vol
import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.connectors import ConnectorsProvider
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from custom_components.connected_ev.remotes import async_add_remote_entities
from sandbox.connectors.server import ConnectorsSandboxServer
from sandbox.connectors.world import Connector
from sandbox.faults import Fault

pytestmark = pytest.mark.usefixtures("socket_enabled")

ENTRY_ID = "01JCEV0CONNECTORS0ENTRY000"
CUSTOMER = "160c0c4b-9966-4dc1-a916-8407eb10d74e"
LIST = "/v2/customers/connectors"


@pytest.fixture
async def sandbox() -> AsyncIterator[ConnectorsSandboxServer]:
    """Run the sandbox with the document's 3,255 connectors (3 of them the customer's)."""
    async with ConnectorsSandboxServer(connectors=3255, time_scale=0) as server:
        yield server


@pytest.fixture
async def entry(hass: HomeAssistant, sandbox: ConnectorsSandboxServer) -> MockConfigEntry:
    """Set up an API-key entry for the customer."""
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="Connectors API",
        unique_id="connectors:test",
        data={
            "provider": "connectors",
            "environment": "custom",
            "base_url": sandbox.url,
            "customer_id": CUSTOMER,
            "api_key": sandbox.sandbox.api_key,
        },
        version=2,
        minor_version=2,
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    return config_entry


def _free(sandbox: ConnectorsSandboxServer, *, pin: bool = True) -> Connector:
    return next(
        c
        for c in sandbox.world.connectors.values()
        if c.customer_id is None and (c.pin is not None) == pin
    )


def _device(
    hass: HomeAssistant, entry: MockConfigEntry, connector_id: str
) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, connector_id), entry.entry_id
    )


def _puts(sandbox: ConnectorsSandboxServer) -> list[dict[str, Any]]:
    return [r for r in sandbox.sandbox.requests if r["method"] == "PUT"]


async def _claim(hass: HomeAssistant, entry: MockConfigEntry, name: str, pin: str) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "claim_remote",
        {"config_entry_id": entry.entry_id, "name": name, "pin": pin},
        blocking=True,
        return_response=True,
    )


async def test_devices_and_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    entry: MockConfigEntry,
) -> None:
    """Each of the customer's connectors: a device and a diagnostic assignment sensor."""
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    cards = sorted(
        (device.name, device.manufacturer, device.model, device.hw_version, device.sw_version)
        for device in devices
        if device.entry_type is None
    )
    assert cards == snapshot(name="device-cards")


async def test_device_card_follows_the_provider(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """A firmware update shows on the device card after the next refresh."""
    connector = sandbox.world.connectors[next(iter(entry.runtime_data.coordinator.data.remotes))]
    connector.software_version = "9001"
    connector.name = "renamed"
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    device = _device(hass, entry, connector.id)
    assert device is not None
    assert (device.sw_version, device.name) == ("9001", "renamed")


async def test_assigned_elsewhere_appear_and_released_elsewhere_disappear(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """Changes made outside Home Assistant show after polls, without a restart."""
    coordinator = entry.runtime_data.coordinator
    free = _free(sandbox)
    free.customer_id = CUSTOMER
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _device(hass, entry, free.id) is not None
    free.customer_id = None
    for _ in range(ABSENT_REFRESHES_BEFORE_REMOVAL):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert _device(hass, entry, free.id) is None


async def test_a_refresh_costs_one_request(
    entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    sandbox.sandbox.requests.clear()
    await entry.runtime_data.coordinator.async_refresh()
    assert [(r["method"], r["path"]) for r in sandbox.sandbox.requests] == [("GET", LIST)]
    assert f"customer_id={CUSTOMER}" in sandbox.sandbox.requests[0]["query"]


async def test_claim_and_release(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    free = _free(sandbox)
    assert free.pin is not None
    claimed = await _claim(hass, entry, free.name, free.pin)
    assert claimed == {
        "id": free.id,
        "name": free.name,
        "type": free.type,
        "assignment": "this_customer",
        "hardware_version": free.hardware_version,
        "software_version": free.software_version,
    }
    await hass.async_block_till_done()
    device = _device(hass, entry, free.id)
    assert device is not None
    sensor = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, entity_unique_id(entry, free.id, "remote_assignment")
    )
    assert sensor is not None
    assert hass.states.get(sensor).state == "this_customer"

    await hass.services.async_call(
        DOMAIN, "release_remote", {"device_id": device.id}, blocking=True
    )
    await hass.async_block_till_done()
    assert free.customer_id is None
    assert _device(hass, entry, free.id) is None
    assert hass.states.get(sensor) is None

    # Claimed again later: it comes back.
    await _claim(hass, entry, free.name, free.pin)
    await hass.async_block_till_done()
    assert _device(hass, entry, free.id) is not None


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("wrong_pin", "remote_wrong_pin"),
        ("no_pin", "remote_wrong_pin"),
        ("taken", "remote_already_assigned"),
        ("unknown", "remote_unknown_connector"),
    ],
)
async def test_claim_refusals_change_nothing(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sandbox: ConnectorsSandboxServer,
    case: str,
    key: str,
) -> None:
    if case == "wrong_pin":
        target = _free(sandbox)
        name, pin = target.name, "99999" if target.pin != "99999" else "11111"
    elif case == "no_pin":
        target = _free(sandbox, pin=False)
        name, pin = target.name, "00000"
    elif case == "taken":
        target = next(
            c for c in sandbox.world.connectors.values() if c.customer_id not in (None, CUSTOMER)
        )
        name, pin = target.name, target.pin or "00000"
    else:
        name, pin = "no-such-connector", "12345"
    before = {c.id: c.customer_id for c in sandbox.world.connectors.values()}
    with pytest.raises(ServiceValidationError) as raised:
        await _claim(hass, entry, name, pin)
    assert raised.value.translation_key == key
    assert raised.value.translation_placeholders == {"name": name}
    assert {c.id: c.customer_id for c in sandbox.world.connectors.values()} == before
    assert _puts(sandbox) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "1000001", "pin": "1234"}, "remote_pin_format"),
        ({"name": "1000001", "pin": 12345}, "remote_pin_format"),
    ],
)
async def test_claim_input_is_checked_first(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sandbox: ConnectorsSandboxServer,
    data: dict[str, Any],
    message: str,
) -> None:
    sandbox.sandbox.requests.clear()
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "claim_remote",
            {"config_entry_id": entry.entry_id, **data},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == message
    assert sandbox.sandbox.requests == []


async def test_release_refusals(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    coordinator = entry.runtime_data.coordinator
    remote_id = next(iter(coordinator.data.remotes))
    device = _device(hass, entry, remote_id)
    assert device is not None
    # Moved to another customer meanwhile: refused, nothing changed.
    other = "00000000-0000-4000-8000-000000000001"
    sandbox.world.connectors[remote_id].customer_id = other
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "release_remote", {"device_id": device.id}, blocking=True
        )
    assert raised.value.translation_key == "remote_not_assigned_here"
    assert sandbox.world.connectors[remote_id].customer_id == other

    for device_id, key in (("nope", "device_not_found"),):
        with pytest.raises(ServiceValidationError) as raised:
            await hass.services.async_call(
                DOMAIN, "release_remote", {"device_id": device_id}, blocking=True
            )
        assert raised.value.translation_key == key

    other_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, f"{ENTRY_ID}:not-listed")}
    )
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "release_remote", {"device_id": other_device.id}, blocking=True
        )
    assert raised.value.translation_key == "not_a_remote"

    foreign = MockConfigEntry(domain="other")
    foreign.add_to_hass(hass)
    foreign_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=foreign.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "release_remote", {"device_id": foreign_device.id}, blocking=True
        )
    assert raised.value.translation_key == "not_our_device"

    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            DOMAIN, "release_remote", {"device_id": device.id}, blocking=True
        )
    assert raised.value.translation_key == "entry_not_loaded"


async def test_list_every_match_across_pages(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """3,255 connectors in pages of 1000: 4 requests, every one returned, no PINs."""
    sandbox.sandbox.requests.clear()
    response = await hass.services.async_call(
        DOMAIN,
        "list_remotes",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["count"] == 3255
    assert len({item["id"] for item in response["items"]}) == 3255
    assert len(sandbox.sandbox.requests) == 4
    assert all("pin" not in item for item in response["items"])
    assignments = {item["assignment"] for item in response["items"]}
    assert assignments == {"this_customer", "other_customer", "unassigned"}

    sandbox.sandbox.requests.clear()
    filtered = await hass.services.async_call(
        DOMAIN,
        "list_remotes",
        {
            "config_entry_id": entry.entry_id,
            "assigned": True,
            "customer_id": CUSTOMER.upper(),
            "type": ["physical", "virtual"],
            "name": "1000001",
        },
        blocking=True,
        return_response=True,
    )
    assert filtered is not None
    assert [item["name"] for item in filtered["items"]] == ["1000001"]
    query = sandbox.sandbox.requests[0]["query"]
    assert "type=physical&type=virtual" in query
    assert "assigned=true" in query


@pytest.mark.parametrize(
    "data",
    [{"customer_id": "not-a-uuid"}, {"type": ["drone"]}, {"type": ["virtual", "virtual"]}],
)
async def test_list_input_is_checked_first(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sandbox: ConnectorsSandboxServer,
    data: dict[str, Any],
) -> None:
    sandbox.sandbox.requests.clear()
    with pytest.raises((ServiceValidationError, vol.Invalid)):
        await hass.services.async_call(
            DOMAIN,
            "list_remotes",
            {"config_entry_id": entry.entry_id, **data},
            blocking=True,
            return_response=True,
        )
    assert sandbox.sandbox.requests == []


async def test_provider_errors_are_translated(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    sandbox.sandbox.faults.add(Fault(id="f", path=LIST, kind="error", status=503))
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            DOMAIN,
            "list_remotes",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "provider_unavailable"


async def test_actions_need_a_provider_with_remotes(
    hass: HomeAssistant, entry: MockConfigEntry
) -> None:
    with (
        patch.object(
            ConnectorsProvider, "features", new_callable=PropertyMock, return_value=frozenset()
        ),
        pytest.raises(ServiceValidationError) as raised,
    ):
        await hass.services.async_call(
            DOMAIN,
            "list_remotes",
            {"config_entry_id": entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert raised.value.translation_key == "remotes_not_supported"


async def test_the_pin_is_never_shown(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sandbox: ConnectorsSandboxServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No PIN in a state, an attribute, a log line, diagnostics or an action's response."""
    caplog.set_level(logging.DEBUG)
    free = _free(sandbox)
    assert free.pin is not None
    with pytest.raises(ServiceValidationError):
        await _claim(hass, entry, free.name, "99999" if free.pin != "99999" else "11111")
    await _claim(hass, entry, free.name, free.pin)
    await entry.runtime_data.coordinator.async_refresh()
    await hass.services.async_call(
        DOMAIN,
        "list_remotes",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    pins = {
        c.pin
        for c in sandbox.world.connectors.values()
        if c.pin is not None and (c.customer_id == CUSTOMER or c.id == free.id)
    }
    shown = [str((state.state, state.attributes)) for state in hass.states.async_all()]
    diagnostics = str(await async_get_config_entry_diagnostics(hass, entry))
    assert free.id in diagnostics  # the remotes are listed there, their PINs are not
    for pin in pins:
        assert all(pin not in text for text in shown)
        assert pin not in caplog.text
        assert pin not in diagnostics
    assert CUSTOMER not in caplog.text
    assert CUSTOMER not in diagnostics
    assert sandbox.sandbox.api_key not in caplog.text


async def test_rejected_credentials_start_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """A 401 problem on a refresh asks the user for new credentials."""
    sandbox.sandbox.api_key = "rotated"
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert flows[0]["step_id"] == "connectors_reauth"


def test_other_providers_get_no_connector_entities() -> None:
    """Without the remotes part nothing is added and nothing listens."""
    entry = MagicMock()
    entry.runtime_data.coordinator.provider.features = frozenset()
    add = MagicMock()
    async_add_remote_entities(entry, add)
    add.assert_not_called()
    entry.async_on_unload.assert_not_called()


async def test_guessing_pins_is_stopped(
    hass: HomeAssistant, entry: MockConfigEntry, sandbox: ConnectorsSandboxServer
) -> None:
    """After five wrong PINs the sixth try is refused in the user's words, even the right one."""
    free = _free(sandbox)
    assert free.pin is not None
    wrong = "99999" if free.pin != "99999" else "11111"
    for _ in range(5):
        with pytest.raises(ServiceValidationError):
            await _claim(hass, entry, free.name, wrong)
    with pytest.raises(ServiceValidationError) as raised:
        await _claim(hass, entry, free.name, free.pin)
    assert raised.value.translation_key == "remote_too_many_attempts"
    assert free.customer_id is None


async def test_options_offer_polling(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """The options open for this provider too: its polling intervals."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    fields = {str(key) for key in result["data_schema"].schema}
    assert "idle_interval" in fields


async def test_a_poll_in_flight_does_not_undo_a_claim_or_release(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sandbox: ConnectorsSandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A poll that listed before the action finished after it: the action's result stays."""
    coordinator = entry.runtime_data.coordinator
    provider = entry.runtime_data.provider
    listed = asyncio.Event()
    finish = asyncio.Event()
    original = provider.async_list_remotes

    async def slow_listing() -> list[Any]:
        remotes = await original()
        listed.set()
        await finish.wait()
        return remotes

    monkeypatch.setattr(provider, "async_list_remotes", slow_listing)
    free = _free(sandbox)
    assert free.pin is not None

    poll = hass.async_create_task(coordinator.async_refresh())
    await listed.wait()  # the poll has read the list without the connector
    await _claim(hass, entry, free.name, free.pin)
    finish.set()
    await poll
    await hass.async_block_till_done()
    assert free.id in coordinator.data.remotes
    device = _device(hass, entry, free.id)
    assert device is not None

    listed.clear()
    finish.clear()
    poll = hass.async_create_task(coordinator.async_refresh())
    await listed.wait()  # the poll has read the list with the connector
    await hass.services.async_call(
        DOMAIN, "release_remote", {"device_id": device.id}, blocking=True
    )
    finish.set()
    await poll
    await hass.async_block_till_done()
    assert free.id not in coordinator.data.remotes
    assert _device(hass, entry, free.id) is None

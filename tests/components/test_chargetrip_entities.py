"""A Chargetrip account in Home Assistant: entities, diagnostics, live updates and removal.

The provider is mocked at its interface, fed by the real parser with payloads shaped as
Chargetrip's schema has them; its status stream is a queue the test fills.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev import async_remove_config_entry_device
from custom_components.connected_ev.api.chargetrip import ChargetripProvider
from custom_components.connected_ev.api.chargetrip.parse import (
    ConnectedVehicle,
    Scope,
    parse_vehicle,
)
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.models import (
    DeviceKind,
    DeviceStatusChange,
    LinkStatus,
    Vehicle,
)
from custom_components.connected_ev.api.provider import ProviderFeature, features_of
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics
from custom_components.connected_ev.identifiers import device_identifier
from tests.api.chargetrip.conftest import NAMING, VIN, data_payload

TOKEN = "ct-secret-user-token"
ALL = (Scope.CHARGE_STATE, Scope.LOCATION, Scope.ODOMETER)
LIMIT = 10


def vehicle(connected_id: str = "cv-1", scopes: tuple[Scope, ...] = ALL) -> Vehicle:
    """Return a vehicle as the real parser reads Chargetrip's payload."""
    connected = ConnectedVehicle(
        connected_id, "m-1", LinkStatus.LINKED, scopes, label="Family car", vin=VIN
    )
    return parse_vehicle(connected, data_payload(), NAMING)


class FakeStream:
    """The provider's status stream: what the test puts in the queue is yielded."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[DeviceStatusChange | Exception | None] = asyncio.Queue()
        self.watched: list[tuple[str, ...]] = []
        self.open = 0

    async def watch(self, ids: Sequence[str]) -> AsyncIterator[DeviceStatusChange]:
        self.watched.append(tuple(ids))
        self.open += 1
        try:
            while (item := await self.queue.get()) is not None:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            self.open -= 1


@pytest.fixture
def stream() -> FakeStream:
    return FakeStream()


@pytest.fixture
def provider(stream: FakeStream) -> Any:
    """Provide a Chargetrip provider with every part it has, one vehicle with every scope."""
    mock = MagicMock(spec=ChargetripProvider)
    mock.account_id = "acc"
    mock.features = features_of(ChargetripProvider)
    mock.async_list_vehicles = AsyncMock(return_value=[vehicle()])
    mock.async_remove_device = AsyncMock()
    mock.async_watch = stream.watch
    with patch("custom_components.connected_ev.create_provider", return_value=mock):
        yield mock


@pytest.fixture
def entry() -> MockConfigEntry:
    """Provide a Chargetrip entry as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Chargetrip",
        entry_id="01JCEV0CHARGETRIP000ENTRY0",
        unique_id="chargetrip:test",
        version=2,
        minor_version=2,
        data={
            "provider": "chargetrip",
            "environment": "production",
            "base_url": None,
            "client_id": "ct-client",
            "app_id": "ct-app",
            "token": TOKEN,
            "account": "acc",
        },
    )


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
async def loaded(hass: HomeAssistant, entry: MockConfigEntry, provider: Any) -> MockConfigEntry:
    return await _setup(hass, entry)


async def _until(condition: Any) -> None:
    async with asyncio.timeout(LIMIT):
        while not condition():  # noqa: ASYNC110 - set by tasks the test does not own
            await asyncio.sleep(0)


@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.DEVICE_TRACKER, Platform.EVENT, Platform.SENSOR],
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default", "provider")
async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    platform: Platform,
) -> None:
    """Every entity of a Chargetrip vehicle, one platform at a time."""
    with patch("custom_components.connected_ev.PLATFORMS", [platform]):
        await _setup(hass, entry)
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_read_only_and_scoped(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    entry: MockConfigEntry,
    provider: Any,
) -> None:
    """No switch, number, select, time or button; no location entities without its scope."""
    provider.async_list_vehicles.return_value = [
        vehicle(scopes=(Scope.CHARGE_STATE, Scope.ODOMETER))
    ]
    await _setup(hass, entry)
    entities = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    domains = {entity.domain for entity in entities}
    assert not domains & {"switch", "number", "select", "time", "button", "device_tracker"}
    assert not any(e.unique_id.endswith("location_updated") for e in entities)
    assert any(e.unique_id.endswith("odometer_updated") for e in entities)
    assert any(e.unique_id.endswith("charge_limit") for e in entities)


async def test_diagnostics_redact_secrets_ids_vin_and_position(
    hass: HomeAssistant, loaded: MockConfigEntry
) -> None:
    """Token, project ids, VIN and coordinates never leave in diagnostics."""
    diagnostics = await async_get_config_entry_diagnostics(hass, loaded)
    text = repr(diagnostics)
    for secret in (TOKEN, "ct-client", "ct-app", VIN, "59.9139", "10.7522"):
        assert secret not in text, secret
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"


async def test_removed_at_chargetrip_disappears_at_once(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    loaded: MockConfigEntry,
    stream: FakeStream,
) -> None:
    """pending_removal on the stream: the device goes without waiting for a refresh."""
    await _until(lambda: stream.watched == [("cv-1",)])
    identifier = device_identifier(loaded, "cv-1")
    assert device_registry.async_get_device_by_identifier(identifier, loaded.entry_id)
    stream.queue.put_nowait(DeviceStatusChange("cv-1", LinkStatus.REMOVING))
    await _until(
        lambda: device_registry.async_get_device_by_identifier(identifier, loaded.entry_id) is None
    )
    # The stream restarts without the vehicle: nothing left to watch.
    await _until(lambda: stream.open == 0)


async def test_unauthorized_again_raises_a_repair_issue(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    loaded: MockConfigEntry,
    stream: FakeStream,
) -> None:
    """Back to pending_authorization: a repair issue names the vehicle; linked clears it."""
    await _until(lambda: stream.open == 1)
    issue_id = f"vehicle_relink_{loaded.entry_id}_cv-1"
    stream.queue.put_nowait(DeviceStatusChange("cv-1", LinkStatus.LINKING))
    stream.queue.put_nowait(DeviceStatusChange("unknown-id", LinkStatus.LINKING))
    stream.queue.put_nowait(DeviceStatusChange("cv-1", LinkStatus.UNKNOWN))
    stream.queue.put_nowait(DeviceStatusChange("unknown-id", LinkStatus.REMOVED))
    await _until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is not None)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Family car"}
    stream.queue.put_nowait(DeviceStatusChange("cv-1", LinkStatus.LINKED))
    await _until(lambda: issue_registry.async_get_issue(DOMAIN, issue_id) is None)
    assert len(issue_registry.issues) == 0


async def test_lost_connection_reconnects(
    hass: HomeAssistant, entry: MockConfigEntry, provider: Any, stream: FakeStream
) -> None:
    """A dropped stream is opened again after the backoff (zero here)."""
    with patch("custom_components.connected_ev.live_updates.BACKOFF_MIN", timedelta(0)):
        await _setup(hass, entry)
        await _until(lambda: stream.open == 1)
        stream.queue.put_nowait(ProviderUnavailableError("lost"))
        await _until(lambda: len(stream.watched) == 2 and stream.open == 1)
    assert stream.watched == [("cv-1",), ("cv-1",)]


async def test_stream_ending_is_not_restarted(
    hass: HomeAssistant, loaded: MockConfigEntry, stream: FakeStream
) -> None:
    """When every watch completes the stream stays closed until the vehicles change."""
    await _until(lambda: stream.open == 1)
    stream.queue.put_nowait(None)
    await _until(lambda: stream.open == 0)
    await loaded.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert stream.watched == [("cv-1",)]


async def test_refused_stream_hands_over_to_reauth(
    hass: HomeAssistant, loaded: MockConfigEntry, stream: FakeStream, provider: Any
) -> None:
    """Credentials refused on the stream: the refresh raises reauth, once."""
    await _until(lambda: stream.open == 1)
    provider.async_list_vehicles.side_effect = AuthenticationError("expired")
    stream.queue.put_nowait(AuthenticationError("expired"))
    await _until(
        lambda: any(
            flow["context"]["source"] == "reauth"
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        )
    )
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1


async def test_delete_device_removes_it_after_closing_the_stream(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    loaded: MockConfigEntry,
    stream: FakeStream,
    provider: Any,
) -> None:
    """The stream is closed while removeConnectedVehicle runs, and reopened after."""
    await _until(lambda: stream.open == 1)
    open_during: list[int] = []

    async def remove(kind: DeviceKind, device_id: str) -> None:
        open_during.append(stream.open)

    provider.async_remove_device.side_effect = remove
    device = device_registry.async_get_device_by_identifier(
        device_identifier(loaded, "cv-1"), loaded.entry_id
    )
    assert device is not None
    assert await async_remove_config_entry_device(hass, loaded, device)
    provider.async_remove_device.assert_awaited_once_with(DeviceKind.VEHICLE, "cv-1")
    assert open_during == [0]
    assert "cv-1" not in loaded.runtime_data.coordinator.data.vehicles


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (ConflictError("x"), "removal_not_allowed"),
        (AuthenticationError("x"), "authentication_failed"),
        (ProviderUnavailableError("x"), "provider_unavailable"),
        (ProviderError("x"), "removal_failed"),
    ],
)
async def test_refused_removal_keeps_the_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    loaded: MockConfigEntry,
    stream: FakeStream,
    provider: Any,
    error: Exception,
    key: str,
) -> None:
    """A refusal is a translated error and nothing is removed; the stream reopens."""
    await _until(lambda: stream.open == 1)
    provider.async_remove_device.side_effect = error
    device = device_registry.async_get_device_by_identifier(
        device_identifier(loaded, "cv-1"), loaded.entry_id
    )
    assert device is not None
    with pytest.raises(HomeAssistantError) as refused:
        await async_remove_config_entry_device(hass, loaded, device)
    assert refused.value.translation_key == key
    assert refused.value.translation_placeholders == {"name": "Family car"}
    assert "cv-1" in loaded.runtime_data.coordinator.data.vehicles
    await _until(lambda: stream.open == 1)


async def test_already_gone_at_chargetrip_is_removed(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    loaded: MockConfigEntry,
    provider: Any,
) -> None:
    """Not found at Chargetrip: nothing to revoke, the device goes."""
    provider.async_remove_device.side_effect = NotFoundError("gone")
    device = device_registry.async_get_device_by_identifier(
        device_identifier(loaded, "cv-1"), loaded.entry_id
    )
    assert device is not None
    assert await async_remove_config_entry_device(hass, loaded, device)
    assert "cv-1" not in loaded.runtime_data.coordinator.data.vehicles


async def test_two_removals_at_once(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entry: MockConfigEntry,
    provider: Any,
    stream: FakeStream,
) -> None:
    """Two devices deleted together: the stream is closed for both, then watches none."""
    provider.async_list_vehicles.return_value = [vehicle("cv-1"), vehicle("cv-2")]
    await _setup(hass, entry)
    await _until(lambda: stream.open == 1)
    devices = [
        device_registry.async_get_device_by_identifier(
            device_identifier(entry, device_id), entry.entry_id
        )
        for device_id in ("cv-1", "cv-2")
    ]
    results = await asyncio.gather(
        *(async_remove_config_entry_device(hass, entry, d) for d in devices if d is not None)
    )
    assert results == [True, True]
    assert not entry.runtime_data.coordinator.data.vehicles
    assert stream.open == 0


@pytest.mark.parametrize(
    ("without", "removed"),
    [(ProviderFeature.LIVE_UPDATES, True), (ProviderFeature.DEVICE_REMOVAL, False)],
)
async def test_parts_are_optional(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    entry: MockConfigEntry,
    provider: Any,
    stream: FakeStream,
    without: ProviderFeature,
    removed: bool,
) -> None:
    """No stream without live updates; a listed device stays without device removal."""
    provider.features = features_of(ChargetripProvider) - {without}
    await _setup(hass, entry)
    await hass.async_block_till_done()
    if without is ProviderFeature.LIVE_UPDATES:
        assert stream.watched == []
    device = device_registry.async_get_device_by_identifier(
        device_identifier(entry, "cv-1"), entry.entry_id
    )
    assert device is not None
    assert await async_remove_config_entry_device(hass, entry, device) is removed
    assert ("cv-1" in entry.runtime_data.coordinator.data.vehicles) is not removed


async def test_unload_closes_the_stream(
    hass: HomeAssistant, loaded: MockConfigEntry, stream: FakeStream
) -> None:
    """Unloading never waits on the stream: it is cancelled and its connection closed."""
    await _until(lambda: stream.open == 1)
    assert await hass.config_entries.async_unload(loaded.entry_id)
    await _until(lambda: stream.open == 0)
    assert loaded.state is ConfigEntryState.NOT_LOADED


async def test_stale_relink_warnings_are_withdrawn(
    hass: HomeAssistant, issue_registry: ir.IssueRegistry, entry: MockConfigEntry, provider: Any
) -> None:
    """After a relink (a new id) the old vehicle's warning goes; a listed one's stays."""
    for vehicle_id in ("cv-old", "cv-1"):
        ir.async_create_issue(
            hass,
            DOMAIN,
            f"vehicle_relink_{entry.entry_id}_{vehicle_id}",
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="vehicle_relink",
            translation_placeholders={"name": "Family car"},
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        "rate_limited_other",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="rate_limited",
    )
    await _setup(hass, entry)
    remaining = {issue_id for _domain, issue_id in issue_registry.issues}
    assert remaining == {f"vehicle_relink_{entry.entry_id}_cv-1", "rate_limited_other"}

"""Push: the receiver (signature, size, duplicates), each event's effect, health and setup."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import sys
import types
from collections.abc import AsyncGenerator, Callable, Coroutine
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock, patch

import pytest
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant import components
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util.aiohttp import MockRequest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.connected_ev.api.enode import EnodeProvider
from custom_components.connected_ev.api.enode.parse import parse_vehicle
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    NotFoundError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.models import (
    ActionState,
    DeviceKind,
    LinkedVendor,
    UserInfo,
    WebhookTestResult,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL, DOMAIN
from custom_components.connected_ev.energy import ENERGY_READ_INTERVAL
from custom_components.connected_ev.identifiers import account_identifier, device_identifier
from custom_components.connected_ev.options import DATA_PUSH, DEFAULT_PUSH_INTERVAL
from custom_components.connected_ev.push import (
    PUSH_STALE_AFTER,
    PushHealth,
    PushManager,
    credentials_issue_id,
)
from custom_components.connected_ev.push_receiver import MAX_DELIVERY_BYTES, _async_read_bounded
from custom_components.connected_ev.push_subscription import PushRegistration, PushSetupError

from .conftest import (
    BASIC_VEHICLE_ID,
    USER_ID,
    VEHICLE_ID,
    load_json,
)

type ClientFactory = Callable[[], Coroutine[Any, Any, TestClient]]

WEBHOOK_ID = "a" * 64
SECRET = "b" * 64
SUBSCRIPTION_ID = "wh-1"
BATTERY = "sensor.batmobile_battery"
HEALTH = "sensor.enode_sandbox_push_health"
LAST_EVENT = "sensor.enode_sandbox_last_push_event"
SWITCH = "switch.batmobile_charging"


@pytest.fixture
def platforms() -> list[Platform]:
    """Sensors (with the push sensors) and the charging switch."""
    return [Platform.SENSOR, Platform.SWITCH]


@pytest.fixture
def push_on() -> bool:
    """Whether the entry starts with push on."""
    return True


@pytest.fixture
def mock_config_entry(push_on: bool) -> MockConfigEntry:
    """Provide an entry with push on and a stored registration."""
    data: dict[str, Any] = {
        "provider": "enode",
        "environment": "sandbox",
        "base_url": None,
        "user_id": USER_ID,
        "auth_implementation": DOMAIN,
    }
    if push_on:
        data[DATA_PUSH] = PushRegistration(WEBHOOK_ID, SUBSCRIPTION_ID, SECRET).as_dict()
    return MockConfigEntry(
        domain=DOMAIN,
        title="Enode sandbox",
        unique_id=USER_ID,
        minor_version=2,
        data=data,
        options={"push": push_on},
    )


@pytest.fixture(autouse=True)
def push_provider(mock_provider: AsyncMock) -> AsyncMock:
    """Return the mocked provider, checking and parsing deliveries as Enode does."""
    enode = EnodeProvider(MagicMock(), USER_ID)
    mock_provider.verify_push_delivery = MagicMock(side_effect=enode.verify_push_delivery)
    mock_provider.parse_push_delivery = MagicMock(side_effect=enode.parse_push_delivery)
    mock_provider.async_create_push_subscription.return_value = "wh-2"
    mock_provider.async_test_push_subscription.return_value = WebhookTestResult(True, "ok", 200)
    mock_provider.async_delete_push_subscription.return_value = None
    return mock_provider


@pytest.fixture
async def client(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientFactory,
) -> AsyncGenerator[TestClient]:
    """Provide an HTTP client of the Home Assistant under test (webhooks need no auth)."""
    return await hass_client_no_auth()


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def _event(name: str, **fields: Any) -> dict[str, Any]:
    return {"event": name, "createdAt": "2026-11-02T18:00:00Z", "user": {"id": USER_ID}, **fields}


def _vehicle(battery: float, vehicle_index: int = 0) -> dict[str, Any]:
    vehicle = copy.deepcopy(load_json("vehicles.json")[vehicle_index])
    vehicle["chargeState"]["batteryLevel"] = battery
    return vehicle


async def _deliver(
    client: TestClient,
    events: list[dict[str, Any]],
    *,
    delivery_id: str | None = "delivery-1",
    secret: str = SECRET,
    webhook_id: str = WEBHOOK_ID,
) -> int:
    body = json.dumps(events).encode()
    headers = {"x-enode-signature": _sign(body, secret), "Content-Type": "application/json"}
    if delivery_id is not None:
        headers["x-enode-delivery"] = delivery_id
    response = await client.post(f"/api/webhook/{webhook_id}", data=body, headers=headers)
    return response.status


def _coordinator(entry: MockConfigEntry) -> Any:
    return entry.runtime_data.coordinator


# --- the receiver --------------------------------------------------------------------------


async def test_vehicle_update_applies_without_a_poll(
    hass: HomeAssistant, client: TestClient, mock_provider: AsyncMock
) -> None:
    """A signed update changes the entity at once; the provider is not asked again."""
    lists = mock_provider.async_list_vehicles.await_count
    assert hass.states.get(BATTERY).state == "66.0"

    event = _event("user:vehicle:updated", vehicle=_vehicle(71), updatedFields=["x"])
    assert await _deliver(client, [event]) == 200
    await hass.async_block_till_done()

    assert hass.states.get(BATTERY).state == "71.0"
    assert mock_provider.async_list_vehicles.await_count == lists
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    assert hass.states.get(LAST_EVENT).state not in ("unknown", STATE_UNAVAILABLE)


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no signature"),
        ({"x-enode-signature": "sha1=nothex"}, "malformed"),
        ({"x-enode-signature": "sha1=" + "0" * 40}, "does not match"),
    ],
)
async def test_forged_deliveries_rejected(
    hass: HomeAssistant,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    why: str,
) -> None:
    """Unsigned or wrongly signed: 401, logged once at warning, the body never logged."""
    body = json.dumps([_event("user:vehicle:updated", vehicle=_vehicle(5))]).encode()
    for _ in range(2):
        response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers)
        assert response.status == 401
    assert hass.states.get(BATTERY).state == "66.0"
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and "Rejected" in r.message
    ]
    assert len(warnings) == 1
    assert why in warnings[0].message
    assert "batteryLevel" not in caplog.text
    assert hass.states.get(HEALTH).state == PushHealth.STALE


async def test_wrong_secret_rejected(hass: HomeAssistant, client: TestClient) -> None:
    """A delivery signed with another secret (an old one, after rotation) is refused."""
    event = _event("user:vehicle:updated", vehicle=_vehicle(5))
    assert await _deliver(client, [event], secret="c" * 64) == 401
    assert hass.states.get(BATTERY).state == "66.0"


async def test_oversize_rejected(
    hass: HomeAssistant, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A body over 1 MiB gets 413 before it is read."""
    body = b"[" + b" " * MAX_DELIVERY_BYTES + b"]"
    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=body, headers={"x-enode-signature": _sign(body)}
    )
    assert response.status == 413
    assert "larger than 1 MiB" in caplog.text


async def test_bounded_read_without_length() -> None:
    """Without a Content-Length the body is read in chunks and cut past the limit."""

    def request(chunks: list[bytes]) -> Any:
        stream = MagicMock()
        stream.read = AsyncMock(side_effect=[*chunks, b""])
        return types.SimpleNamespace(content_length=None, content=stream)

    assert await _async_read_bounded(request([b"ab", b"cd"])) == b"abcd"
    big = b"x" * (MAX_DELIVERY_BYTES // 2 + 1)
    assert await _async_read_bounded(request([big, big, big])) is None


async def test_signed_garbage_is_a_bad_request(
    hass: HomeAssistant, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Signed but not an event array: 400, yet push still counts as working."""
    body = b'{"not": "an array"}'
    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=body, headers={"x-enode-signature": _sign(body)}
    )
    assert response.status == 400
    assert "Could not read a push delivery" in caplog.text
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY


async def test_duplicates_applied_once(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A retried delivery id is acknowledged and ignored; the memory is bounded."""
    first = _event("user:vehicle:updated", vehicle=_vehicle(70))
    assert await _deliver(client, [first], delivery_id="d-1") == 200
    retried = _event("user:vehicle:updated", vehicle=_vehicle(20))
    assert await _deliver(client, [retried], delivery_id="d-1") == 200
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY).state == "70.0"

    # Without an id nothing can be recognised: applied.
    assert await _deliver(client, [retried], delivery_id=None) == 200
    assert hass.states.get(BATTERY).state == "20.0"

    with patch("custom_components.connected_ev.push_receiver.SEEN_DELIVERIES", 2):
        for delivery_id in ("d-2", "d-3", "d-2"):
            assert await _deliver(client, [_event("system:heartbeat")], delivery_id=delivery_id)
        assert list(init_integration.runtime_data.push.receiver._seen) == ["d-3", "d-2"]
        # d-1 was evicted: its retry is applied again.
        assert await _deliver(client, [first], delivery_id="d-1") == 200
    assert hass.states.get(BATTERY).state == "70.0"


async def test_charger_update(hass: HomeAssistant, client: TestClient) -> None:
    """A charger update replaces the charger."""
    charger = copy.deepcopy(load_json("chargers.json")[0])
    charger["chargeState"].update(isCharging=True, chargeRate=7.4)
    assert await _deliver(client, [_event("user:charger:updated", charger=charger)]) == 200
    await hass.async_block_till_done()
    assert hass.states.get("sensor.zaptec_go_charge_rate").state == "7.4"


async def test_other_users_events_ignored(hass: HomeAssistant, client: TestClient) -> None:
    """Provider webhooks are per client: events of other accounts change nothing."""
    event = _event("user:vehicle:updated", vehicle=_vehicle(10))
    event["user"] = {"id": "someone-else"}
    assert await _deliver(client, [event]) == 200
    assert hass.states.get(BATTERY).state == "66.0"


async def test_discovered_schedules_a_refresh(
    hass: HomeAssistant, client: TestClient, mock_provider: AsyncMock
) -> None:
    """Discoveries carry sparse data: the lists are read again (in the background)."""
    lists = mock_provider.async_list_vehicles.await_count
    sparse = dict.fromkeys(("chargeState", "capabilities", "lastSeen", "location"))
    sparse |= {"id": "new-vehicle", "vendor": "TESLA", "information": {"brand": "Tesla"}}
    assert await _deliver(client, [_event("user:vehicle:discovered", vehicle=sparse)]) == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_provider.async_list_vehicles.await_count == lists + 1


async def test_account_device_names_its_provider(
    init_integration: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    """The push sensors' device says whose account it is, not "unknown"."""
    device = device_registry.async_get_device_by_identifier(
        account_identifier(init_integration), init_integration.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model, device.name) == ("Enode", "Account", "Enode sandbox")


async def test_deleted_removes_the_device(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A deleted vehicle disappears with its device; the account's device stays."""
    vehicle = load_json("vehicles.json")[1]
    assert await _deliver(client, [_event("user:vehicle:deleted", vehicle=vehicle)]) == 200
    await hass.async_block_till_done()
    assert BASIC_VEHICLE_ID not in _coordinator(init_integration).data.vehicles
    entry_id = init_integration.entry_id
    get = device_registry.async_get_device_by_identifier
    assert get(device_identifier(init_integration, BASIC_VEHICLE_ID), entry_id) is None
    assert get(account_identifier(init_integration), entry_id) is not None

    # Deleting an unknown device changes nothing.
    assert await _deliver(
        client, [_event("user:vehicle:deleted", vehicle=vehicle)], delivery_id="2"
    )


async def test_vendor_action_settles_the_switch(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """A pushed CONFIRMED settles the pending start at once, without an action poll."""
    await hass.services.async_call("switch", "turn_on", {"entity_id": SWITCH}, blocking=True)
    coordinator = _coordinator(init_integration)
    assert coordinator.pending_action(VEHICLE_ID).state is ActionState.PENDING
    charging = _vehicle(66)
    charging["chargeState"]["isCharging"] = True
    mock_provider.async_list_vehicles.return_value = [
        parse_vehicle(charging),
        *mock_provider.async_list_vehicles.return_value[1:],
    ]

    action = load_json("charge_action.json") | {"state": "CONFIRMED"}
    other = action | {"targetId": "unknown-vehicle"}
    events = [_event("user:vendor-action:updated", vendorAction=a) for a in (action, other)]
    assert await _deliver(client, events) == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.pending_action(VEHICLE_ID) is None  # settled, and the refresh read it
    assert hass.states.get(SWITCH).state == STATE_ON
    mock_provider.async_get_charge_action.assert_not_awaited()


async def test_smart_charging_status(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """A pushed smart-charging status replaces the vehicle's."""
    status = load_json("smart_charging_status.json") | {"vehicleId": VEHICLE_ID}
    event = _event("user:vehicle:smart-charging-status-updated", smartChargingStatus=status)
    assert await _deliver(client, [event]) == 200
    assert VEHICLE_ID in _coordinator(init_integration).data.smart_charging


async def test_credentials_invalidated_issue(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    mock_provider: AsyncMock,
) -> None:
    """A repair issue links to the entry; it goes once the provider accepts the vendor."""
    events = [
        _event("user:credentials:invalidated", vendor="TESLA"),
        _event("user:credentials:invalidated"),
    ]
    assert await _deliver(client, events) == 200
    entry_id = init_integration.entry_id
    tesla = issue_registry.async_get_issue(DOMAIN, credentials_issue_id(entry_id, "TESLA"))
    assert tesla is not None
    assert tesla.translation_placeholders["vendor"] == "Tesla"
    assert entry_id in tesla.translation_placeholders["entry_url"]
    unnamed = credentials_issue_id(entry_id, None)
    assert issue_registry.async_get_issue(DOMAIN, unnamed) is not None

    # Tesla works again, another vendor not: only Tesla's issue goes on the next setup.
    mock_provider.async_validate.return_value = UserInfo(
        USER_ID,
        (
            LinkedVendor("TESLA", DeviceKind.VEHICLE, True),
            LinkedVendor("ZAPTEC", DeviceKind.CHARGER, False),
        ),
    )
    await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, credentials_issue_id(entry_id, "TESLA")) is None
    assert issue_registry.async_get_issue(DOMAIN, unnamed) is not None

    # The provider cannot be asked: the issues stay.
    mock_provider.async_validate.side_effect = ProviderUnavailableError("down")
    await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, unnamed) is not None

    # Everything works: every issue of the entry goes.
    mock_provider.async_validate.side_effect = None
    mock_provider.async_validate.return_value = UserInfo(USER_ID, ())
    await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, unnamed) is None


# --- health ----------------------------------------------------------------------------------


async def test_health_stretches_and_restores_polling(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
) -> None:
    """Heartbeats stretch polling to the safety poll; silence brings normal polling back."""
    coordinator = _coordinator(init_integration)
    assert coordinator.update_interval == DEFAULT_IDLE_INTERVAL
    assert hass.states.get(HEALTH).state == PushHealth.STALE

    assert await _deliver(client, [_event("system:heartbeat", pendingEvents=0)]) == 200
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    assert coordinator.update_interval == DEFAULT_PUSH_INTERVAL

    # A quiet idle period shorter than the safety poll: no poll.
    lists = mock_provider.async_list_vehicles.await_count
    freezer.tick(DEFAULT_IDLE_INTERVAL * 2)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_provider.async_list_vehicles.await_count == lists

    # A second heartbeat keeps it healthy.
    assert await _deliver(client, [_event("system:heartbeat")], delivery_id="2") == 200
    freezer.tick(PUSH_STALE_AFTER + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(HEALTH).state == PushHealth.STALE
    assert coordinator.update_interval == DEFAULT_IDLE_INTERVAL

    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert mock_provider.async_list_vehicles.await_count > lists


async def test_pushed_charging_reads_energy_between_safety_polls(
    hass: HomeAssistant,
    client: TestClient,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
) -> None:
    """Push carries no statistics: a pushed charging vehicle is read on the energy timer."""
    vehicle = _vehicle(70)
    vehicle["chargeState"] |= {"isCharging": True, "powerDeliveryState": "PLUGGED_IN:CHARGING"}
    event = _event("user:vehicle:updated", vehicle=vehicle, updatedFields=["chargeState"])
    assert await _deliver(client, [event]) == 200
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    lists = mock_provider.async_list_vehicles.await_count
    reads = mock_provider.async_get_lifetime_energy.await_count

    freezer.tick(ENERGY_READ_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert mock_provider.async_get_lifetime_energy.await_args.args == (
        DeviceKind.VEHICLE,
        VEHICLE_ID,
    )
    assert mock_provider.async_get_lifetime_energy.await_count == reads + 1
    assert mock_provider.async_list_vehicles.await_count == lists  # no poll for it


async def test_health_change_while_rate_limited_waits(
    hass: HomeAssistant, client: TestClient, init_integration: MockConfigEntry
) -> None:
    """While rate limited, the backoff keeps deciding the interval."""
    coordinator = _coordinator(init_integration)
    coordinator.rate_limit.refreshes = 1
    coordinator.update_interval = timedelta(hours=1)
    assert await _deliver(client, [_event("system:heartbeat")]) == 200
    assert coordinator.update_interval == timedelta(hours=1)
    assert coordinator.push_interval == DEFAULT_PUSH_INTERVAL


@pytest.mark.parametrize("push_on", [False])
async def test_push_off(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientFactory
) -> None:
    """Push off: the health sensor says so and no webhook answers for the entry."""
    assert hass.states.get(HEALTH).state == PushHealth.DISABLED
    assert hass.states.get(LAST_EVENT).state == "unknown"
    client = await hass_client_no_auth()
    assert await _deliver(client, [_event("system:heartbeat")]) == 200  # HA's unknown-hook 200
    assert hass.states.get(HEALTH).state == PushHealth.DISABLED


async def test_no_push_sensors_without_push_feature(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    setup_credentials: None,
) -> None:
    """Providers that cannot push get no push sensors and no webhook."""
    mock_provider.features = frozenset(ProviderFeature) - {ProviderFeature.PUSH}
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", [Platform.SENSOR]):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert hass.states.get(HEALTH) is None
    mock_provider.async_test_push_subscription.assert_not_awaited()


# --- setup, unload, startup test -------------------------------------------------------------


async def test_unloaded_entry_answers_503_until_set_up_again(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloaded (a reload, a disable): 503, so the provider retries; removed: unregistered.

    Home Assistant answers 200 for a webhook nobody registered: a delivery during a reload
    would be lost, and it logs the webhook id.
    """
    assert await _deliver(client, [], secret="wrong") == 401
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert await _deliver(client, [_event("system:heartbeat")]) == 503

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert await _deliver(client, [_event("system:heartbeat")], delivery_id="2") == 200

    with patch("custom_components.connected_ev.push_subscription.create_provider"):
        await hass.config_entries.async_remove(init_integration.entry_id)
    # Home Assistant's own answer for a webhook nobody registered.
    assert await _deliver(client, [_event("system:heartbeat")], delivery_id="3") == 200
    assert "unregistered webhook" in caplog.text


async def test_startup_test(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Setup tests the subscription once (reactivating it at the provider)."""
    mock_provider.async_test_push_subscription.assert_awaited_once_with(SUBSCRIPTION_ID)


@pytest.mark.parametrize(
    ("outcome", "log"),
    [
        (NotFoundError("gone"), "no longer exists"),
        (WebhookTestResult(False, "HTTP 502"), "HTTP 502"),
        (ProviderUnavailableError("down"), ""),
    ],
)
async def test_startup_test_failures(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    setup_credentials: None,
    caplog: pytest.LogCaptureFixture,
    outcome: Any,
    log: str,
) -> None:
    """A failed startup test is logged; polling goes on as usual."""
    if isinstance(outcome, Exception):
        mock_provider.async_test_push_subscription.side_effect = outcome
    else:
        mock_provider.async_test_push_subscription.return_value = outcome
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert log in caplog.text


def test_registration_from_bad_data() -> None:
    """Malformed stored registrations count as none."""
    assert PushRegistration.from_data({}) is None
    assert PushRegistration.from_data({DATA_PUSH: "x"}) is None
    assert PushRegistration.from_data({DATA_PUSH: {"webhook_id": "a", "secret": ""}}) is None


# --- enabling and disabling ------------------------------------------------------------------


@pytest.fixture
def fake_cloud() -> Any:
    """Stand in for Home Assistant Cloud (its real module needs more than the tests have)."""

    class CloudNotAvailable(Exception):
        pass

    module = types.ModuleType("homeassistant.components.cloud")
    module.CloudNotAvailable = CloudNotAvailable  # type: ignore[attr-defined]
    module.async_active_subscription = MagicMock(return_value=True)  # type: ignore[attr-defined]
    module.async_create_cloudhook = AsyncMock(  # type: ignore[attr-defined]
        return_value="https://hooks.nabu.casa/abc"
    )
    module.async_delete_cloudhook = AsyncMock()  # type: ignore[attr-defined]
    # Both ways the name resolves: another test may have imported the real module already.
    with (
        patch.dict(sys.modules, {"homeassistant.components.cloud": module}),
        patch.object(components, "cloud", module, create=True),
    ):
        yield module


def _push(entry: MockConfigEntry) -> PushManager:
    return entry.runtime_data.push  # type: ignore[no-any-return]


@pytest.mark.parametrize("push_on", [False])
async def test_enable_through_cloudhook(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    fake_cloud: Any,
) -> None:
    """With Cloud logged in the provider pushes to a cloudhook; disabling deletes both."""
    hass.config.components.add("cloud")
    push = _push(init_integration)
    registration = await push.async_enable()
    assert registration.cloudhook
    assert len(registration.secret) >= 32  # at least 128 bits, hex
    mock_provider.async_create_push_subscription.assert_awaited_once_with(
        "https://hooks.nabu.casa/abc", registration.secret
    )
    mock_provider.async_test_push_subscription.assert_awaited_once_with("wh-2")

    again = await push.async_enable()  # re-enabling rotates the secret and the webhook id
    assert again.secret != registration.secret
    assert again.webhook_id != registration.webhook_id

    await push.async_disable()
    mock_provider.async_delete_push_subscription.assert_awaited_once_with("wh-2")
    fake_cloud.async_delete_cloudhook.assert_awaited_once_with(hass, again.webhook_id)
    assert push.health is PushHealth.DISABLED
    await push.async_disable()  # nothing registered: nothing to do
    assert mock_provider.async_delete_push_subscription.await_count == 1


@pytest.mark.parametrize("push_on", [False])
async def test_enable_falls_back_to_external_url(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    fake_cloud: Any,
) -> None:
    """Cloud set up but not connected: the external URL is used."""
    hass.config.components.add("cloud")
    fake_cloud.async_create_cloudhook.side_effect = fake_cloud.CloudNotAvailable
    hass.config.external_url = "https://ha.example.com"
    registration = await _push(init_integration).async_enable()
    assert not registration.cloudhook
    url = mock_provider.async_create_push_subscription.await_args.args[0]
    assert url == f"https://ha.example.com/api/webhook/{registration.webhook_id}"


@pytest.mark.parametrize("push_on", [False])
async def test_enable_without_url(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """No Cloud and no external URL: nothing is created at the provider."""
    with pytest.raises(PushSetupError) as err:
        await _push(init_integration).async_enable()
    assert err.value.key == "no_url"
    mock_provider.async_create_push_subscription.assert_not_awaited()


@pytest.mark.parametrize("push_on", [False])
@pytest.mark.parametrize(
    ("failure", "key", "deleted"),
    [
        ("create", "invalid_auth", False),
        ("test_error", "cannot_connect", True),
        ("test_failed", "test_failed", True),
    ],
)
async def test_enable_failures_undo(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    hass_client_no_auth: ClientFactory,
    failure: str,
    key: str,
    deleted: bool,
) -> None:
    """A failed subscription or test leaves nothing behind, here or at the provider."""
    hass.config.external_url = "https://ha.example.com"
    if failure == "create":
        mock_provider.async_create_push_subscription.side_effect = AuthenticationError("no")
    elif failure == "test_error":
        mock_provider.async_test_push_subscription.side_effect = ProviderUnavailableError("x")
    else:
        mock_provider.async_test_push_subscription.return_value = WebhookTestResult(
            False, "HTTP 404"
        )
    push = _push(init_integration)
    with pytest.raises(PushSetupError) as err:
        await push.async_enable()
    assert err.value.key == key
    assert (mock_provider.async_delete_push_subscription.await_count == 1) is deleted
    assert push.registration is None
    assert push._registered_webhook is None


async def test_disable_errors(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Already gone at the provider is fine; an unreachable provider is an error to retry."""
    push = _push(init_integration)
    mock_provider.async_delete_push_subscription.side_effect = ProviderUnavailableError("x")
    with pytest.raises(PushSetupError):
        await push.async_disable()
    assert push.registration is not None
    mock_provider.async_delete_push_subscription.side_effect = NotFoundError("gone")
    await push.async_disable()
    assert push.registration is None


# --- entry removal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "log"),
    [(None, ""), (NotFoundError("gone"), ""), (ProviderUnavailableError("x"), "Could not")],
)
async def test_removal_deletes_the_subscription(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    fake_cloud: Any,
    caplog: pytest.LogCaptureFixture,
    outcome: Exception | None,
    log: str,
) -> None:
    """Removing the entry deletes its provider subscription and cloudhook (best effort)."""
    hass.config.components.add("cloud")
    hass.config_entries.async_update_entry(
        init_integration,
        data={
            **init_integration.data,
            DATA_PUSH: PushRegistration(WEBHOOK_ID, SUBSCRIPTION_ID, SECRET, True).as_dict(),
        },
    )
    mock_provider.async_delete_push_subscription.side_effect = outcome
    with patch(
        "custom_components.connected_ev.push_subscription.create_provider",
        return_value=mock_provider,
    ):
        await hass.config_entries.async_remove(init_integration.entry_id)
    mock_provider.async_delete_push_subscription.assert_awaited_once_with(SUBSCRIPTION_ID)
    fake_cloud.async_delete_cloudhook.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert log in caplog.text


@pytest.mark.parametrize("push_on", [False])
async def test_removal_without_push(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Nothing to delete without a registration."""
    await hass.config_entries.async_remove(init_integration.entry_id)
    mock_provider.async_delete_push_subscription.assert_not_awaited()


async def test_removal_without_credentials(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Without application credentials the subscription cannot be deleted: say so."""
    assert await async_setup_component(hass, "application_credentials", {})
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    assert "Could not delete the push subscription" in caplog.text


# --- deliveries through Home Assistant Cloud and the WebSocket API --------------------------


def _mock_request(
    events: Any, *, secret: str = SECRET, source: str = "cloud", body: bytes | None = None
) -> MockRequest:
    """Build a delivery as Home Assistant Cloud hands it over: a ``MockRequest`` from text."""
    raw = json.dumps(events).encode() if body is None else body
    return MockRequest(
        content=raw.decode().encode("utf-8"),
        mock_source=source,
        method="POST",
        headers={"x-enode-signature": _sign(raw, secret), "x-enode-delivery": "cloud-1"},
        query_string="",
        remote=None,
    )


def _our_log(caplog: pytest.LogCaptureFixture) -> str:
    """Return the integration's own log lines (Home Assistant's HTTP server logs paths)."""
    return "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.connected_ev")
    )


async def test_cloudhook_delivery_applies(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """A cloudhook delivery (no content length) is applied and answered 200, no error logged."""
    caplog.set_level(logging.DEBUG)
    event = _event("user:vehicle:updated", vehicle=_vehicle(71))
    response = await webhook.async_handle_webhook(hass, WEBHOOK_ID, _mock_request([event]))
    await hass.async_block_till_done()

    assert response.status == 200
    assert hass.states.get(BATTERY).state == "71.0"
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert WEBHOOK_ID not in caplog.text


async def test_cloudhook_rejections(
    hass: HomeAssistant, init_integration: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Through the cloud too: forged is 401, oversize 413; the log says where it came from."""
    forged = _mock_request([_event("system:heartbeat")], secret="c" * 64)
    assert (await webhook.async_handle_webhook(hass, WEBHOOK_ID, forged)).status == 401
    assert "from Home Assistant Cloud" in caplog.text
    huge = _mock_request([], body=b"[" + b" " * MAX_DELIVERY_BYTES + b"]")
    assert (await webhook.async_handle_webhook(hass, WEBHOOK_ID, huge)).status == 413
    assert hass.states.get(BATTERY).state == "66.0"
    assert WEBHOOK_ID not in caplog.text


async def test_receiver_failure_is_not_a_200(
    hass: HomeAssistant,
    client: TestClient,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unexpected failure answers 500 (the provider retries), never naming the webhook."""
    mock_provider.parse_push_delivery.side_effect = RuntimeError("boom")
    assert await _deliver(client, [_event("system:heartbeat")]) == 500
    assert "Could not handle a push delivery for Enode sandbox" in caplog.text
    assert WEBHOOK_ID not in _our_log(caplog)


async def test_deeply_nested_delivery_is_a_bad_request(
    hass: HomeAssistant, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed 100,000-deep array: 400 with a warning, no traceback, no webhook id."""
    body = b"[" * 100_000 + b"]" * 100_000
    response = await client.post(
        f"/api/webhook/{WEBHOOK_ID}", data=body, headers={"x-enode-signature": _sign(body)}
    )
    assert response.status == 400
    assert "Could not read a push delivery" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert WEBHOOK_ID not in _our_log(caplog)


async def test_events_without_a_user_ignored(
    hass: HomeAssistant,
    client: TestClient,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A signed update naming no user adds no device and changes nothing; heartbeats count."""
    stranger = _vehicle(10, vehicle_index=0) | {"id": "strangers-car", "userId": "someone-else"}
    event = _event("user:vehicle:updated", vehicle=stranger)
    del event["user"]
    known = _event("user:vehicle:updated", vehicle=_vehicle(12))
    del known["user"]
    assert await _deliver(client, [event, known]) == 200
    await hass.async_block_till_done()
    assert "strangers-car" not in _coordinator(init_integration).data.vehicles
    assert (
        device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, "strangers-car"), init_integration.entry_id
        )
        is None
    )
    assert hass.states.get(BATTERY).state == "66.0"

    heartbeat = {"event": "system:heartbeat", "createdAt": "2026-11-02T18:00:00Z"}
    assert await _deliver(client, [heartbeat], delivery_id="hb") == 200
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY


async def test_delivery_in_flight_during_unload(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A delivery still being read at unload is answered 503 and leaves no stale timer."""
    body = json.dumps([_event("system:heartbeat")]).encode()
    reading = asyncio.Event()
    release = asyncio.Event()

    class SlowStream:
        """A body that arrives only once the test lets it (after the unload began)."""

        def __init__(self) -> None:
            self.remaining = body

        async def read(self, size: int = -1) -> bytes:
            reading.set()
            await release.wait()
            chunk, self.remaining = self.remaining, b""
            return chunk

    request = MockRequest(
        content=b"", mock_source="cloud", method="POST", headers={"x-enode-signature": _sign(body)}
    )
    with patch.object(MockRequest, "content", SlowStream()):
        task = hass.async_create_task(webhook.async_handle_webhook(hass, WEBHOOK_ID, request))
        await reading.wait()
        assert await hass.config_entries.async_unload(init_integration.entry_id)
        release.set()
        response = await task
    assert response.status == 503

    freezer.tick(PUSH_STALE_AFTER + timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert "No push delivery" not in caplog.text


# --- an enabling the user never confirmed ----------------------------------------------------


@pytest.mark.parametrize("push_on", [False])
async def test_abandoned_push_dialog_deletes_the_subscription(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Closing the "push works" dialog deletes the new subscription; nothing stays stored."""
    hass.config.external_url = "https://ha.example.com"
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
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
    assert result["step_id"] == "push_enabled"
    hass.config_entries.options.async_abort(result["flow_id"])
    await hass.async_block_till_done(wait_background_tasks=True)

    mock_provider.async_delete_push_subscription.assert_awaited_once_with("wh-2")
    assert DATA_PUSH not in init_integration.data
    assert _push(init_integration).registration is None
    assert hass.states.get(HEALTH).state == PushHealth.DISABLED


@pytest.mark.parametrize(
    ("outcome", "kept"),
    [(None, False), (NotFoundError("gone"), False), (AuthenticationError("x"), True)],
)
async def test_unconfirmed_subscription_deleted_on_setup(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    setup_credentials: None,
    caplog: pytest.LogCaptureFixture,
    outcome: Exception | None,
    kept: bool,
) -> None:
    """Stored but never confirmed (dialog closed, then a restart): setup deletes it."""
    registration = PushRegistration(WEBHOOK_ID, SUBSCRIPTION_ID, SECRET)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Enode sandbox",
        unique_id=USER_ID,
        data={
            "provider": "enode",
            "environment": "sandbox",
            "base_url": None,
            "user_id": USER_ID,
            "auth_implementation": DOMAIN,
            DATA_PUSH: registration.as_dict(),
        },
        options={"push": False},
    )
    mock_provider.async_delete_push_subscription.side_effect = outcome
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    mock_provider.async_delete_push_subscription.assert_awaited_once_with(SUBSCRIPTION_ID)
    mock_provider.async_test_push_subscription.assert_not_awaited()
    assert (DATA_PUSH in entry.data) is kept
    assert ("trying again on the next start" in caplog.text) is kept
    assert hass.states.get(HEALTH).state == PushHealth.DISABLED

"""The coordinator: fixed request cost, adaptive interval, errors told apart, device lifecycle."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidResponseError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    Capability,
    CapabilityInfo,
    GeoPosition,
    Vehicle,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import (
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    DOMAIN,
    MAX_RATE_LIMIT_BACKOFF,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL
from custom_components.connected_ev.identifiers import device_identifier, entity_unique_id
from custom_components.connected_ev.poll_timing import CHARGER_PLUGGED_POLL, CHARGER_POLL

from .conftest import CHARGER_ID, load_chargers, load_vehicles

BATTERY = "sensor.batmobile_battery"


@pytest.fixture
def platforms() -> list[Platform]:
    """Sensors and trackers are enough to see what the coordinator does."""
    return [Platform.SENSOR, Platform.DEVICE_TRACKER]


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def _logged(caplog: pytest.LogCaptureFixture, level: int, text: str) -> int:
    return sum(
        1 for record in caplog.records if record.levelno == level and text in record.getMessage()
    )


def _coordinator(entry: MockConfigEntry) -> ConnectedEVCoordinator:
    coordinator: ConnectedEVCoordinator = entry.runtime_data.coordinator
    return coordinator


def _charging(vehicle: Vehicle) -> Vehicle:
    return replace(vehicle, charge_state=replace(vehicle.charge_state, is_charging=True))


@pytest.mark.usefixtures("init_integration")
async def test_refresh_cost_is_fixed(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """Each refresh lists vehicles once, chargers only when due; never a refresh hint."""
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert mock_provider.async_list_vehicles.await_count == 3
    # Setup listed them; nothing was plugged in or out since (``ChargerListSchedule``).
    assert mock_provider.async_list_chargers.await_count == 1
    mock_provider.async_refresh_hint.assert_not_called()
    mock_provider.async_set_charging.assert_not_called()


async def test_provider_without_chargers(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A vehicle-only provider is never asked for chargers."""
    mock_provider.features = frozenset({ProviderFeature.LINK_SESSION})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    mock_provider.async_list_chargers.assert_not_called()
    assert _coordinator(mock_config_entry).data.chargers == {}
    # Without chargers the plugged-in charger could never be named: no such sensor.
    assert hass.states.get("sensor.batmobile_plugged_in_charger") is None


async def test_adaptive_interval(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """Polls every few minutes while anything charges, less often when all is idle."""
    coordinator = _coordinator(init_integration)
    assert coordinator.update_interval == DEFAULT_IDLE_INTERVAL

    vehicles = load_vehicles()
    mock_provider.async_list_vehicles.return_value = [_charging(vehicles[0]), vehicles[1]]
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert coordinator.update_interval == DEFAULT_CHARGING_INTERVAL

    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == 3

    mock_provider.async_list_vehicles.return_value = vehicles
    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL)
    assert coordinator.update_interval == DEFAULT_IDLE_INTERVAL
    await _tick(hass, freezer, DEFAULT_CHARGING_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == 4


@pytest.mark.usefixtures("init_integration")
async def test_authentication_error_starts_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """Rejected credentials during polling start reauth and make entities unavailable."""
    mock_provider.async_list_vehicles.side_effect = AuthenticationError("rejected")
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE
    assert len(list(mock_config_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


@pytest.mark.usefixtures("init_integration")
async def test_outage_logged_once_and_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage makes entities unavailable with one log line, and one when it recovers."""
    assert hass.states.get(BATTERY).state == "66.0"
    mock_provider.async_list_vehicles.side_effect = ProviderUnavailableError("down")
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE
    assert _logged(caplog, logging.ERROR, "The provider is not reachable at the moment") == 1

    mock_provider.async_list_vehicles.side_effect = None
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert hass.states.get(BATTERY).state == "66.0"
    assert _logged(caplog, logging.INFO, "data recovered") == 1


@pytest.mark.usefixtures("init_integration")
async def test_outage_retry_after_is_honoured(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """A provider that says when to come back is not asked sooner."""
    mock_provider.async_list_vehicles.side_effect = ProviderUnavailableError(
        "down", retry_after=3600
    )
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == 2

    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == 2
    await _tick(hass, freezer, timedelta(hours=1))
    assert mock_provider.async_list_vehicles.await_count == 3


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (InvalidResponseError("Enode vehicle: 'id' is missing"), "could not be read"),
        (ForbiddenError("Enode GET /users/{userId}/vehicles failed"), "Unexpected error"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_bad_payload_is_logged(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    message: str,
) -> None:
    """A payload that cannot be read is logged with its reason; nothing crashes."""
    mock_provider.async_list_vehicles.side_effect = error
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert message in caplog.text
    assert str(error) in caplog.text
    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE

    mock_provider.async_list_vehicles.side_effect = None
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert hass.states.get(BATTERY).state == "66.0"


async def test_rate_limit_keeps_data_and_repairs(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rate limits keep the last values, wait for Retry-After, and become a repair issue."""
    coordinator = _coordinator(init_integration)
    issue_id = f"rate_limited_{init_integration.entry_id}"
    mock_provider.async_list_vehicles.side_effect = RateLimitedError("429", retry_after=1800)

    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert hass.states.get(BATTERY).state == "66.0"
    assert coordinator.update_interval == timedelta(seconds=1800)
    assert _logged(caplog, logging.WARNING, "is rate limited") == 1

    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == 2  # Retry-After not over yet

    await _tick(hass, freezer, timedelta(seconds=1800))
    assert mock_provider.async_list_vehicles.await_count == 3
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None

    await _tick(hass, freezer, timedelta(seconds=1800))
    assert mock_provider.async_list_vehicles.await_count == 4
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "rate_limited"
    assert hass.states.get(BATTERY).state == "66.0"

    mock_provider.async_list_vehicles.side_effect = None
    await _tick(hass, freezer, timedelta(seconds=1800))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert coordinator.update_interval == DEFAULT_IDLE_INTERVAL
    assert "no longer rate limited" in caplog.text


async def test_rate_limit_without_retry_after_backs_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """Without Retry-After, each rate-limited refresh doubles the wait, up to a cap."""
    coordinator = _coordinator(init_integration)
    mock_provider.async_list_vehicles.side_effect = RateLimitedError("429")

    intervals = []
    for _ in range(6):
        await coordinator.async_refresh()
        intervals.append(coordinator.update_interval)

    assert intervals == [
        DEFAULT_IDLE_INTERVAL,
        DEFAULT_IDLE_INTERVAL * 2,
        DEFAULT_IDLE_INTERVAL * 4,
        DEFAULT_IDLE_INTERVAL * 8,
        MAX_RATE_LIMIT_BACKOFF,
        MAX_RATE_LIMIT_BACKOFF,
    ]


async def test_new_device_appears_without_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A vehicle linked at the provider gets its device and entities on the next poll."""
    vehicles = load_vehicles()
    new = replace(
        vehicles[1],
        id="new-vehicle",
        information=replace(vehicles[1].information, display_name="Second car"),
    )
    mock_provider.async_list_vehicles.return_value = [*vehicles, new]

    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert hass.states.get("sensor.second_car_battery").state == "41.0"
    assert device_registry.async_get_device_by_identifier(
        device_identifier(init_integration, "new-vehicle"), init_integration.entry_id
    )


async def test_capability_gained_adds_entity(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """An entity the device could not have before appears once it can."""
    assert hass.states.get("device_tracker.renault_zoe_location") is None
    vehicles = load_vehicles()
    basic = vehicles[1]
    located = replace(
        basic,
        capabilities={**basic.capabilities, Capability.LOCATION: CapabilityInfo(True)},
        location=GeoPosition(latitude=59.9, longitude=10.7),
    )
    mock_provider.async_list_vehicles.return_value = [vehicles[0], located]

    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    assert hass.states.get("device_tracker.renault_zoe_location").state == "not_home"


async def test_stale_device_removed_after_consecutive_refreshes_and_relinked(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A device the provider stops listing goes after three refreshes; linked again, back.

    Three that listed it: the charger list is read every 30 minutes while the Batmobile is
    plugged in, and the polls in between, which do not list chargers, do not count.
    """
    entry_id = init_integration.entry_id
    mock_provider.async_list_chargers.return_value = []
    for listed in range(2, ABSENT_REFRESHES_BEFORE_REMOVAL + 1):
        for _ in range(3):  # polls that do not list the chargers
            await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
        await _tick(hass, freezer, CHARGER_PLUGGED_POLL)
        assert mock_provider.async_list_chargers.await_count == listed
        assert device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, CHARGER_ID), entry_id
        )
        assert hass.states.get("sensor.zaptec_go_charge_rate").state == STATE_UNAVAILABLE
    # One device of three: an unlink at the provider, not a glitch worth a warning.
    assert not issue_registry.issues
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components.connected_ev")
    ]

    await _tick(hass, freezer, CHARGER_PLUGGED_POLL)
    assert (
        device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, CHARGER_ID), entry_id
        )
        is None
    )
    assert (
        entity_registry.async_get_entity_id(
            "sensor", DOMAIN, entity_unique_id(init_integration, CHARGER_ID, "charge_rate")
        )
        is None
    )
    assert hass.states.get("sensor.zaptec_go_charge_rate") is None
    assert _logged(caplog, logging.INFO, "Removing 1 device(s)") == 1
    # The vehicle still names the charger by id, but no linked charger has that id.
    assert hass.states.get("sensor.batmobile_plugged_in_charger").state == "unknown"

    # Linked again at the provider: no charger left, so the slow discovery poll finds it.
    mock_provider.async_list_chargers.return_value = load_chargers()
    await _tick(hass, freezer, CHARGER_POLL)

    assert device_registry.async_get_device_by_identifier(
        device_identifier(init_integration, CHARGER_ID), entry_id
    )
    assert hass.states.get("sensor.zaptec_go_charge_rate") is not None
    assert hass.states.get("sensor.batmobile_plugged_in_charger").state == "Zaptec Go"


async def test_empty_list_holds_devices_back_with_a_repair_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    device_registry: dr.DeviceRegistry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No devices listed: kept, one warning and a repair issue until it is confirmed.

    Refreshes asked for (``homeassistant.update_entity``): they list every kind of device.
    """
    entry_id = init_integration.entry_id
    issue_id = f"devices_missing_{entry_id}"
    mock_provider.async_list_vehicles.return_value = []
    mock_provider.async_list_chargers.return_value = []
    coordinator = _coordinator(init_integration)

    for _ in range(ABSENT_REFRESHES_BEFORE_REMOVAL - 1):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        assert device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, CHARGER_ID), entry_id
        )
        assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE
        issue = issue_registry.async_get_issue(DOMAIN, issue_id)
        assert issue is not None
        assert issue.translation_key == "devices_missing"
        assert issue.translation_placeholders == {"title": "Enode sandbox", "count": "3"}
    assert _logged(caplog, logging.WARNING, "listed 0 of 3 devices") == 1

    # Confirmed by consecutive refreshes: removed, and the issue goes with them.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert (
        device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, CHARGER_ID), entry_id
        )
        is None
    )
    assert hass.states.get(BATTERY) is None
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_devices_back_after_a_glitch_clear_the_issue(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Listed again: the same entities show values; the repair issue is gone."""
    issue_id = f"devices_missing_{init_integration.entry_id}"
    mock_provider.async_list_vehicles.return_value = [load_vehicles()[1]]
    mock_provider.async_list_chargers.return_value = []
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert hass.states.get(BATTERY).state == STATE_UNAVAILABLE

    mock_provider.async_list_vehicles.return_value = load_vehicles()
    mock_provider.async_list_chargers.return_value = load_chargers()
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hass.states.get(BATTERY).state == "66.0"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_device_without_name_or_brand(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A device that tells nothing about itself is named after its vendor."""
    vehicles = load_vehicles()
    anonymous = replace(
        vehicles[1],
        id="anonymous",
        vendor="KIA",
        information=replace(vehicles[1].information, brand=None, model=None),
    )
    mock_provider.async_list_vehicles.return_value = [*vehicles, anonymous]
    await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)

    device = device_registry.async_get_device_by_identifier(
        device_identifier(init_integration, "anonymous"), init_integration.entry_id
    )
    assert device is not None
    assert (device.name, device.manufacturer, device.model) == ("Kia", "Kia", None)

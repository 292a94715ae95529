"""Newer data wins: a poll in flight never overwrites pushes, deletions or location actions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.models import (
    Charger,
    DeviceKind,
    GeoPosition,
    SmartChargingState,
    Vehicle,
)
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.device_ledger import DELETIONS_REMEMBERED, DeviceLedger
from custom_components.connected_ev.energy import ENERGY_READ_INTERVAL
from custom_components.connected_ev.identifiers import device_identifier

from .conftest import (
    BASIC_VEHICLE_ID,
    CHARGER_ID,
    VEHICLE_ID,
    home_location,
    load_chargers,
    load_vehicles,
)

BATTERY = "sensor.batmobile_battery"


@pytest.fixture
def platforms() -> list[Platform]:
    """Sensors show what the user sees of the data."""
    return [Platform.SENSOR]


def _coordinator(entry: MockConfigEntry) -> ConnectedEVCoordinator:
    coordinator: ConnectedEVCoordinator = entry.runtime_data.coordinator
    return coordinator


def _with_battery(vehicle: Vehicle, level: float) -> Vehicle:
    return replace(vehicle, charge_state=replace(vehicle.charge_state, battery_level=level))


def _push_during_poll(
    mock_provider: AsyncMock, coordinator: ConnectedEVCoordinator, push: Any
) -> None:
    """Apply ``push`` once while the charger list, the poll's second request, is in flight."""

    async def list_chargers() -> list[Charger]:
        mock_provider.async_list_chargers.side_effect = None
        push()
        return load_chargers()

    mock_provider.async_list_chargers.side_effect = list_chargers


@pytest.mark.usefixtures("init_integration")
async def test_push_applied_during_a_poll_wins(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Vehicle, new device and status pushed while a poll is in flight survive its result."""
    coordinator = _coordinator(init_integration)
    data = coordinator.data
    assert hass.states.get(BATTERY).state == "66.0"
    started = SmartChargingState.PLAN_EXECUTING_STARTED
    status = replace(data.smart_charging[VEHICLE_ID], state=started)
    newcomer = replace(load_vehicles()[1], id="pushed-vehicle")

    def push() -> None:
        shown = coordinator.data
        vehicles = {
            **shown.vehicles,
            VEHICLE_ID: _with_battery(shown.vehicles[VEHICLE_ID], 70.0),
            "pushed-vehicle": newcomer,
        }
        statuses = {**shown.smart_charging, VEHICLE_ID: status}
        coordinator.async_set_pushed_data(
            replace(shown, vehicles=vehicles, smart_charging=statuses)
        )

    _push_during_poll(mock_provider, coordinator, push)
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get(BATTERY).state == "70.0"
    assert coordinator.data.smart_charging[VEHICLE_ID] == status
    assert coordinator.data.vehicles["pushed-vehicle"] == newcomer

    # The next poll was sent after the push: it is newer and shown.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY).state == "66.0"
    assert "pushed-vehicle" not in coordinator.data.vehicles


async def test_poll_that_saw_the_device_later_wins(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """A push older than the poll's reading (by the provider's last seen) is replaced."""
    coordinator = _coordinator(init_integration)
    polled = load_vehicles()[0]
    assert polled.last_seen is not None

    def push() -> None:
        shown = coordinator.data
        older = replace(
            _with_battery(polled, 70.0), last_seen=polled.last_seen - timedelta(minutes=1)
        )
        vehicles = {**shown.vehicles, VEHICLE_ID: older}
        coordinator.async_set_pushed_data(replace(shown, vehicles=vehicles))

    _push_during_poll(mock_provider, coordinator, push)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BATTERY).state == "66.0"


async def test_deleted_during_a_poll_stays_deleted_until_listed_again(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    device_registry: dr.DeviceRegistry,
) -> None:
    """A poll sent before a deletion does not bring the device back; one sent after does."""
    coordinator = _coordinator(init_integration)
    entry_id = init_integration.entry_id

    def delete() -> None:
        shown = coordinator.data
        vehicles = {i: v for i, v in shown.vehicles.items() if i != BASIC_VEHICLE_ID}
        coordinator.async_set_pushed_data(replace(shown, vehicles=vehicles))

    _push_during_poll(mock_provider, coordinator, delete)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert BASIC_VEHICLE_ID not in coordinator.data.vehicles
    assert (
        device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, BASIC_VEHICLE_ID), entry_id
        )
        is None
    )

    # A late retry of an older update creates nothing.
    shown = coordinator.data
    basic = load_vehicles()[1]
    coordinator.async_set_pushed_data(
        replace(shown, vehicles={**shown.vehicles, BASIC_VEHICLE_ID: basic})
    )
    await hass.async_block_till_done()
    assert BASIC_VEHICLE_ID not in coordinator.data.vehicles
    assert (
        device_registry.async_get_device_by_identifier(
            device_identifier(init_integration, BASIC_VEHICLE_ID), entry_id
        )
        is None
    )

    # Linked again: the provider lists it in a poll sent after the deletion.
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert BASIC_VEHICLE_ID in coordinator.data.vehicles
    assert device_registry.async_get_device_by_identifier(
        device_identifier(init_integration, BASIC_VEHICLE_ID), entry_id
    )
    assert hass.states.get("sensor.renault_zoe_battery").state == "41.0"


async def test_charger_and_preferences_applied_during_a_poll_win(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """What an action's answer showed is not rolled back by a poll read before it."""
    coordinator = _coordinator(init_integration)
    charger = load_chargers()[0]
    moved = replace(charger, location_id=None)
    vehicle = coordinator.data.vehicles[VEHICLE_ID]
    assert vehicle.charging_preferences is not None
    preferences = replace(vehicle.charging_preferences, minimal_soc=35)

    def apply() -> None:
        coordinator.async_apply_charger(moved)
        coordinator.async_apply_preferences(VEHICLE_ID, preferences)

    _push_during_poll(mock_provider, coordinator, apply)
    await coordinator.async_refresh()
    assert coordinator.data.chargers[CHARGER_ID] == moved
    assert coordinator.data.vehicles[VEHICLE_ID].charging_preferences == preferences


async def test_location_created_while_the_poll_lists_locations_survives(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """A location action during the poll's own location list wins over that list."""
    coordinator = _coordinator(init_integration)
    cabin = home_location(id="cabin", name="Cabin")
    vehicles = load_vehicles()
    elsewhere = replace(vehicles[0], location=GeoPosition(1.0, 2.0, location_id="unseen"))
    mock_provider.async_list_vehicles.return_value = [elsewhere, vehicles[1]]

    async def list_locations() -> list[Any]:
        coordinator.async_set_locations([home_location(), cabin])  # created meanwhile
        return [home_location()]  # read before it

    mock_provider.async_list_locations.side_effect = list_locations
    await coordinator.async_refresh()
    assert mock_provider.async_list_locations.await_count == 2  # setup, and this poll
    assert coordinator.data.locations["cabin"] == cabin


async def test_location_created_while_the_poll_reads_energy_survives(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """A location action while the poll's last requests run is in the poll's result."""
    coordinator = _coordinator(init_integration)
    freezer.tick(ENERGY_READ_INTERVAL)  # the vehicle's energy is due again once it charges
    reads = mock_provider.async_get_lifetime_energy.await_count
    cabin = home_location(id="cabin", name="Cabin")
    vehicles = load_vehicles()
    charging = replace(
        vehicles[0], charge_state=replace(vehicles[0].charge_state, is_charging=True)
    )
    mock_provider.async_list_vehicles.return_value = [charging, vehicles[1]]

    async def lifetime_energy(kind: DeviceKind, device_id: str) -> float:
        coordinator.async_set_locations([*coordinator.data.locations.values(), cabin])
        return 1600.0

    mock_provider.async_get_lifetime_energy.side_effect = lifetime_energy
    await coordinator.async_refresh()
    assert mock_provider.async_get_lifetime_energy.await_count == reads + 1
    assert coordinator.data.locations["cabin"] == cabin


def test_deletions_remembered_are_bounded() -> None:
    """The oldest deletions are forgotten first, beyond the bound."""
    ledger = DeviceLedger()
    ledger.delete(f"device-{n}" for n in range(DELETIONS_REMEMBERED + 1))
    assert not ledger.is_deleted("device-0")
    assert ledger.is_deleted("device-1")
    assert ledger.is_deleted(f"device-{DELETIONS_REMEMBERED}")

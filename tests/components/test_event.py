"""Event entities: plugged in, unplugged, charging started/stopped and target reached."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.event import ATTR_EVENT_TYPE
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import (
    Capability,
    CapabilityInfo,
    Charger,
    PowerDeliveryState,
    Vehicle,
)
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL, DOMAIN
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.identifiers import entity_unique_id

from .conftest import BASIC_VEHICLE_ID, CHARGER_ID, VEHICLE_ID

PDS = PowerDeliveryState


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the event platform."""
    return [Platform.EVENT]


def _coordinator(entry: MockConfigEntry) -> ConnectedEVCoordinator:
    coordinator: ConnectedEVCoordinator = entry.runtime_data.coordinator
    return coordinator


def _entity_id(entity_registry: er.EntityRegistry, device_id: str) -> str:
    entry = entity_registry.hass.config_entries.async_entries(DOMAIN)[0]
    entity_id = entity_registry.async_get_entity_id(
        "event", DOMAIN, entity_unique_id(entry, device_id, "charging_session")
    )
    assert entity_id is not None
    return entity_id


class Recorder:
    """The event types an event entity fired, in order (one state change each)."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        self.fired: list[str] = []
        last = hass.states.get(entity_id)
        self.last_fired = last.state if last is not None else STATE_UNKNOWN

        @callback
        def record(event: Event[EventStateChangedData]) -> None:
            """Count a new time of the last event (not unknown, unavailable or restored)."""
            new_state = event.data["new_state"]
            if (
                event.data["entity_id"] == entity_id
                and new_state is not None
                and new_state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE, self.last_fired)
            ):
                self.last_fired = new_state.state
                self.fired.append(new_state.attributes[ATTR_EVENT_TYPE])

        hass.bus.async_listen(EVENT_STATE_CHANGED, record)

    def take(self) -> list[str]:
        """Return what fired since the last call."""
        fired, self.fired = self.fired, []
        return fired


def _set_vehicle(
    hass: HomeAssistant, entry: MockConfigEntry, vehicle_id: str, **charge_state: Any
) -> None:
    coordinator = _coordinator(entry)
    vehicle = coordinator.data.vehicles[vehicle_id]
    vehicle = replace(vehicle, charge_state=replace(vehicle.charge_state, **charge_state))
    vehicles = {**coordinator.data.vehicles, vehicle_id: vehicle}
    coordinator.async_set_updated_data(replace(coordinator.data, vehicles=vehicles))


def _set_charger(hass: HomeAssistant, entry: MockConfigEntry, **charge_state: Any) -> None:
    coordinator = _coordinator(entry)
    charger = coordinator.data.chargers[CHARGER_ID]
    charger = replace(charger, charge_state=replace(charger.charge_state, **charge_state))
    chargers = {**coordinator.data.chargers, CHARGER_ID: charger}
    coordinator.async_set_updated_data(replace(coordinator.data, chargers=chargers))


async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
) -> None:
    """One event entity per vehicle and charger; nothing fired by the first data."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    for device_id in (VEHICLE_ID, BASIC_VEHICLE_ID, CHARGER_ID):
        state = hass.states.get(_entity_id(entity_registry, device_id))
        assert state is not None
        assert state.state == STATE_UNKNOWN


async def test_no_entity_without_charge_state(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A device that cannot report its charge state gets no event entity."""
    no_charge_state = {Capability.CHARGE_STATE: CapabilityInfo(is_capable=False)}
    vehicles: list[Vehicle] = mock_provider.async_list_vehicles.return_value
    chargers: list[Charger] = mock_provider.async_list_chargers.return_value
    mock_provider.async_list_vehicles.return_value = [
        replace(vehicles[0], capabilities={**vehicles[0].capabilities, **no_charge_state}),
        vehicles[1],
    ]
    mock_provider.async_list_chargers.return_value = [
        replace(charger, capabilities={**charger.capabilities, **no_charge_state})
        for charger in chargers
    ]
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", [Platform.EVENT]):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    registered = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    }
    assert registered == {entity_unique_id(mock_config_entry, BASIC_VEHICLE_ID, "charging_session")}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param(
            {"is_plugged_in": False, "power_delivery_state": PDS.UNPLUGGED},
            {"is_plugged_in": True},
            ["plugged_in"],
            id="plugged_in",
        ),
        pytest.param({"is_plugged_in": True}, {"is_plugged_in": False}, ["unplugged"], id="unplug"),
        pytest.param(
            {"is_charging": False},
            {"is_charging": True, "power_delivery_state": PDS.PLUGGED_IN_CHARGING},
            ["charging_started"],
            id="charging_started",
        ),
        pytest.param(
            {"is_charging": True, "power_delivery_state": PDS.PLUGGED_IN_CHARGING},
            {"is_charging": False, "power_delivery_state": PDS.PLUGGED_IN_STOPPED},
            ["charging_stopped"],
            id="charging_stopped",
        ),
        pytest.param(
            {"is_fully_charged": False},
            {"is_fully_charged": True},
            ["target_reached"],
            id="fully_charged_flag",
        ),
        pytest.param(
            {"is_fully_charged": None, "power_delivery_state": PDS.PLUGGED_IN_STOPPED},
            {"is_fully_charged": None, "power_delivery_state": PDS.PLUGGED_IN_COMPLETE},
            ["target_reached"],
            id="delivery_complete",
        ),
        pytest.param(
            {
                "is_charging": True,
                "is_fully_charged": False,
                "power_delivery_state": PDS.PLUGGED_IN_CHARGING,
            },
            {
                "is_charging": False,
                "is_fully_charged": True,
                "power_delivery_state": PDS.PLUGGED_IN_COMPLETE,
            },
            ["charging_stopped", "target_reached"],
            id="charged_to_target_once",
        ),
        pytest.param(
            {
                "is_plugged_in": False,
                "is_charging": False,
                "power_delivery_state": PDS.UNPLUGGED,
            },
            {
                "is_plugged_in": True,
                "is_charging": True,
                "power_delivery_state": PDS.PLUGGED_IN_CHARGING,
            },
            ["plugged_in", "charging_started"],
            id="plug_in_and_charge",
        ),
        pytest.param(
            {
                "is_plugged_in": True,
                "is_charging": True,
                "is_fully_charged": False,
                "power_delivery_state": PDS.PLUGGED_IN_CHARGING,
            },
            {
                "is_plugged_in": False,
                "is_charging": False,
                "is_fully_charged": True,
                "power_delivery_state": PDS.UNPLUGGED,
            },
            ["charging_stopped", "target_reached", "unplugged"],
            id="charged_and_unplugged",
        ),
        pytest.param(
            {"is_fully_charged": True, "power_delivery_state": PDS.PLUGGED_IN_STOPPED},
            {"is_fully_charged": True, "power_delivery_state": PDS.PLUGGED_IN_COMPLETE},
            [],
            id="already_full",
        ),
        pytest.param(
            {"is_fully_charged": True},
            {"is_fully_charged": False},
            [],
            id="no_longer_full",
        ),
        pytest.param(
            {"is_plugged_in": True, "is_charging": False, "is_fully_charged": False},
            {"is_plugged_in": None, "is_charging": None, "is_fully_charged": None},
            [],
            id="to_unknown",
        ),
        pytest.param(
            {"is_plugged_in": None, "is_charging": None, "is_fully_charged": None},
            {"is_plugged_in": False, "is_charging": True, "is_fully_charged": True},
            [],
            id="from_unknown",
        ),
        pytest.param(
            {"power_delivery_state": PDS.UNKNOWN},
            {"power_delivery_state": PDS.PLUGGED_IN_COMPLETE},
            [],
            id="complete_from_unknown",
        ),
        pytest.param(
            {"battery_level": 50.0},
            {"battery_level": 51.0},
            [],
            id="unrelated_change",
        ),
    ],
)
async def test_vehicle_transitions(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
    before: dict[str, Any],
    after: dict[str, Any],
    expected: list[str],
) -> None:
    """Each change between two readings fires exactly its events, in order."""
    entity_id = _entity_id(entity_registry, VEHICLE_ID)
    recorder = Recorder(hass, entity_id)
    _set_vehicle(hass, init_integration, VEHICLE_ID, **before)
    await hass.async_block_till_done()
    recorder.take()  # whatever the fixture data to ``before`` was

    _set_vehicle(hass, init_integration, VEHICLE_ID, **after)
    await hass.async_block_till_done()

    assert recorder.take() == expected
    if expected:
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.attributes[ATTR_EVENT_TYPE] == expected[-1]


async def test_only_the_changed_device_fires(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """Events belong to the device that changed, not to its neighbours."""
    first = Recorder(hass, _entity_id(entity_registry, VEHICLE_ID))
    second = Recorder(hass, _entity_id(entity_registry, BASIC_VEHICLE_ID))
    charger = Recorder(hass, _entity_id(entity_registry, CHARGER_ID))

    _set_vehicle(hass, init_integration, BASIC_VEHICLE_ID, is_plugged_in=True)
    await hass.async_block_till_done()

    assert (first.take(), second.take(), charger.take()) == ([], ["plugged_in"], [])


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param({"is_plugged_in": False}, {"is_plugged_in": True}, ["plugged_in"], id="plug"),
        pytest.param({"is_plugged_in": True}, {"is_plugged_in": False}, ["unplugged"], id="unplug"),
        pytest.param(
            {"is_charging": False}, {"is_charging": True}, ["charging_started"], id="start"
        ),
        pytest.param(
            {"is_charging": True}, {"is_charging": False}, ["charging_stopped"], id="stop"
        ),
        pytest.param(
            {"is_plugged_in": True, "is_charging": True},
            {"is_plugged_in": False, "is_charging": False},
            ["charging_stopped", "unplugged"],
            id="stop_and_unplug",
        ),
        pytest.param(
            {"power_delivery_state": PDS.PLUGGED_IN_CHARGING},
            {"power_delivery_state": PDS.PLUGGED_IN_COMPLETE},
            [],
            id="no_target_for_chargers",
        ),
        pytest.param(
            {"is_plugged_in": True, "is_charging": True},
            {"is_plugged_in": None, "is_charging": None},
            [],
            id="to_unknown",
        ),
    ],
)
async def test_charger_transitions(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
    before: dict[str, Any],
    after: dict[str, Any],
    expected: list[str],
) -> None:
    """A charger fires plug and charging events (it knows no target)."""
    recorder = Recorder(hass, _entity_id(entity_registry, CHARGER_ID))
    _set_charger(hass, init_integration, **before)
    await hass.async_block_till_done()
    recorder.take()

    _set_charger(hass, init_integration, **after)
    await hass.async_block_till_done()

    assert recorder.take() == expected


async def test_polled_change_fires(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """A poll that finds the car charging fires; the same reading again fires nothing."""
    recorder = Recorder(hass, _entity_id(entity_registry, VEHICLE_ID))
    first, second = mock_provider.async_list_vehicles.return_value
    charging = replace(
        first,
        charge_state=replace(
            first.charge_state,
            is_charging=True,
            power_delivery_state=PDS.PLUGGED_IN_CHARGING,
        ),
    )
    mock_provider.async_list_vehicles.return_value = [charging, second]

    for _ in range(2):
        freezer.tick(DEFAULT_IDLE_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    assert recorder.take() == ["charging_started"]


async def test_gone_device_fires_nothing(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """While the device is missing from the data, nothing fires and it is unavailable."""
    entity_id = _entity_id(entity_registry, VEHICLE_ID)
    recorder = Recorder(hass, entity_id)
    coordinator = _coordinator(init_integration)
    vehicles = {k: v for k, v in coordinator.data.vehicles.items() if k != VEHICLE_ID}
    chargers = dict(coordinator.data.chargers)
    coordinator.async_set_updated_data(
        replace(coordinator.data, vehicles=vehicles, chargers=chargers)
    )
    await hass.async_block_till_done()

    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE
    assert recorder.take() == []


async def test_pushed_change_fires(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """Pushed data takes the coordinator's path, so it fires like a poll."""
    recorder = Recorder(hass, _entity_id(entity_registry, CHARGER_ID))
    coordinator = _coordinator(init_integration)
    charger = coordinator.data.chargers[CHARGER_ID]
    unplugged = replace(charger, charge_state=replace(charger.charge_state, is_plugged_in=False))
    coordinator.async_set_pushed_data(
        replace(coordinator.data, chargers={**coordinator.data.chargers, CHARGER_ID: unplugged})
    )
    await hass.async_block_till_done()

    assert recorder.take() == ["unplugged"]


async def test_reload_fires_nothing(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, init_integration: MockConfigEntry
) -> None:
    """After a reload the first data is a starting point; the last event is kept."""
    entity_id = _entity_id(entity_registry, VEHICLE_ID)
    recorder = Recorder(hass, entity_id)
    _set_vehicle(hass, init_integration, VEHICLE_ID, is_plugged_in=False)
    await hass.async_block_till_done()
    assert recorder.take() == ["unplugged"]
    before = hass.states.get(entity_id)
    assert before is not None

    with patch("custom_components.connected_ev.PLATFORMS", [Platform.EVENT]):
        assert await hass.config_entries.async_reload(init_integration.entry_id)
        await hass.async_block_till_done()

    after = hass.states.get(entity_id)
    assert after is not None
    assert (after.state, after.attributes[ATTR_EVENT_TYPE]) == (before.state, "unplugged")
    assert recorder.take() == []

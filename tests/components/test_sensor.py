"""Sensors: one per reported value, gated on what each device can report."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest.mock import AsyncMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    Capability,
    CapabilityInfo,
    PowerDeliveryState,
    SmartChargingState,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL
from custom_components.connected_ev.data import ConnectedEVData
from custom_components.connected_ev.poll_timing import CHARGER_PLUGGED_POLL

from .conftest import load_chargers, load_vehicles


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the sensor platform."""
    return [Platform.SENSOR]


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,  # after setup: the payloads keep plain datetimes
) -> None:
    """Every sensor of the two vehicles and the charger, with classes, units and states.

    Lifetime energy is unknown: a first setup reads none until the device charges.
    """
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_pairing_names_the_other_device(hass: HomeAssistant) -> None:
    """The vehicle names its charger and the charger names its vehicle."""
    charger = hass.states.get("sensor.batmobile_plugged_in_charger")
    assert charger.state == "Zaptec Go"
    assert charger.attributes["charger_id"] == load_chargers()[0].id
    vehicle = hass.states.get("sensor.zaptec_go_plugged_in_vehicle")
    assert vehicle.state == "Batmobile"
    # An unplugged car has no charger: a real state, not unknown.
    renault = hass.states.get("sensor.renault_zoe_plugged_in_charger")
    assert renault.state == "not_plugged_in"
    assert renault.attributes["options"] == ["not_plugged_in", "other_charger", "Zaptec Go"]


@pytest.mark.usefixtures("init_integration")
async def test_plugged_in_charger_states(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Plugged in elsewhere is "another charger"; a cable state nobody knows is unknown."""
    coordinator = init_integration.runtime_data.coordinator
    second = load_vehicles()[1]

    def set_second(**charge_state: object) -> None:
        vehicle = replace(second, charge_state=replace(second.charge_state, **charge_state))
        vehicles = {**coordinator.data.vehicles, vehicle.id: vehicle}
        coordinator.async_set_updated_data(replace(coordinator.data, vehicles=vehicles))

    set_second(is_plugged_in=True)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.renault_zoe_plugged_in_charger").state == "other_charger"
    set_second(is_plugged_in=None)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.renault_zoe_plugged_in_charger").state == STATE_UNKNOWN
    assert hass.states.get("sensor.batmobile_plugged_in_charger").state == "Zaptec Go"


async def test_entities_that_never_have_a_value(
    hass: HomeAssistant, mock_provider: AsyncMock, init_integration: MockConfigEntry
) -> None:
    """A provider that reports no charge limit or chargers gets no such always-unknown sensor."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    mock_provider.features = frozenset(ProviderFeature) - {
        ProviderFeature.CHARGE_LIMIT,
        ProviderFeature.CHARGERS,
    }
    entity_registry = er.async_get(hass)
    for entry in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id):
        entity_registry.async_remove(entry.entity_id)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.batmobile_charge_limit") is None
    assert hass.states.get("sensor.batmobile_plugged_in_charger") is None
    assert hass.states.get("sensor.batmobile_battery").state == "66.0"


@pytest.mark.usefixtures("init_integration")
async def test_noisy_sensors_disabled_by_default(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    """Battery capacity and the charger's last-seen time are opt-in."""
    for entity_id in ("sensor.batmobile_battery_capacity", "sensor.zaptec_go_last_seen"):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None


@pytest.mark.usefixtures("init_integration")
async def test_unknown_values(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """A provider's unknown power state and a missing odometer are Home Assistant unknowns."""
    first, second = load_vehicles()
    first = replace(
        first,
        odometer=None,
        charge_state=replace(first.charge_state, power_delivery_state=PowerDeliveryState.UNKNOWN),
    )
    mock_provider.async_list_vehicles.return_value = [first, second]
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert hass.states.get("sensor.batmobile_power_delivery_state").state == STATE_UNKNOWN
    assert hass.states.get("sensor.batmobile_odometer").state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
async def test_charge_time_in_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """Time remaining is in hours, which the frontend shows as hours and minutes (1h 35m)."""
    first, second = load_vehicles()
    first = replace(first, charge_state=replace(first.charge_state, charge_time_remaining_min=95))
    mock_provider.async_list_vehicles.return_value = [first, second]
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    state = hass.states.get("sensor.batmobile_charge_time_remaining")
    assert state.attributes["unit_of_measurement"] == "h"
    assert float(state.state) * 60 == pytest.approx(95)


@pytest.mark.parametrize(
    ("is_charging", "rate", "shown"),
    [
        (False, None, "0.0"),
        (None, None, STATE_UNKNOWN),
        (True, None, STATE_UNKNOWN),
        (True, 7.4, "7.4"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_charge_rate_is_zero_only_when_known_not_charging(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_provider: AsyncMock,
    is_charging: bool | None,
    rate: float | None,
    shown: str,
) -> None:
    """No rate from a device that is not charging draws 0 kW; otherwise no rate is unknown."""
    first, second = load_vehicles()
    first = replace(
        first,
        charge_state=replace(first.charge_state, is_charging=is_charging, charge_rate_kw=rate),
    )
    mock_provider.async_list_vehicles.return_value = [first, second]
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    assert hass.states.get("sensor.batmobile_charge_rate").state == shown


async def test_no_charge_state_no_charge_sensors(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
) -> None:
    """A vehicle that cannot report its charge state gets no charge or energy sensors.

    With no charging to tell when its energy changes (nor any to count), its statistics are
    not read either.
    """
    first, second = load_vehicles()
    first = replace(first, charge_state=replace(first.charge_state, is_charging=True))
    second = replace(
        second,
        charge_state=replace(second.charge_state, is_charging=True),  # not reported as such
        capabilities={
            **second.capabilities,
            Capability.CHARGE_STATE: CapabilityInfo(False),
            Capability.ODOMETER: CapabilityInfo(False),
        },
    )
    mock_provider.async_list_vehicles.return_value = [first, second]
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert hass.states.get("sensor.renault_zoe_battery") is None
    assert hass.states.get("sensor.renault_zoe_odometer") is None
    assert hass.states.get("sensor.renault_zoe_lifetime_energy") is None
    assert hass.states.get("sensor.renault_zoe_last_seen") is not None
    assert hass.states.get("sensor.batmobile_lifetime_energy") is not None
    read = {call.args[1] for call in mock_provider.async_get_lifetime_energy.await_args_list}
    assert read == {first.id}  # the charging one (the idle charger is not read)


async def test_device_missing_from_data_is_unavailable(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Data without a device makes its entities unavailable, others stay available."""
    coordinator = init_integration.runtime_data.coordinator
    data = coordinator.data
    coordinator.async_set_updated_data(ConnectedEVData(vehicles=data.vehicles, chargers={}))
    await hass.async_block_till_done()

    assert hass.states.get("sensor.zaptec_go_charge_rate").state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.batmobile_battery").state == "66.0"
    assert hass.states.get("sensor.batmobile_plugged_in_charger").state == STATE_UNKNOWN


async def _refresh(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(DEFAULT_IDLE_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


STATUS = "sensor.batmobile_smart_charging_status"


@pytest.mark.usefixtures("init_integration")
async def test_smart_charging_status_cost(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """A status request when a plugged-in smart vehicle's status can have changed only.

    Plugging in, and any change of the charge state, policy or preferences, reads it; a
    refresh where nothing changed, or an unplugged vehicle, keeps the last value.
    """
    state = hass.states.get(STATUS)
    assert state.state == "plan_executing_stopped"
    assert state.attributes["estimated_cost"] == 18.25
    assert state.attributes["currency"] == "NOK"
    assert mock_provider.async_get_smart_charging_status.await_count == 1  # not the Renault
    await _refresh(hass, freezer)
    assert mock_provider.async_get_smart_charging_status.await_count == 1  # nothing changed

    first, second = load_vehicles()
    unplugged = replace(first, charge_state=replace(first.charge_state, is_plugged_in=False))
    mock_provider.async_list_vehicles.return_value = [unplugged, second]
    await _refresh(hass, freezer)
    assert mock_provider.async_get_smart_charging_status.await_count == 1
    assert hass.states.get(STATUS).state == "plan_executing_stopped"  # kept

    mock_provider.async_list_vehicles.return_value = [first, second]
    mock_provider.async_get_smart_charging_status.side_effect = ProviderUnavailableError("503")
    await _refresh(hass, freezer)
    assert hass.states.get(STATUS).state == "plan_executing_stopped"  # kept on errors
    mock_provider.async_get_smart_charging_status.side_effect = RateLimitedError("429")
    await _refresh(hass, freezer)
    assert hass.states.get(STATUS).state == "plan_executing_stopped"

    status = mock_provider.async_get_smart_charging_status.return_value
    mock_provider.async_get_smart_charging_status.side_effect = None
    mock_provider.async_get_smart_charging_status.return_value = replace(
        status, state=SmartChargingState.UNKNOWN, plan=None
    )
    await _refresh(hass, freezer)
    state = hass.states.get(STATUS)
    assert state.state == STATE_UNKNOWN
    assert state.attributes["plan_start"] is None

    reads = mock_provider.async_get_smart_charging_status.await_count
    await _refresh(hass, freezer)
    assert mock_provider.async_get_smart_charging_status.await_count == reads

    mock_provider.async_get_smart_charging_status.side_effect = AuthenticationError("401")
    charging = replace(first, charge_state=replace(first.charge_state, is_charging=True))
    mock_provider.async_list_vehicles.return_value = [charging, second]
    await _refresh(hass, freezer)
    assert hass.states.get(STATUS).state == STATE_UNAVAILABLE


async def test_smart_charging_status_not_plugged_in(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """With no cable in and no status read, the status says so instead of unknown."""
    coordinator = init_integration.runtime_data.coordinator
    first = coordinator.data.vehicles[load_vehicles()[0].id]
    unplugged = replace(first, charge_state=replace(first.charge_state, is_plugged_in=False))
    coordinator.async_set_updated_data(
        replace(
            coordinator.data,
            vehicles={**coordinator.data.vehicles, first.id: unplugged},
            smart_charging={},
        )
    )
    await hass.async_block_till_done()
    state = hass.states.get(STATUS)
    assert state.state == "not_plugged_in"
    assert "not_plugged_in" in state.attributes["options"]


@pytest.mark.usefixtures("init_integration")
async def test_locations_listed_rarely(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mock_provider: AsyncMock
) -> None:
    """Locations are listed at startup, and again only for a location id not seen before."""
    assert hass.states.get("sensor.zaptec_go_charging_location").state == "Home"
    assert hass.states.get("sensor.zaptec_go_charging_location").attributes["location_id"]
    await _refresh(hass, freezer)
    assert mock_provider.async_list_locations.await_count == 1

    moved = replace(load_chargers()[0], location_id="elsewhere")
    mock_provider.async_list_chargers.return_value = [moved]
    # Chargers are listed every 30 minutes while the Batmobile is plugged in.
    for _ in range(CHARGER_PLUGGED_POLL // DEFAULT_IDLE_INTERVAL + 1):
        await _refresh(hass, freezer)
    assert mock_provider.async_list_locations.await_count == 2
    assert hass.states.get("sensor.zaptec_go_charging_location").state == STATE_UNKNOWN
    await _refresh(hass, freezer)
    assert mock_provider.async_list_locations.await_count == 2  # still unknown: not again


async def test_no_location_or_status_sensors_without_features(
    hass: HomeAssistant, mock_provider: AsyncMock, init_integration: MockConfigEntry
) -> None:
    """Providers without locations or smart charging cost no such requests."""
    await hass.config_entries.async_unload(init_integration.entry_id)
    mock_provider.features = frozenset({ProviderFeature.CHARGERS})
    mock_provider.async_list_locations.reset_mock()
    mock_provider.async_get_smart_charging_status.reset_mock()
    entity_registry = er.async_get(hass)
    for entry in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id):
        entity_registry.async_remove(entry.entity_id)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(STATUS) is None
    assert hass.states.get("sensor.zaptec_go_charging_location") is None
    mock_provider.async_list_locations.assert_not_called()
    mock_provider.async_get_smart_charging_status.assert_not_called()

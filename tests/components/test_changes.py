"""A refresh in which one device changed does that device's work only.

Only the changed device's entities are updated, only its entities are looked at again for
ones it gained; a new device, a device linked again, and a capability gained still show up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.models import Capability, CapabilityInfo, Charger, Vehicle
from custom_components.connected_ev.changes import ChangeTrackingCoordinator
from custom_components.connected_ev.coordinator import ConnectedEVCoordinator
from custom_components.connected_ev.device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL
from custom_components.connected_ev.entity import ConnectedEVEntity

from .conftest import load_chargers, load_vehicles

LOGGER = logging.getLogger(__name__)


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the device platforms with most entities."""
    return [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.SWITCH]


def _fleet(count: int) -> tuple[list[Vehicle], list[Charger]]:
    """Return the fixture devices plus ``count`` idle, unplugged cars and boxes."""
    car, charger = load_vehicles()[1], load_chargers()[0]
    idle = replace(charger.charge_state, is_plugged_in=False, plugged_in_vehicle_id=None)
    vehicles = load_vehicles() + [
        replace(car, id=f"car-{n}", information=replace(car.information, display_name=f"Car {n}"))
        for n in range(count)
    ]
    chargers = load_chargers() + [
        replace(
            charger,
            id=f"box-{n}",
            information=replace(charger.information, display_name=f"Box {n}"),
            charge_state=idle,
        )
        for n in range(count)
    ]
    return vehicles, chargers


type Fleet = tuple[ConnectedEVCoordinator, list[Vehicle], list[Charger]]


@pytest.fixture
def start(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    platforms: list[Platform],
) -> Callable[[int], Awaitable[Fleet]]:
    """Set the integration up with a fleet of ``count`` extra cars and boxes."""

    async def started(count: int) -> Fleet:
        vehicles, chargers = _fleet(count)
        mock_provider.async_list_vehicles.return_value = vehicles
        mock_provider.async_list_chargers.return_value = chargers
        mock_config_entry.add_to_hass(hass)
        with patch("custom_components.connected_ev.PLATFORMS", platforms):
            assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        return mock_config_entry.runtime_data.coordinator, vehicles, chargers

    return started


async def test_one_changed_car_is_the_only_work(
    hass: HomeAssistant, mock_provider: AsyncMock, start: Callable[[int], Awaitable[Fleet]]
) -> None:
    """Of 22 cars and 21 boxes one car changed: only its entities are made or updated."""
    coordinator, vehicles, _ = await start(20)
    car = vehicles[5]
    changed = replace(car, charge_state=replace(car.charge_state, battery_level=3.0))
    mock_provider.async_list_vehicles.return_value = [*vehicles[:5], changed, *vehicles[6:]]
    made: list[str] = []
    updated: list[str] = []
    make, update = ConnectedEVEntity.__init__, ConnectedEVEntity._handle_coordinator_update

    def making(entity: ConnectedEVEntity[Any], coordinator: Any, device: Any, *args: Any) -> None:
        made.append(device.id)
        make(entity, coordinator, device, *args)

    def updating(entity: ConnectedEVEntity[Any]) -> None:
        updated.append(entity.device_id)
        update(entity)

    with (
        patch.object(ConnectedEVEntity, "__init__", making),
        patch.object(ConnectedEVEntity, "_handle_coordinator_update", updating),
    ):
        await coordinator.async_refresh()
        await hass.async_block_till_done()

    assert hass.states.get("sensor.car_3_battery").state == "3.0"
    assert made
    assert set(made) == {car.id}
    assert updated
    assert set(updated) == {car.id}


async def test_a_capability_gained_in_a_narrow_refresh_adds_its_entity(
    hass: HomeAssistant, mock_provider: AsyncMock, start: Callable[[int], Awaitable[Fleet]]
) -> None:
    """A car that gains smart charging gets its status sensor, though only it changed."""
    coordinator, vehicles, _ = await start(2)
    renault = vehicles[1]
    assert hass.states.get("sensor.renault_zoe_smart_charging_status") is None

    capable = CapabilityInfo(is_capable=True, intervention_ids=())
    gained = replace(
        renault,
        capabilities={**renault.capabilities, Capability.SMART_CHARGING: capable},
    )
    mock_provider.async_list_vehicles.return_value = [vehicles[0], gained, *vehicles[2:]]
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert hass.states.get("sensor.renault_zoe_smart_charging_status") is not None


async def test_new_and_relinked_devices_get_their_entities(
    hass: HomeAssistant, mock_provider: AsyncMock, start: Callable[[int], Awaitable[Fleet]]
) -> None:
    """A device listed anew has entities; removed and linked again (same data), again."""
    coordinator, vehicles, chargers = await start(1)
    box = chargers[-1]
    mock_provider.async_list_chargers.return_value = chargers[:-1]
    for _ in range(ABSENT_REFRESHES_BEFORE_REMOVAL):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get("sensor.box_0_charge_rate") is None

    # The provider's answer is as before: the client hands out the very same model.
    mock_provider.async_list_chargers.return_value = chargers
    newcomer = replace(
        vehicles[-1],
        id="car-new",
        information=replace(vehicles[-1].information, display_name="Newcomer"),
    )
    mock_provider.async_list_vehicles.return_value = [*vehicles, newcomer]
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert coordinator.data.chargers[box.id] is box
    assert hass.states.get("sensor.box_0_charge_rate") is not None
    assert hass.states.get("sensor.newcomer_battery") is not None


async def test_narrow_updates_call_listeners_of_changed_devices_in_order(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Listeners of the changed devices and those without context run, in listening order.

    One that fails is logged and the others still run; one removed by an earlier listener
    is not called; removing a listener stops it, whatever the update.
    """
    coordinator: ChangeTrackingCoordinator[int] = ChangeTrackingCoordinator(
        hass, LOGGER, config_entry=None, name="changes"
    )
    called: list[str] = []
    removers: dict[str, Any] = {}

    def listener(name: str) -> Any:
        def update() -> None:
            called.append(name)
            if name == "a-remover":
                removers["b-removed"]()

        return update

    def failing() -> None:
        called.append("failing")
        raise RuntimeError("broken listener")

    removers["all"] = coordinator.async_add_listener(listener("all"))
    removers["a-remover"] = coordinator.async_add_listener(listener("a-remover"), "a")
    removers["failing"] = coordinator.async_add_listener(failing, "a")
    removers["b-removed"] = coordinator.async_add_listener(listener("b-removed"), "b")
    removers["c"] = coordinator.async_add_listener(listener("c"), "c")
    removers["a-late"] = coordinator.async_add_listener(listener("a-late"), "a")

    coordinator._changed = frozenset({"a", "b", "unknown"})
    coordinator.async_publish(1)
    assert called == ["all", "a-remover", "failing", "a-late"]
    assert "broken listener" in caplog.text
    assert coordinator.updated_devices is None

    removers["a-late"]()
    removers["c"]()
    removers["failing"]()
    called.clear()
    coordinator._changed = frozenset({"a", "c"})
    coordinator.async_publish(2)
    assert called == ["all", "a-remover"]

    called.clear()
    coordinator.async_publish(3)  # not narrowed: everyone still listening
    assert called == ["all", "a-remover"]


async def test_listeners_see_which_devices_an_update_is_for(hass: HomeAssistant) -> None:
    """During a narrow update listeners read its devices; a nested full update reads None."""
    coordinator: ChangeTrackingCoordinator[int] = ChangeTrackingCoordinator(
        hass, LOGGER, config_entry=None, name="changes"
    )
    seen: list[frozenset[str] | None] = []

    def nested() -> None:
        seen.append(coordinator.updated_devices)
        if len(seen) == 1:
            coordinator.async_update_listeners()  # a full update from inside one
            seen.append(coordinator.updated_devices)

    coordinator.async_add_listener(nested)
    coordinator._changed = frozenset({"a"})
    coordinator.async_publish(1)

    assert seen == [frozenset({"a"}), None, frozenset({"a"})]
    assert coordinator.updated_devices is None


async def test_options_listing_every_charger_follow_renames_only(
    hass: HomeAssistant, mock_provider: AsyncMock, start: Callable[[int], Awaitable[Fleet]]
) -> None:
    """A charger renamed shows in every car's options; a car's own change reads none anew."""
    coordinator, vehicles, chargers = await start(2)
    car = "sensor.renault_zoe_plugged_in_charger"
    assert "Box 1" in hass.states.get(car).attributes["options"]

    renault = vehicles[1]
    moved = replace(renault, charge_state=replace(renault.charge_state, range_km=1.0))
    mock_provider.async_list_vehicles.return_value = [vehicles[0], moved, *vehicles[2:]]
    with patch(
        "custom_components.connected_ev.sensor_descriptions.device_name",
        side_effect=AssertionError("options worked out again"),
    ):
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert hass.states.get("sensor.renault_zoe_range").state == "1.0"

    box = chargers[-1]
    renamed = replace(box, information=replace(box.information, display_name="Garage"))
    mock_provider.async_list_chargers.return_value = [*chargers[:-1], renamed]
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    options = hass.states.get(car).attributes["options"]
    assert "Garage" in options
    assert "Box 1" not in options

"""The shipped automation blueprints load in Home Assistant and do what they promise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import load_yaml
from pytest_homeassistant_custom_component.common import async_mock_service

SHIPPED = Path(__file__).parents[2] / "blueprints" / "automation" / "connected_ev"


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.stem)
def test_blueprint_is_valid(path: Path) -> None:
    """Each file passes Home Assistant's own automation-blueprint schema."""
    blueprint = Blueprint(
        load_yaml(path),  # type: ignore[arg-type]
        path=str(path),
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.name
    assert blueprint.inputs


@pytest.fixture
def blueprint_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """Install the shipped blueprints in a throw-away configuration directory."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(SHIPPED, tmp_path / "blueprints" / "automation" / "connected_ev")


async def _use(hass: HomeAssistant, name: str, inputs: dict[str, object]) -> None:
    assert await async_setup_component(
        hass,
        "automation",
        {"automation": {"use_blueprint": {"path": f"connected_ev/{name}.yaml", "input": inputs}}},
    )
    await hass.async_block_till_done()


@pytest.mark.usefixtures("blueprint_dir")
async def test_stop_at_target(hass: HomeAssistant) -> None:
    """Charging stops once the battery passes the target, not before."""
    turn_off = async_mock_service(hass, "switch", "turn_off")
    hass.states.async_set("sensor.ev_battery", "70")
    hass.states.async_set("switch.ev_charging", "on")
    await _use(
        hass,
        "stop_at_target",
        {"battery": "sensor.ev_battery", "target": 80, "charging_switch": "switch.ev_charging"},
    )
    hass.states.async_set("sensor.ev_battery", "79")
    await hass.async_block_till_done()
    assert turn_off == []
    hass.states.async_set("sensor.ev_battery", "81")
    await hass.async_block_till_done()
    assert [call.data["entity_id"] for call in turn_off] == [["switch.ev_charging"]]


@pytest.mark.usefixtures("blueprint_dir")
async def test_charge_when_cheap(hass: HomeAssistant) -> None:
    """Cheap while plugged in starts charging, expensive stops it, unplugged does nothing."""
    turn_on = async_mock_service(hass, "switch", "turn_on")
    turn_off = async_mock_service(hass, "switch", "turn_off")
    hass.states.async_set("sensor.price", "0.30")
    hass.states.async_set("binary_sensor.ev_plugged_in", "off")
    await _use(
        hass,
        "charge_when_cheap",
        {
            "price_sensor": "sensor.price",
            "threshold": 0.1,
            "charging_switch": "switch.ev_charging",
            "plugged_in": "binary_sensor.ev_plugged_in",
        },
    )
    hass.states.async_set("sensor.price", "0.05")
    await hass.async_block_till_done()
    assert turn_on == []  # not plugged in

    hass.states.async_set("binary_sensor.ev_plugged_in", "on")
    await hass.async_block_till_done()
    assert len(turn_on) == 1  # plugged in while cheap

    hass.states.async_set("sensor.price", "0.25")
    await hass.async_block_till_done()
    assert len(turn_off) == 1


@pytest.mark.usefixtures("blueprint_dir")
async def test_ev_smart_charging_connected(hass: HomeAssistant) -> None:
    """EV Smart Charging's switch follows plugged in; unavailable and unknown never flip it."""
    turn_on = async_mock_service(hass, "switch", "turn_on")
    turn_off = async_mock_service(hass, "switch", "turn_off")
    plugged_in = "binary_sensor.ev_plugged_in"
    connected = "switch.ev_smart_charging_ev_connected"
    hass.states.async_set(plugged_in, "off")
    hass.states.async_set(connected, "off")
    await _use(
        hass, "ev_smart_charging_connected", {"plugged_in": plugged_in, "ev_connected": connected}
    )

    async def plug(state: str) -> None:
        hass.states.async_set(plugged_in, state)
        await hass.async_block_till_done()

    await plug("on")
    assert [call.data["entity_id"] for call in turn_on] == [[connected]]
    hass.states.async_set(connected, "on")  # what EV Smart Charging's switch then shows

    # A provider outage, an unknown value, and back: their switch is left alone throughout.
    for state in ("unavailable", "on", "unknown", "on"):
        await plug(state)
    assert len(turn_on) == 1
    assert turn_off == []

    await plug("off")
    assert [call.data["entity_id"] for call in turn_off] == [[connected]]
    hass.states.async_set(connected, "off")

    # Plugged in while the sensor was unavailable: applied once it reports again.
    await plug("unavailable")
    assert len(turn_on) == 1
    await plug("on")
    assert len(turn_on) == 2
    hass.states.async_set(connected, "on")

    # Unplugged during an outage: switched off when the sensor is back, not before.
    await plug("unavailable")
    await plug("off")
    assert len(turn_off) == 2
    assert len(turn_on) == 2

    # At start-up, a switch that disagrees with the sensor is corrected.
    hass.states.async_set(connected, "on")
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert len(turn_off) == 3

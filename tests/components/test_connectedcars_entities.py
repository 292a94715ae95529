"""A Connected Cars account set up over a mocked HTTP layer: entities, polling pace, privacy.

One GraphQL request per refresh for every vehicle; the entities follow what each drivetrain
reports (no plug, charge limit or start/stop); removing the entry deletes the device token.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncGenerator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_EMAIL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.models import (
    DeviceInformation,
    Vehicle,
    VehicleChargeState,
    VehicleCondition,
)
from custom_components.connected_ev.binary_sensor import _lamps_on, _low_voltage
from custom_components.connected_ev.const import CONF_USER_ID, DOMAIN
from custom_components.connected_ev.diagnostics import async_get_config_entry_diagnostics
from custom_components.connected_ev.revocation import async_revoke_credential
from tests.api.connectedcars.conftest import load_fixture

ORIGIN = "http://cc.test"
DEVICE_TOKEN = "device-token-secret"
DEVICE_NAME = "Home Assistant 1a2b3c4d"
VINS = ("WVGZZZE2ZMP012345", "TMBJJ7NE5L0123456", "VSSZZZKLZMR012345")


def mock_connected_cars(
    aioclient_mock: AiohttpClientMocker, payload: dict[str, Any] | None = None
) -> None:
    """Answer the device login and the GraphQL request with recorded payloads."""
    aioclient_mock.post(
        f"{ORIGIN}/auth/login/deviceToken?expiresIn=3600",
        json={"token": "jwt-1", "level": "AM1", "expires": 3600},
    )
    aioclient_mock.post(f"{ORIGIN}/graphql", json=payload or load_fixture("vehicles.json"))


def graphql_requests(aioclient_mock: AiohttpClientMocker) -> int:
    """Count the GraphQL requests sent."""
    return sum(1 for call in aioclient_mock.mock_calls if str(call[1]).endswith("/graphql"))


def make_entry() -> MockConfigEntry:
    """Build a Connected Cars entry as the config flow creates it (custom server)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Connected Cars (custom)",
        entry_id="01JCEV0CONNECTEDCARS00ENTRY",
        unique_id="connectedcars:test",
        version=2,
        minor_version=2,
        data={
            "provider": "connectedcars",
            "environment": "custom",
            "base_url": ORIGIN,
            "region": "semler",
            "namespace": "semler:minvolkswagen",
            "api_origin": ORIGIN,
            "auth_origin": ORIGIN,
            CONF_EMAIL: "ann@example.com",
            CONF_USER_ID: "1042",
            "device_token": DEVICE_TOKEN,
            "device_name": DEVICE_NAME,
        },
    )


async def set_up(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> MockConfigEntry:
    """Set up a Connected Cars entry against recorded payloads."""
    entry = make_entry()
    mock_connected_cars(aioclient_mock)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
def cc_entry() -> MockConfigEntry:
    """Provide a Connected Cars entry as the config flow creates it (custom server)."""
    return make_entry()


@pytest.fixture
async def cc_setup(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker
) -> AsyncGenerator[MockConfigEntry]:
    """Provide a Connected Cars entry set up against recorded payloads."""
    return await set_up(hass, aioclient_mock)


@pytest.mark.parametrize(
    "platform", [Platform.BINARY_SENSOR, Platform.DEVICE_TRACKER, Platform.SENSOR]
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_snapshot(
    hass: HomeAssistant,
    snapshot: SnapshotAssertion,
    entity_registry: er.EntityRegistry,
    cc_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    platform: Platform,
) -> None:
    """Every entity of an EV, a plug-in hybrid and a petrol car, one platform at a time."""
    mock_connected_cars(aioclient_mock)
    cc_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(cc_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, cc_entry.entry_id)


def _keys(entity_registry: er.EntityRegistry, entry: MockConfigEntry, vehicle: str) -> set[str]:
    prefix = f"{entry.entry_id}:{vehicle}_"
    return {
        entity.unique_id.removeprefix(prefix)
        for entity in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if entity.unique_id.startswith(prefix)
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities_follow_the_drivetrain(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    cc_setup: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """What the API does not offer creates no entity; fuel only where there is a tank."""
    assert cc_setup.state is ConfigEntryState.LOADED
    assert graphql_requests(aioclient_mock) == 1  # three vehicles, one request
    entities = er.async_entries_for_config_entry(entity_registry, cc_setup.entry_id)
    assert not {entity.domain for entity in entities} & {"switch", "button", "number", "select"}
    ev, phev, petrol = (_keys(entity_registry, cc_setup, vid) for vid in ("1", "2", "3"))
    for missing in ("plugged_in", "charge_limit", "power_delivery_state", "charge_time_remaining"):
        assert missing not in ev | phev | petrol, missing
    assert {
        "battery_level",
        "range",
        "charge_rate",
        "charging",
        "session_start_level",
        "session_start",
        "session_energy",
        "time_to_80",
        "battery_capacity",
        "hv_battery_temperature",
        "lifetime_energy",
        "low_voltage_battery",
        "low_voltage_battery_low",
        "warning_lamps",
        "ignition",
        "odometer",
        "location",
    } <= ev
    assert "fuel_level" not in ev
    assert "fuel_level" in phev
    assert {"fuel_level", "ignition", "odometer", "warning_lamps"} <= petrol
    assert not petrol & {"battery_level", "charging", "lifetime_energy", "charge_rate"}


def _state(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, entry: MockConfigEntry, key: str
) -> Any:
    """Return the state of entity ``<domain>.<vehicle>_<key>`` of the entry."""
    domain, unique = key.split(".")
    entity_id = entity_registry.async_get_entity_id(domain, DOMAIN, f"{entry.entry_id}:{unique}")
    assert entity_id is not None, key
    return hass.states.get(entity_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_states_a_user_sees(
    hass: HomeAssistant, entity_registry: er.EntityRegistry, cc_setup: MockConfigEntry
) -> None:
    """Charge rate from the session, lamps listed, low 12 V, lifetime energy for the dashboard."""
    assert _state(hass, entity_registry, cc_setup, "sensor.1_charge_rate").state == "10.8"
    assert _state(hass, entity_registry, cc_setup, "sensor.2_charge_rate").state == "0.0"
    lamps = _state(hass, entity_registry, cc_setup, "binary_sensor.2_warning_lamps")
    assert lamps.state == "on"
    assert lamps.attributes["lamps"] == ["Engine warning"]
    assert _state(hass, entity_registry, cc_setup, "binary_sensor.1_warning_lamps").state == "off"
    assert (
        _state(hass, entity_registry, cc_setup, "binary_sensor.2_low_voltage_battery_low").state
        == "on"
    )
    assert (
        _state(hass, entity_registry, cc_setup, "binary_sensor.1_low_voltage_battery_low").state
        == "off"
    )
    energy = _state(hass, entity_registry, cc_setup, "sensor.1_lifetime_energy")
    assert energy.state == "5123.4"
    assert energy.attributes["state_class"] == "total_increasing"
    assert _state(hass, entity_registry, cc_setup, "binary_sensor.3_ignition").state == "on"


async def test_polls_fast_while_driving_and_slow_when_parked(
    hass: HomeAssistant, cc_setup: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Ignition on polls every minute (charging too); every car parked, up to 10 minutes."""
    coordinator = cc_setup.runtime_data.coordinator
    payload = copy.deepcopy(load_fixture("vehicles.json"))
    vehicles = [r["vehicle"] for r in payload["data"]["viewer"]["vehicles"] if r["vehicle"]]
    for vehicle in vehicles:
        vehicle["isCharging"] = False
    vehicles[2]["ignition"] = {"on": True}  # only the petrol car is driven
    aioclient_mock.clear_requests()
    mock_connected_cars(aioclient_mock, payload)
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval <= timedelta(minutes=1)
    vehicles[2]["ignition"] = {"on": False}
    aioclient_mock.clear_requests()
    mock_connected_cars(aioclient_mock, payload)
    await coordinator.async_refresh()
    assert coordinator.update_interval is not None
    assert timedelta(minutes=1) < coordinator.update_interval <= timedelta(minutes=10)


async def test_diagnostics_and_logs_hold_no_secret(
    hass: HomeAssistant, cc_setup: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Device token, e-mail, user id, VINs and coordinates are redacted; nothing in logs."""
    caplog.set_level(logging.DEBUG)
    await cc_setup.runtime_data.coordinator.async_refresh()
    diagnostics = await async_get_config_entry_diagnostics(hass, cc_setup)
    text = repr(diagnostics)
    for secret in (DEVICE_TOKEN, "ann@example.com", "1042", "55.6761", "12.5683", *VINS, "jwt-1"):
        assert secret not in text, secret
        assert secret not in caplog.text, secret
    assert diagnostics["entry"]["data"]["device_token"] == "**REDACTED**"


async def test_removing_the_entry_deletes_the_device_token(
    hass: HomeAssistant, cc_setup: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Removal deletes Home Assistant's device at Connected Cars."""
    aioclient_mock.get(
        f"{ORIGIN}/user/devices",
        json=[{"deviceExternalId": "d-1", "deviceName": DEVICE_NAME}],
    )
    aioclient_mock.post(f"{ORIGIN}/user/deleteDevice", json={})
    await hass.config_entries.async_remove(cc_setup.entry_id)
    await hass.async_block_till_done()
    deletes = [call for call in aioclient_mock.mock_calls if str(call[1]).endswith("deleteDevice")]
    assert len(deletes) == 1
    assert deletes[0][2] == {"deviceExternalId": "d-1"}


async def test_removal_when_connected_cars_is_down_only_warns(
    hass: HomeAssistant,
    cc_setup: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The entry goes anyway; the user is told to remove the device in the app."""
    aioclient_mock.get(f"{ORIGIN}/user/devices", status=503)
    await hass.config_entries.async_remove(cc_setup.entry_id)
    await hass.async_block_till_done()
    assert not hass.config_entries.async_entries(DOMAIN)
    assert "remove the device named Home Assistant" in caplog.text
    assert DEVICE_TOKEN not in caplog.text


def test_condition_unknown_without_a_report() -> None:
    """No condition reported: 12 V and lamps are unknown, not "fine"."""
    vehicle = Vehicle(
        id="9",
        user_id="u",
        vendor="VW",
        last_seen=None,
        is_reachable=None,
        information=DeviceInformation(),
        charge_state=VehicleChargeState(),
    )
    assert _low_voltage(vehicle) is None
    assert _lamps_on(vehicle) is None
    assert _lamps_on(replace(vehicle, condition=VehicleCondition())) is None
    assert _lamps_on(replace(vehicle, condition=VehicleCondition(healthy=False))) is True
    assert _lamps_on(replace(vehicle, condition=VehicleCondition(warning_lamps=()))) is False


@pytest.mark.parametrize(
    "data",
    [
        {"provider": "hiven", "environment": "production", "api_key": "k", "user_id": "u"},
        {"provider": "enode", "environment": "sandbox", "auth_implementation": "x"},
    ],
)
async def test_other_providers_revoke_nothing(
    hass: HomeAssistant, aioclient_mock: AiohttpClientMocker, data: dict[str, Any]
) -> None:
    """Providers without a credential of their own send nothing when removed."""
    entry = MockConfigEntry(domain=DOMAIN, data=data)
    await async_revoke_credential(hass, entry)
    assert not aioclient_mock.mock_calls

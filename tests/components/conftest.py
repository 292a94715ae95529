"""Shared fixtures of the Home Assistant integration tests: a provider mock fed by real parsing.

The payloads in fixtures/ are shaped like Enode's API and go through the real parser, so the
entities are tested against the models the provider client really produces.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, PropertyMock, patch

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.connected_ev.api.enode.parse import (
    parse_charge_action,
    parse_charger,
    parse_smart_charging_status,
    parse_vehicle,
)
from custom_components.connected_ev.api.enode.provider import (
    ENODE_BEHAVIORS,
    ENODE_PREFERENCE_FIELDS,
    EnodeProvider,
)
from custom_components.connected_ev.api.models import (
    ActionState,
    ChargeAction,
    Charger,
    ChargingLocation,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    MaxCurrentAction,
    SocUnit,
    Vehicle,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DOMAIN

FIXTURES = Path(__file__).parent / "fixtures"

USER_ID = "ha-user"
ENTRY_ID = "01JCEV0ENODE0SANDBOX0ENTRY"
"""A fixed entry id: unique ids and device identifiers are scoped by it (snapshots)."""
VEHICLE_ID = "5b0a5c3a-1d8b-4f3e-9e43-9f1c0c1a7e01"
BASIC_VEHICLE_ID = "9e8f7a6b-5c4d-4e3f-8a2b-1c0d9e8f7a02"
CHARGER_ID = "c7d1e2f3-0a1b-4c2d-8e3f-a4b5c6d7e8f9"
LOCATION_ID = "8d90101b-3f2f-462a-bbb4-1ed320d33bbe"
CLIENT_ID = "id"
CLIENT_SECRET = "secret"
LIFETIME_ENERGY = {VEHICLE_ID: 1520.5, BASIC_VEHICLE_ID: 87.25, CHARGER_ID: 2104.0}
"""kWh the mocked provider reports each device has charged so far."""


def load_json(name: str) -> Any:
    """Read a payload from fixtures/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load_vehicles() -> list[Vehicle]:
    """Vehicles of fixtures/vehicles.json, parsed as the Enode client parses them."""
    return [parse_vehicle(item) for item in load_json("vehicles.json")]


def load_chargers() -> list[Charger]:
    """Chargers of fixtures/chargers.json, parsed as the Enode client parses them."""
    return [parse_charger(item) for item in load_json("chargers.json")]


def charge_action(**changes: Any) -> ChargeAction:
    """Return the pending START action of fixtures/charge_action.json, with ``changes``."""
    return replace(parse_charge_action(load_json("charge_action.json")), **changes)


def home_location(**changes: Any) -> ChargingLocation:
    """Return the location the charger and the first vehicle are at (Oslo)."""
    location = ChargingLocation(
        id=LOCATION_ID, name="Home", latitude=59.9139, longitude=10.7522, timezone="Europe/Oslo"
    )
    return replace(location, **changes)


class FakePreferences:
    """Preferences a provider keeps: a partial update changes the given fields only."""

    def __init__(self) -> None:
        self.stored = {
            vehicle.id: vehicle.charging_preferences
            for vehicle in load_vehicles()
            if vehicle.charging_preferences is not None
        }

    async def get(self, vehicle_id: str) -> ChargingPreferences:
        """Return what is stored."""
        return self.stored[vehicle_id]

    async def set(self, vehicle_id: str, update: ChargingPreferencesUpdate) -> ChargingPreferences:
        """Apply the given fields, like the provider's partial PUT."""
        changes = {
            name: getattr(update, name)
            for name in ("behavior", "target_soc", "minimal_soc", "ready_time")
            if getattr(update, name) is not None
        }
        self.stored[vehicle_id] = replace(self.stored[vehicle_id], **changes)
        return self.stored[vehicle_id]

    async def vehicles(self) -> list[Vehicle]:
        """List the vehicles, showing what is stored."""
        return [
            replace(vehicle, charging_preferences=self.stored.get(vehicle.id))
            for vehicle in load_vehicles()
        ]


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Serialize Home Assistant objects stably (ids and times masked), under snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Enable the entities that are disabled by default, for snapshots of everything."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture
def platforms() -> list[Platform]:
    """Platforms to load; a platform's tests narrow this to their own."""
    return [
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.DEVICE_TRACKER,
        Platform.NUMBER,
        Platform.SELECT,
        Platform.SENSOR,
        Platform.SWITCH,
        Platform.TIME,
    ]


@pytest.fixture
def mock_config_entry() -> MockConfigEntry:
    """Provide a config entry of an Enode sandbox account, as the config flow creates it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Enode sandbox",
        entry_id=ENTRY_ID,
        unique_id=USER_ID,
        version=2,
        minor_version=2,
        data={
            "provider": "enode",
            "environment": "sandbox",
            "base_url": None,
            "user_id": USER_ID,
            "auth_implementation": DOMAIN,
        },
    )


@pytest.fixture
async def setup_credentials(hass: HomeAssistant) -> None:
    """Store the client id and secret as application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@pytest.fixture
def mock_provider() -> Generator[AsyncMock]:
    """Patch a provider with every part, two vehicles and one charger into setup."""
    provider = AsyncMock(spec=EnodeProvider)
    provider.account_id = USER_ID
    # Every feature of an Enode-shaped provider; the Chargetrip-only parts have their own
    # tests (tests/components/test_chargetrip_entities.py).
    provider.features = frozenset(ProviderFeature) - {
        ProviderFeature.LIVE_UPDATES,
        ProviderFeature.DEVICE_REMOVAL,
        ProviderFeature.GROUP_TIMESTAMPS,
    }
    provider.async_list_vehicles.return_value = load_vehicles()
    provider.async_list_chargers.return_value = load_chargers()
    provider.async_set_charging.return_value = charge_action()
    provider.async_get_charge_action.return_value = charge_action()
    provider.async_refresh_hint.return_value = None
    provider.supported_preference_fields = ENODE_PREFERENCE_FIELDS
    provider.supported_charging_behaviors = ENODE_BEHAVIORS
    provider.supported_minimal_soc_units = frozenset({SocUnit.PERCENT})
    fake = FakePreferences()
    provider.fake_preferences = fake
    provider.async_get_charging_preferences.side_effect = fake.get
    provider.async_set_charging_preferences.side_effect = fake.set
    provider.async_get_smart_charging_status.return_value = parse_smart_charging_status(
        load_json("smart_charging_status.json")
    )
    provider.async_list_locations.return_value = [home_location()]

    async def lifetime_energy(kind: DeviceKind, device_id: str) -> float:
        return LIFETIME_ENERGY.get(device_id, 0.0)

    provider.async_get_lifetime_energy.side_effect = lifetime_energy
    provider.async_set_max_current.return_value = MaxCurrentAction(
        id="max-current-action",
        user_id=USER_ID,
        state=ActionState.PENDING,
        target_id=CHARGER_ID,
        target_kind=DeviceKind.CHARGER,
        max_current_a=20,
    )
    with patch("custom_components.connected_ev.create_provider", return_value=provider):
        yield provider


@pytest.fixture
async def init_integration(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    setup_credentials: None,
    platforms: list[Platform],
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the integration with the mocked provider and the chosen platforms."""
    mock_config_entry.add_to_hass(hass)
    with patch("custom_components.connected_ev.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        yield mock_config_entry

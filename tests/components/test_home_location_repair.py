"""The home charging location repair: offered where one is missing, fixed in one step."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.errors import ProviderUnavailableError
from custom_components.connected_ev.api.models import Charger, ChargingLocation, GeoPosition
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.home_location import home_location_issue_id

from .conftest import CHARGER_ID, ENTRY_ID, home_location, load_chargers, load_vehicles

ISSUE_ID = home_location_issue_id(ENTRY_ID)
NEW_LOCATION_ID = "0b9e3c52-7f5c-4b8e-9d43-2a1f6c0e5d11"


@pytest.fixture
def platforms() -> list[Platform]:
    """Only the binary sensors (a car's "At charging location" is what the user sees)."""
    return [Platform.BINARY_SENSOR]


@pytest.fixture(autouse=True)
async def home_zone(hass: HomeAssistant) -> None:
    """Home Assistant's home zone, at its configured home location."""
    assert await async_setup_component(hass, "zone", {})


def _charger_without_location(mock_provider: AsyncMock) -> Charger:
    charger = replace(load_chargers()[0], location_id=None)
    mock_provider.async_list_chargers.return_value = [charger]

    async def set_location(charger_id: str, location_id: str | None) -> Charger:
        return replace(charger, location_id=location_id)

    mock_provider.async_set_charger_location.side_effect = set_location
    return charger


def _created_location(hass: HomeAssistant) -> ChargingLocation:
    return ChargingLocation(
        id=NEW_LOCATION_ID,
        name="Home",
        latitude=hass.config.latitude,
        longitude=hass.config.longitude,
        timezone=hass.config.time_zone,
    )


@pytest.fixture
def loose_charger(hass: HomeAssistant, mock_provider: AsyncMock) -> Charger:
    """Give the Zaptec no charging location; a created one is at the home zone."""
    mock_provider.async_create_location.return_value = _created_location(hass)
    return _charger_without_location(mock_provider)


async def _fix(hass: HomeAssistant, hass_client: ClientSessionGenerator) -> dict[str, Any]:
    """Open the issue's fix flow as the frontend does; return its first step."""
    assert await async_setup_component(hass, "repairs", {})
    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": ISSUE_ID}
    )
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    return result


async def _confirm(hass_client: ClientSessionGenerator, flow_id: str) -> dict[str, Any]:
    client = await hass_client()
    response = await client.post(f"/api/repairs/issues/fix/{flow_id}", json={})
    assert response.status == 200
    result: dict[str, Any] = await response.json()
    return result


@pytest.mark.usefixtures("loose_charger")
async def test_charger_without_location_offered_and_fixed(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """One confirmation creates "Home" at the home zone and ties the charger to it."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_key == "home_charging_location"
    assert issue.translation_placeholders == {"title": "Enode sandbox", "devices": "Zaptec Go"}

    step = await _fix(hass, hass_client)
    assert step["step_id"] == "confirm"
    assert step["description_placeholders"] == {"title": "Enode sandbox", "devices": "Zaptec Go"}
    done = await _confirm(hass_client, step["flow_id"])

    assert done["type"] == "create_entry"
    mock_provider.async_create_location.assert_awaited_once_with(
        "Home", hass.config.latitude, hass.config.longitude, hass.config.time_zone
    )
    mock_provider.async_set_charger_location.assert_awaited_once_with(CHARGER_ID, NEW_LOCATION_ID)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None
    coordinator = init_integration.runtime_data.coordinator
    assert NEW_LOCATION_ID in coordinator.data.locations
    assert coordinator.data.chargers[CHARGER_ID].location_id == NEW_LOCATION_ID


@pytest.mark.usefixtures("init_integration")
async def test_not_offered_when_set(hass: HomeAssistant) -> None:
    """The charger has its location and the car is away: nothing to offer."""
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None


@pytest.mark.parametrize("without", [set(), {ProviderFeature.CHARGERS}])
async def test_car_parked_at_home_without_a_location(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    setup_credentials: None,
    without: set[ProviderFeature],
) -> None:
    """A car in the home zone with no location there is offered; the fix creates one."""
    mock_provider.features = mock_provider.features - without
    vehicles = load_vehicles()
    at_home = GeoPosition(latitude=hass.config.latitude, longitude=hass.config.longitude)
    mock_provider.async_list_vehicles.return_value = [
        replace(vehicles[0], location=at_home),
        replace(vehicles[1], location=GeoPosition(latitude=None, longitude=None)),
    ]
    mock_provider.async_create_location.return_value = _created_location(hass)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.translation_placeholders["devices"] == "Batmobile"
    assert hass.states.get("binary_sensor.batmobile_at_charging_location").state == "off"

    step = await _fix(hass, hass_client)
    assert (await _confirm(hass_client, step["flow_id"]))["type"] == "create_entry"

    mock_provider.async_create_location.assert_awaited_once()
    # The charger has its location already: it is left alone.
    mock_provider.async_set_charger_location.assert_not_awaited()
    # The provider tags the car at its next refresh; the location at home is enough now.
    await mock_config_entry.runtime_data.coordinator.async_refresh()
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None


async def test_existing_location_at_home_is_used(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_provider: AsyncMock,
    loose_charger: Charger,
    init_integration: MockConfigEntry,
) -> None:
    """A location already in the home zone gets the charger; no second one is created."""
    at_home = home_location(latitude=hass.config.latitude, longitude=hass.config.longitude)
    init_integration.runtime_data.coordinator.async_set_locations([at_home])

    step = await _fix(hass, hass_client)
    assert (await _confirm(hass_client, step["flow_id"]))["type"] == "create_entry"

    mock_provider.async_create_location.assert_not_awaited()
    mock_provider.async_set_charger_location.assert_awaited_once_with(CHARGER_ID, at_home.id)


@pytest.mark.usefixtures("loose_charger")
async def test_provider_refusing_keeps_the_offer(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
) -> None:
    """A refusal shows a translated error in the step; the issue stays."""
    mock_provider.async_create_location.side_effect = ProviderUnavailableError("down")

    step = await _fix(hass, hass_client)
    again = await _confirm(hass_client, step["flow_id"])

    assert again["type"] == "form"
    assert again["errors"] == {"base": "provider_refused"}
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is not None


@pytest.mark.usefixtures("loose_charger")
async def test_ignored_offer_stays_ignored(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Ignoring the issue hides it; later refreshes do not bring it back."""
    ir.async_ignore_issue(hass, DOMAIN, ISSUE_ID, True)

    await init_integration.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID)
    assert issue is not None
    assert issue.dismissed_version is not None


@pytest.mark.usefixtures("loose_charger")
async def test_unloaded_entry_aborts_and_removal_withdraws(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    """The fix needs the loaded entry; removing the entry removes its issue."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)

    step = await _fix(hass, hass_client)

    assert step == {**step, "type": "abort", "reason": "entry_not_loaded"}
    await hass.config_entries.async_remove(init_integration.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None


@pytest.mark.usefixtures("loose_charger")
async def test_providers_without_locations_are_not_offered(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    mock_config_entry: MockConfigEntry,
    setup_credentials: None,
) -> None:
    """Without the locations part there is nothing to create: no issue."""
    mock_provider.features = mock_provider.features - {ProviderFeature.LOCATIONS}
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_ID) is None

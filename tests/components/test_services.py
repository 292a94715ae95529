"""Actions: preferences and locations, validated before anything reaches the provider."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any
from unittest.mock import AsyncMock

import probatio as vol
import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    NotCapableError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    ChargingBehavior,
    ChargingPreferencesUpdate,
    MinimalSoc,
    PreferenceField,
    SmartChargingState,
    SocUnit,
    Weekday,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from custom_components.connected_ev.const import DOMAIN
from custom_components.connected_ev.identifiers import device_identifier

from .conftest import (
    BASIC_VEHICLE_ID,
    CHARGER_ID,
    LOCATION_ID,
    VEHICLE_ID,
    home_location,
    load_chargers,
)

PROVIDER_WRITES = (
    "async_set_charging_preferences",
    "async_create_location",
    "async_update_location",
    "async_delete_location",
    "async_set_charger_location",
)


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the sensor platform: it registers the devices the actions target."""
    return [Platform.SENSOR]


def _device_id(hass: HomeAssistant, identifier: str) -> str:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    device = dr.async_get(hass).async_get_device_by_identifier(
        device_identifier(entry, identifier), entry.entry_id
    )
    assert device is not None
    return device.id


async def _call(
    hass: HomeAssistant, service: str, data: dict[str, Any], *, response: bool = False
) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


def _assert_nothing_sent(provider: AsyncMock) -> None:
    for name in PROVIDER_WRITES:
        getattr(provider, name).assert_not_called()
    provider.async_get_charging_preferences.assert_not_called()


# --- charging preferences ------------------------------------------------------------------


@pytest.mark.usefixtures("init_integration")
async def test_set_and_read_back(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """The given fields go in one provider call; a partial update keeps the rest."""
    vehicle = _device_id(hass, VEHICLE_ID)
    result = await _call(
        hass,
        "set_charging_preferences",
        {
            "device_id": vehicle,
            "charging_behavior": "at_location",
            "ready_time": "07:30",
            "minimal_soc": 20,
        },
        response=True,
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID,
        ChargingPreferencesUpdate(
            behavior=ChargingBehavior.AT_LOCATION,
            ready_time=time(7, 30),
            minimal_soc=MinimalSoc(20, SocUnit.PERCENT),
        ),
    )
    assert result["charging_behavior"] == "at_location"
    assert result["ready_time"] == "07:30"

    await _call(hass, "set_charging_preferences", {"device_id": vehicle, "minimal_soc": 30})
    read = await _call(hass, "get_charging_preferences", {"device_id": vehicle}, response=True)
    assert read == {
        "charging_behavior": "at_location",
        "target_soc": None,
        "minimal_soc": {"value": 30, "unit": "percent"},
        "ready_time": "07:30",
        "weekday_ready_times": None,
        "battery_capacity": None,
        "default_price_area": None,
        "charging_location_ids": None,
        "supported_fields": [
            "charging_behavior",
            "minimal_soc",
            "ready_time",
            "weekday_ready_times",
        ],
    }


@pytest.mark.usefixtures("init_integration")
async def test_set_refreshes_smart_charging_status(
    hass: HomeAssistant, mock_provider: AsyncMock
) -> None:
    """New preferences change the plan: the status is read again at once, not next poll."""
    status = "sensor.batmobile_smart_charging_status"
    assert hass.states.get(status).state == "plan_executing_stopped"
    reads = mock_provider.async_get_smart_charging_status.await_count
    mock_provider.async_get_smart_charging_status.return_value = replace(
        mock_provider.async_get_smart_charging_status.return_value,
        state=SmartChargingState.PLAN_EXECUTING_STARTED,
    )
    vehicle = _device_id(hass, VEHICLE_ID)
    await _call(hass, "set_charging_preferences", {"device_id": vehicle, "minimal_soc": 40})
    assert mock_provider.async_get_smart_charging_status.await_count == reads + 1
    assert hass.states.get(status).state == "plan_executing_started"

    # The change went through: a failed status read keeps the last status, no error.
    mock_provider.async_get_smart_charging_status.side_effect = ProviderUnavailableError("503")
    await _call(hass, "set_charging_preferences", {"device_id": vehicle, "minimal_soc": 30})
    assert hass.states.get(status).state == "plan_executing_started"

    # Unplugged there is no plan to read (as in a poll): no request.
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    coordinator = entry.runtime_data.coordinator
    car = coordinator.data.vehicles[VEHICLE_ID]
    unplugged = replace(car, charge_state=replace(car.charge_state, is_plugged_in=False))
    coordinator.async_set_updated_data(
        replace(coordinator.data, vehicles={**coordinator.data.vehicles, VEHICLE_ID: unplugged})
    )
    await _call(
        hass,
        "set_charging_preferences",
        {"device_id": vehicle, "minimal_soc": 20, "ready_time": time(6, 45)},
    )
    assert mock_provider.async_get_smart_charging_status.await_count == reads + 2
    mock_provider.async_set_charging_preferences.assert_awaited_with(
        VEHICLE_ID,
        ChargingPreferencesUpdate(
            minimal_soc=MinimalSoc(20, SocUnit.PERCENT), ready_time=time(6, 45)
        ),
    )


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        ({"target_soc": 80}, "preference_not_supported", {"field": "target_soc"}),
        ({"battery_capacity": 75}, "preference_not_supported", {"field": "battery_capacity"}),
        (
            {"default_price_area": "NO1"},
            "preference_not_supported",
            {"field": "default_price_area"},
        ),
        (
            {"charging_location_ids": [LOCATION_ID]},
            "preference_not_supported",
            {"field": "charging_location_ids"},
        ),
        (
            {"charging_behavior": "anywhere"},
            "charging_behavior_not_supported",
            {"behavior": "anywhere"},
        ),
        ({"minimal_soc": 50, "minimal_soc_unit": "km"}, "minimal_soc_only_percent", {}),
        ({"minimal_soc": 150}, "minimal_soc_out_of_range", {"value": "150"}),
        ({"minimal_soc": 95}, "minimal_soc_above_target", {"minimal": "95", "target": "90"}),
        ({}, "no_preferences_given", {}),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_set_refused(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """What the provider cannot honour is a translated error naming it; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "set_charging_preferences", {"device_id": _device_id(hass, VEHICLE_ID), **data}
        )
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    _assert_nothing_sent(mock_provider)


@pytest.mark.parametrize(
    ("data", "key", "placeholders"),
    [
        (
            {"target_soc": 101},
            "number_out_of_range",
            {"field": "target_soc", "value": "101", "min": "0", "max": "100"},
        ),
        (
            {"target_soc": "lots"},
            "number_out_of_range",
            {"field": "target_soc", "value": "lots", "min": "0", "max": "100"},
        ),
        (
            {"minimal_soc": -5},
            "number_out_of_range",
            {"field": "minimal_soc", "value": "-5", "min": "0", "max": "2000"},
        ),
        ({"ready_time": "25:00"}, "invalid_time", {"value": "25:00"}),
        ({"ready_time": "07:30:15"}, "invalid_time", {"value": "07:30:15"}),
        ({"ready_time": "soon"}, "invalid_time", {"value": "soon"}),
        ({"ready_time": None}, "invalid_time", {"value": "None"}),
        ({"weekday_ready_times": {"funday": "07:00"}}, "invalid_weekday", {"value": "funday"}),
        ({"weekday_ready_times": {"monday": "7 am"}}, "invalid_time", {"value": "7 am"}),
        ({"weekday_ready_times": ["monday"]}, "weekday_ready_times_invalid", {}),
        (
            {"minimal_soc": 10, "minimal_soc_unit": "miles"},
            "invalid_option",
            {"field": "minimal_soc_unit", "value": "miles", "options": "percent, km"},
        ),
        (
            {"charging_behavior": "sometimes"},
            "invalid_option",
            {
                "field": "charging_behavior",
                "value": "sometimes",
                "options": "off, at_location, anywhere",
            },
        ),
        (
            {"battery_capacity": 0},
            "number_out_of_range",
            {"field": "battery_capacity", "value": "0", "min": "1", "max": "300"},
        ),
        ({"default_price_area": ""}, "name_empty", {}),
        ({"default_price_area": "   "}, "name_empty", {}),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_set_schema_refused(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Malformed values are translated errors that name the value; nothing is sent."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "set_charging_preferences", {"device_id": _device_id(hass, VEHICLE_ID), **data}
        )
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    assert "Got" not in str(err.value)
    _assert_nothing_sent(mock_provider)


@pytest.mark.usefixtures("init_integration")
async def test_weekday_names_any_case(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """Weekday names are read whatever their case, as the schedule's stable keys."""
    mock_provider.supported_preference_fields = frozenset(PreferenceField)
    await _call(
        hass,
        "set_charging_preferences",
        {"device_id": _device_id(hass, VEHICLE_ID), "weekday_ready_times": {"Monday": "07:00"}},
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID,
        ChargingPreferencesUpdate(weekday_ready_times={Weekday.MONDAY: time(7)}),
    )


@pytest.mark.usefixtures("init_integration")
async def test_wrong_devices(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """Unknown devices, chargers and vehicles without smart charging are refused."""
    cases = [
        ("set_charging_preferences", "nope", "device_not_found"),
        ("set_charging_preferences", _device_id(hass, CHARGER_ID), "not_a_vehicle"),
        (
            "set_charging_preferences",
            _device_id(hass, BASIC_VEHICLE_ID),
            "smart_charging_not_capable",
        ),
        (
            "get_charging_preferences",
            _device_id(hass, BASIC_VEHICLE_ID),
            "smart_charging_not_capable",
        ),
        ("set_charger_location", _device_id(hass, VEHICLE_ID), "not_a_charger"),
    ]
    other_entry = MockConfigEntry(domain="other")
    other_entry.add_to_hass(hass)
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=other_entry.entry_id, identifiers={("other", "x")}, name="Lamp"
    )
    cases.append(("get_charging_preferences", other.id, "not_our_device"))
    for service, device_id, key in cases:
        data: dict[str, Any] = {"device_id": device_id}
        if service == "set_charging_preferences":
            data["minimal_soc"] = 10
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, data, response=service.startswith("get"))
        assert err.value.translation_key == key, service
        # The device is named as the user knows it, never by its registry id.
        assert device_id not in str(err.value.translation_placeholders)
    _assert_nothing_sent(mock_provider)


@pytest.mark.usefixtures("init_integration")
async def test_wrong_device_named(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    """Errors name the device by the user's name for it; no deprecated registry API is used."""
    registry = dr.async_get(hass)
    charger = _device_id(hass, CHARGER_ID)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_charging_preferences", {"device_id": charger, "minimal_soc": 10})
    assert err.value.translation_placeholders == {"device": "Zaptec Go"}
    registry.async_update_device(charger, name_by_user="Garage wallbox")
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_charging_preferences", {"device_id": charger, "minimal_soc": 10})
    assert err.value.translation_placeholders == {"device": "Garage wallbox"}
    assert str(err.value).startswith("Garage wallbox is not a vehicle.")
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_charger_location", {"device_id": _device_id(hass, VEHICLE_ID)})
    assert err.value.translation_placeholders == {"device": "Batmobile"}
    assert "DeviceEntry.config_entries" not in caplog.text


async def test_entry_not_loaded(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """A device or entry of an unloaded account is refused."""
    vehicle = _device_id(hass, VEHICLE_ID)
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_charging_preferences", {"device_id": vehicle, "minimal_soc": 10})
    assert err.value.translation_key == "entry_not_loaded"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "list_locations",
            {"config_entry_id": init_integration.entry_id},
            response=True,
        )
    assert err.value.translation_key == "service_config_entry_not_loaded"
    _assert_nothing_sent(mock_provider)


@pytest.mark.parametrize(
    ("error", "key", "placeholders"),
    [
        (
            NotCapableError("400", detail="Smart charging needs a deadline."),
            "not_capable",
            {"detail": "Smart charging needs a deadline."},
        ),
        (RateLimitedError("429"), "rate_limited", None),
        (ProviderUnavailableError("503"), "provider_unavailable", None),
        (ForbiddenError("403", detail="Not yours"), "unexpected_error", {"error": "Not yours"}),
        (AuthenticationError("401"), "authentication_failed", None),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_provider_errors(
    hass: HomeAssistant,
    mock_provider: AsyncMock,
    error: Exception,
    key: str,
    placeholders: dict[str, str] | None,
) -> None:
    """A provider refusal is a translated error with the provider's reason."""
    mock_provider.async_set_charging_preferences.side_effect = error
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "set_charging_preferences",
            {"device_id": _device_id(hass, VEHICLE_ID), "charging_behavior": "at_location"},
        )
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders


# --- locations -------------------------------------------------------------------------------


async def test_create_location_from_home_zone(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Latitude, longitude and time zone default to Home Assistant's home zone."""
    await hass.config.async_update(latitude=52.37, longitude=4.89, time_zone="Europe/Amsterdam")
    created = home_location(id="new-id", name="Cabin", latitude=52.37, longitude=4.89)
    mock_provider.async_create_location.return_value = created
    result = await _call(
        hass,
        "create_location",
        {"config_entry_id": init_integration.entry_id, "name": "Cabin"},
        response=True,
    )
    mock_provider.async_create_location.assert_awaited_once_with(
        "Cabin", 52.37, 4.89, "Europe/Amsterdam"
    )
    assert result == {
        "id": "new-id",
        "name": "Cabin",
        "latitude": 52.37,
        "longitude": 4.89,
        "timezone": "Europe/Oslo",
        "charger_ids": [],
    }
    # The new location is known at once: it can be used without listing first.
    mock_provider.async_update_location.return_value = replace(created, name="Hut")
    await _call(
        hass,
        "update_location",
        {"config_entry_id": init_integration.entry_id, "location_id": "new-id", "name": "Hut"},
    )
    mock_provider.async_update_location.assert_awaited_once_with("new-id", name="Hut")


async def test_create_location_explicit(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Given coordinates and time zone are sent as they are."""
    mock_provider.async_create_location.return_value = home_location(id="w", name="Work")
    await _call(
        hass,
        "create_location",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "Work",
            "latitude": -33.9,
            "longitude": 151.2,
            "timezone": "Australia/Sydney",
        },
    )
    mock_provider.async_create_location.assert_awaited_once_with(
        "Work", -33.9, 151.2, "Australia/Sydney"
    )


@pytest.mark.parametrize(
    ("service", "data"),
    [
        ("create_location", {"name": "X", "latitude": 91}),
        ("create_location", {"name": "X", "longitude": -181}),
        ("create_location", {}),
        ("update_location", {"location_id": LOCATION_ID, "latitude": -90.5}),
        ("delete_location", {}),
    ],
)
async def test_location_schema_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    service: str,
    data: dict[str, Any],
) -> None:
    """Out-of-range coordinates and missing fields fail the schema."""
    with pytest.raises(vol.Invalid):
        await _call(hass, service, {"config_entry_id": init_integration.entry_id, **data})
    _assert_nothing_sent(mock_provider)


@pytest.mark.parametrize(
    ("service", "data", "key", "placeholders"),
    [
        ("create_location", {"name": ""}, "name_empty", {}),
        ("create_location", {"name": "   "}, "name_empty", {}),
        ("update_location", {"location_id": LOCATION_ID, "name": " \t "}, "name_empty", {}),
        ("create_location", {"name": "x" * 101}, "name_too_long", {"max": "100"}),
        ("create_location", {"name": "Ho\x00me"}, "name_invalid_characters", {}),
        ("create_location", {"name": "Home\nWork"}, "name_invalid_characters", {}),
        ("create_location", {"name": "Home\x1b[31m"}, "name_invalid_characters", {}),
        ("create_location", {"name": "\u202eemoH"}, "name_invalid_characters", {}),
        ("create_location", {"name": "Home\u2066"}, "name_invalid_characters", {}),
        (
            "create_location",
            {"name": "X", "timezone": "Mars/Olympus_Mons"},
            "invalid_time_zone",
            {"value": "Mars/Olympus_Mons"},
        ),
        *(
            (
                "create_location",
                {"name": "X", "timezone": zone},
                "invalid_time_zone",
                {"value": zone},
            )
            for zone in ("localtime", "posixrules", "Factory", "right/UTC", "posix/Europe/Oslo")
        ),
        (
            "update_location",
            {"location_id": LOCATION_ID, "timezone": "Nowhere"},
            "invalid_time_zone",
            {"value": "Nowhere"},
        ),
    ],
)
async def test_location_input_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    mock_provider: AsyncMock,
    service: str,
    data: dict[str, Any],
    key: str,
    placeholders: dict[str, str],
) -> None:
    """Blank names, control or direction characters and non-place zones: translated errors."""
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, {"config_entry_id": init_integration.entry_id, **data})
    assert err.value.translation_key == key
    assert err.value.translation_placeholders == placeholders
    _assert_nothing_sent(mock_provider)


async def test_location_name_trimmed(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Spaces around a name are dropped; letters of any script and UTC are fine."""
    mock_provider.async_create_location.return_value = home_location(id="n", name="Hytta")
    await _call(
        hass,
        "create_location",
        {
            "config_entry_id": init_integration.entry_id,
            "name": "  Mökki ⚡ 家  ",
            "latitude": 1,
            "longitude": 2,
            "timezone": "UTC",
        },
    )
    mock_provider.async_create_location.assert_awaited_once_with("Mökki ⚡ 家", 1.0, 2.0, "UTC")


async def test_location_validation(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Unknown locations, empty updates and foreign entries are refused; nothing is sent."""
    entry_id = init_integration.entry_id
    charger = _device_id(hass, CHARGER_ID)
    cases = [
        ("update_location", {"config_entry_id": entry_id, "location_id": "x", "name": "A"}),
        ("delete_location", {"config_entry_id": entry_id, "location_id": "x"}),
        ("set_charger_location", {"device_id": charger, "location_id": "x"}),
    ]
    for service, data in cases:
        with pytest.raises(ServiceValidationError) as err:
            await _call(hass, service, data)
        assert err.value.translation_key == "location_not_found"
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "update_location", {"config_entry_id": entry_id, "location_id": LOCATION_ID}
        )
    assert err.value.translation_key == "no_location_changes"
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "list_locations", {"config_entry_id": other.entry_id}, response=True)
    assert err.value.translation_key == "service_config_entry_wrong_domain"
    _assert_nothing_sent(mock_provider)


async def test_update_delete_and_list(
    hass: HomeAssistant, init_integration: MockConfigEntry, mock_provider: AsyncMock
) -> None:
    """Update and delete reach the provider; list reads it again and names the chargers."""
    entry_id = init_integration.entry_id
    mock_provider.async_update_location.return_value = home_location(name="House")
    result = await _call(
        hass,
        "update_location",
        {"config_entry_id": entry_id, "location_id": LOCATION_ID, "name": "House", "latitude": 60},
        response=True,
    )
    mock_provider.async_update_location.assert_awaited_once_with(
        LOCATION_ID, name="House", latitude=60.0
    )
    assert result["charger_ids"] == [CHARGER_ID]
    assert hass.states.get("sensor.zaptec_go_charging_location").state == "House"

    listed = await _call(hass, "list_locations", {"config_entry_id": entry_id}, response=True)
    assert listed == {
        "locations": [
            {
                "id": LOCATION_ID,
                "name": "Home",
                "latitude": 59.9139,
                "longitude": 10.7522,
                "timezone": "Europe/Oslo",
                "charger_ids": [CHARGER_ID],
            }
        ]
    }
    assert hass.states.get("sensor.zaptec_go_charging_location").state == "Home"

    mock_provider.async_delete_location.return_value = home_location()
    await _call(hass, "delete_location", {"config_entry_id": entry_id, "location_id": LOCATION_ID})
    mock_provider.async_delete_location.assert_awaited_once_with(LOCATION_ID)
    # The charger that used the location shows it untied at once, not at the next poll.
    state = hass.states.get("sensor.zaptec_go_charging_location")
    assert state.state == "no_location"
    assert state.attributes["location_id"] is None
    with pytest.raises(ServiceValidationError):
        await _call(
            hass, "delete_location", {"config_entry_id": entry_id, "location_id": LOCATION_ID}
        )
    assert mock_provider.async_delete_location.await_count == 1


@pytest.mark.usefixtures("init_integration")
async def test_set_charger_location(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A charger is placed at a location or removed from it; its sensor follows."""
    charger = _device_id(hass, CHARGER_ID)
    mock_provider.async_set_charger_location.return_value = replace(
        load_chargers()[0], location_id=None
    )
    await _call(hass, "set_charger_location", {"device_id": charger})
    mock_provider.async_set_charger_location.assert_awaited_once_with(CHARGER_ID, None)
    assert hass.states.get("sensor.zaptec_go_charging_location").state == "no_location"

    mock_provider.async_set_charger_location.return_value = load_chargers()[0]
    await _call(hass, "set_charger_location", {"device_id": charger, "location_id": LOCATION_ID})
    mock_provider.async_set_charger_location.assert_awaited_with(CHARGER_ID, LOCATION_ID)
    assert hass.states.get("sensor.zaptec_go_charging_location").state == "Home"


@pytest.mark.usefixtures("init_integration")
async def test_location_provider_error(hass: HomeAssistant, mock_provider: AsyncMock) -> None:
    """A provider refusal of a location change is a translated error."""
    mock_provider.async_set_charger_location.side_effect = NotCapableError(
        "400", detail="Charger is offline"
    )
    with pytest.raises(HomeAssistantError) as err:
        await _call(
            hass,
            "set_charger_location",
            {"device_id": _device_id(hass, CHARGER_ID), "location_id": LOCATION_ID},
        )
    assert err.value.translation_placeholders == {"detail": "Charger is offline"}


async def test_provider_without_locations(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    mock_provider: AsyncMock,
    init_integration: MockConfigEntry,
) -> None:
    """An account whose provider has no locations refuses location actions."""
    mock_provider.features = frozenset(ProviderFeature) - {ProviderFeature.LOCATIONS}
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass, "list_locations", {"config_entry_id": init_integration.entry_id}, response=True
        )
    assert err.value.translation_key == "locations_not_supported"
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "set_charger_location", {"device_id": _device_id(hass, CHARGER_ID)})
    assert err.value.translation_key == "locations_not_supported"
    mock_provider.async_list_locations.assert_awaited_once()  # the startup list only


async def test_location_ids_checked(
    hass: HomeAssistant, mock_provider: AsyncMock, init_integration: MockConfigEntry
) -> None:
    """Where a provider takes charging location ids, each must be a known location."""
    mock_provider.supported_preference_fields = frozenset(PreferenceField)
    vehicle = _device_id(hass, VEHICLE_ID)
    with pytest.raises(ServiceValidationError) as err:
        await _call(
            hass,
            "set_charging_preferences",
            {"device_id": vehicle, "charging_location_ids": [LOCATION_ID, "elsewhere"]},
        )
    assert err.value.translation_key == "location_not_found"
    assert err.value.translation_placeholders == {"location_id": "elsewhere"}
    _assert_nothing_sent(mock_provider)
    await _call(
        hass,
        "set_charging_preferences",
        {"device_id": vehicle, "charging_location_ids": [LOCATION_ID]},
    )
    mock_provider.async_set_charging_preferences.assert_awaited_once_with(
        VEHICLE_ID, ChargingPreferencesUpdate(charging_location_ids=(LOCATION_ID,))
    )

"""Parsing is strict on identity and lenient on everything else; status mapping."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from custom_components.connected_ev.api.errors import InvalidResponseError
from custom_components.connected_ev.api.hiven import (
    HivenCapability,
    HivenChargingBehavior,
    HivenChargingStatus,
    HivenEvPreferences,
    HivenManufacturer,
    HivenSocUnit,
    HivenVehicleType,
    SocLevel,
)
from custom_components.connected_ev.api.hiven.parse import (
    parse_authorization_url,
    parse_capabilities,
    parse_device,
    parse_devices,
    parse_ev_preferences,
    parse_location,
    parse_locations,
    parse_status,
    parse_vehicle_capabilities,
)
from custom_components.connected_ev.api.models import (
    ChargingBehavior,
    MinimalSoc,
    PowerDeliveryState,
    SocUnit,
    Weekday,
)

from .conftest import load_fixture


@pytest.mark.parametrize(
    ("status", "plugged", "charging", "full", "delivery"),
    [
        ("CHARGING", True, True, None, PowerDeliveryState.PLUGGED_IN_CHARGING),
        ("NOT_CHARGING", None, False, None, PowerDeliveryState.UNKNOWN),
        ("COMPLETE", True, False, True, PowerDeliveryState.PLUGGED_IN_COMPLETE),
        ("CHARGING_COMPLETED", True, False, True, PowerDeliveryState.PLUGGED_IN_COMPLETE),
        ("DISCONNECTED", False, False, None, PowerDeliveryState.UNPLUGGED),
        ("PLUGGED", True, False, None, PowerDeliveryState.PLUGGED_IN_STOPPED),
        ("TELEPORTING", None, None, None, PowerDeliveryState.UNKNOWN),
        (None, None, None, None, PowerDeliveryState.UNKNOWN),
    ],
)
def test_charging_status_mapping(
    status: Any,
    plugged: bool | None,
    charging: bool | None,
    full: bool | None,
    delivery: PowerDeliveryState,
) -> None:
    parsed = parse_status({**load_fixture("status.json"), "chargingStatus": status})
    state = parsed.to_charge_state()
    assert (state.is_plugged_in, state.is_charging, state.is_fully_charged) == (
        plugged,
        charging,
        full,
    )
    assert state.power_delivery_state is delivery


def test_status_leniency() -> None:
    parsed = parse_status(
        {
            "soc": 150,
            "range": "n/a",
            "batteryCapacity": "75.5",
            "timestamp": "2026-03-02T18:05:12",
        }
    )
    assert parsed.soc is None
    assert parsed.range_km is None
    assert parsed.battery_capacity_kwh == 75.5
    assert parsed.timestamp == datetime(2026, 3, 2, 18, 5, 12, tzinfo=UTC)
    assert parsed.id is None
    assert parsed.charging_status is HivenChargingStatus.UNKNOWN
    odd = parse_status({"soc": True, "range": 1e400, "timestamp": "yesterday"})
    assert (odd.soc, odd.range_km, odd.timestamp) == (None, None, None)
    assert parse_status({"range": 10**400}).range_km is None
    with pytest.raises(InvalidResponseError):
        parse_status([])


def test_preferences_leniency() -> None:
    prefs = parse_ev_preferences(
        {
            "chargingBehavior": "SMART_CHARGE_SOMETIMES",
            "chargingLocationIds": ["a", 3, ""],
            "targetSoC": {"value": 300, "unit": "KM"},
            "minimalSoC": {"value": "x", "unit": "PERCENT"},
            "readyTime": "25:00",
            "weekDaySpecificReadyTimes": {
                "MONDAY": "07:00",
                "FUNDAY": "08:00",
                "TUESDAY": "late",
                "WEDNESDAY": "7",
            },
            "batteryCapacity": None,
        }
    )
    assert prefs.charging_behavior is HivenChargingBehavior.UNKNOWN
    assert prefs.charging_location_ids == ("a",)
    assert prefs.target_soc == SocLevel(300, HivenSocUnit.KM)
    assert prefs.minimal_soc is None
    assert prefs.ready_time is None
    assert prefs.weekday_ready_times == {Weekday.MONDAY: time(7)}
    shared = prefs.to_shared()
    assert shared.behavior is ChargingBehavior.UNKNOWN
    assert shared.target_soc is None  # km has no shared field
    empty = parse_ev_preferences({"targetSoC": {"value": 5}, "weekDaySpecificReadyTimes": []})
    assert empty.charging_behavior is None
    assert empty.target_soc == SocLevel(5, HivenSocUnit.UNKNOWN)
    assert empty.weekday_ready_times is None
    assert empty.to_shared().behavior is None
    assert empty.to_shared().minimal_soc is None
    assert SocLevel(5, HivenSocUnit.KM).shared == MinimalSoc(5, SocUnit.KM)
    assert HivenEvPreferences().to_shared().target_soc is None
    assert parse_ev_preferences({"readyTime": "ab:cd"}).ready_time is None


def test_device_strictness_and_leniency() -> None:
    with pytest.raises(InvalidResponseError, match="'id'"):
        parse_device({"type": "EV"})
    with pytest.raises(InvalidResponseError):
        parse_devices({"data": []})
    bare = parse_device({"id": "d1", "type": "ev", "attributes": [], "settings": "x", "year": 1})
    assert bare.is_vehicle
    assert bare.manufacturer is None
    assert bare.associated_charger_ids == ()
    assert bare.charging_preferences is None
    vehicle = bare.to_vehicle("fallback-user")
    assert vehicle.user_id == "fallback-user"
    assert vehicle.vendor == "unknown"
    assert vehicle.information.brand is None
    assert vehicle.charging_preferences is None
    odd = parse_device(
        {"id": "d2", "type": "EV", "attributes": {"manufacturer": "POLESTAR", "year": 2021.5}}
    )
    assert odd.to_vehicle("u").information.brand == "POLESTAR"
    assert odd.year is None
    assert not parse_device({"id": "c", "type": None}).is_vehicle


def test_enums_are_lenient() -> None:
    assert HivenManufacturer("LANDROVER") is HivenManufacturer.LAND_ROVER
    assert HivenManufacturer("DACIA") is HivenManufacturer.UNKNOWN
    assert HivenChargingBehavior.from_shared(ChargingBehavior.ANYWHERE) is (
        HivenChargingBehavior.SMART_CHARGE_ANYWHERE
    )
    assert HivenChargingBehavior.from_shared(ChargingBehavior.UNKNOWN) is (
        HivenChargingBehavior.UNKNOWN
    )


def test_capabilities_leniency() -> None:
    [model] = parse_capabilities(
        [{"capabilities": ["READ_LOCATION", "FLY", 3], "type": "FCEV", "yearRange": None}]
    )
    assert model.make == ""
    assert model.type is HivenVehicleType.UNKNOWN
    assert model.year_range.start is None
    assert {c.value for c in model.capabilities} == {"READ_LOCATION"}
    [other] = parse_capabilities([{"capabilities": "READ_LOCATION"}])
    assert other.capabilities == frozenset()
    assert other.type is HivenVehicleType.UNKNOWN
    with pytest.raises(InvalidResponseError):
        parse_capabilities([1])


def test_vehicle_capabilities_leniency() -> None:
    """One vehicle's capabilities: an object or a bare array; unknown names are dropped."""
    expected = {HivenCapability.READ_LOCATION}
    assert parse_vehicle_capabilities({"capabilities": ["READ_LOCATION", "FLY", 3]}) == expected
    assert parse_vehicle_capabilities(["READ_LOCATION"]) == expected
    assert parse_vehicle_capabilities({"capabilities": None}) == frozenset()
    with pytest.raises(InvalidResponseError):
        parse_vehicle_capabilities("READ_LOCATION")


def test_location_strictness() -> None:
    """A location's id is the document's ``locationId``, never the item's own ``id``."""
    location = load_fixture("location.json")
    assert parse_locations([location])[0].id == "loc-1"
    assert parse_location({**location, "id": None}).id == "loc-1"
    with pytest.raises(InvalidResponseError):
        parse_location({**location, "coordinates": {"latitude": 1}})
    with pytest.raises(InvalidResponseError):
        parse_location({**location, "coordinates": None})
    with pytest.raises(InvalidResponseError):
        parse_location({key: value for key, value in location.items() if key != "locationId"})


def test_charging_locations_of_a_device() -> None:
    """``chargingLocations`` items (document shape) are read; their ids are ``locationId``."""
    device = parse_device(load_fixture("device_ev.json"))
    assert device.charging_preferences is not None
    [home] = device.charging_preferences.charging_locations or ()
    assert (home.id, home.spot_price_area_id, home.postal_code) == ("loc-1", "FI", "00100")

    # Without chargingLocationIds, the ids come from the locations; bad items are skipped.
    item = load_fixture("device_ev.json")["settings"]["chargingPreferences"]["chargingLocations"][0]
    prefs = parse_ev_preferences(
        {"chargingBehavior": "SMART_CHARGE_AT_LOCATION", "chargingLocations": [item, {"id": "x"}]}
    )
    assert prefs.charging_location_ids == ("loc-1",)
    assert prefs.to_shared().charging_location_ids == ("loc-1",)
    assert parse_ev_preferences({"chargingLocations": "x"}).charging_locations is None


def test_authorization_url_strictness() -> None:
    with pytest.raises(InvalidResponseError):
        parse_authorization_url({"authorizationUrl": ""})

"""Connected Cars data → models: the three drivetrains, the charge rate, leniency, fuzz."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.connected_ev.api.connectedcars.parse import (
    origin_of,
    parse_vehicle,
    parse_vehicles,
)
from custom_components.connected_ev.api.errors import InvalidResponseError
from custom_components.connected_ev.api.models import Capability

from .conftest import load_fixture


def _vehicles() -> list[Any]:
    return parse_vehicles(load_fixture("vehicles.json")["data"])[1]


def test_electric_vehicle() -> None:
    """An EV charging: battery, range, session, rate from the session, counter, condition."""
    ev = _vehicles()[0]
    assert ev.id == "1"
    assert ev.user_id == "1042"
    assert ev.information.brand == "Volkswagen"
    assert ev.information.display_name == "VW ID.4 Pro"
    assert ev.information.year == 2022
    assert ev.charge_state.battery_level == 64
    assert ev.charge_state.range_km == 281
    assert ev.charge_state.is_charging is True
    assert ev.charge_state.is_plugged_in is None
    assert ev.charge_state.charge_rate_kw == 10.8
    assert ev.charge_state.battery_capacity_kwh == 77
    assert ev.charging_session is not None
    assert ev.charging_session.start_level == 40
    assert ev.charging_session.started_at == datetime(2026, 12, 4, 7, 55, tzinfo=UTC)
    assert ev.charging_session.energy_added_kwh == 18.5
    assert ev.charging_session.minutes_to_80 == 75
    assert ev.condition is not None
    assert ev.condition.lifetime_charged_kwh == 5123.4
    assert ev.condition.hv_battery_temperature_c == 21.5
    assert ev.condition.fuel_level_percent is None
    assert ev.condition.warning_lamps == ()
    assert ev.condition.healthy is True
    assert ev.last_seen == datetime(2026, 12, 4, 8, 55, tzinfo=UTC)
    assert ev.odometer is not None
    assert ev.odometer.distance_km == 24890
    assert ev.location is not None
    assert ev.location.latitude == 55.6761
    assert ev.can(Capability.BATTERY)
    assert not ev.can(Capability.CHARGE_STATE)  # no cable, no charge limit: not reported
    assert not ev.can(Capability.FUEL)


def test_plug_in_hybrid() -> None:
    """A PHEV parked after charging: fuel, last session, lamps lit, low 12 V battery."""
    phev = _vehicles()[1]
    assert phev.can(Capability.BATTERY)
    assert phev.can(Capability.FUEL)
    assert phev.charge_state.is_charging is False
    assert phev.charge_state.charge_rate_kw is None  # shown as 0 kW by the sensor
    assert phev.charging_session is not None
    assert phev.charging_session.ended_at == datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    assert phev.condition is not None
    assert phev.condition.fuel_level_percent == 48
    assert phev.condition.warning_lamps == ("Engine warning",)
    assert phev.condition.healthy is False
    assert phev.condition.low_voltage_battery_v == 11.6


def test_combustion_car() -> None:
    """A petrol car driving: no battery entities, fuel and ignition."""
    car = _vehicles()[2]
    assert not car.can(Capability.BATTERY)
    assert car.can(Capability.FUEL)
    assert car.can(Capability.IGNITION)
    assert car.charging_session is None
    assert car.condition is not None
    assert car.condition.ignition_on is True
    assert car.condition.lifetime_charged_kwh is None


def test_null_vehicle_is_skipped_and_duplicates_once() -> None:
    """A null relation is skipped; the same vehicle twice is listed once."""
    data = load_fixture("vehicles.json")["data"]
    data["viewer"]["vehicles"].append(data["viewer"]["vehicles"][0])
    data["viewer"]["vehicles"].append({"vehicle": {"id": ""}})
    assert [v.id for v in parse_vehicles(data)[1]] == ["1", "2", "3"]


def test_rate_from_energy_when_no_average() -> None:
    """Without an average speed, the rate is energy added over the hours since the start."""
    vehicle = parse_vehicle(
        {
            "id": 5,
            "isCharging": True,
            "chargePercentage": {"pct": 50, "time": "2026-12-04T10:00:00+00:00"},
            "chargingStatus": {
                "startTime": "2026-12-04T08:00:00+00:00",
                "chargeInKwhIncrease": 22,
            },
        },
        "u",
    )
    assert vehicle.charge_state.charge_rate_kw == 11.0


@pytest.mark.parametrize(
    "status",
    [
        {"startTime": "2026-12-04T10:00:00+00:00", "chargeInKwhIncrease": 22},
        {"startTime": "2026-12-04T08:00:00", "chargeInKwhIncrease": 22},
        {"chargeInKwhIncrease": 22},
        {"startTime": "2026-12-04T08:00:00+00:00"},
    ],
)
def test_rate_unknown_when_not_derivable(status: dict[str, Any]) -> None:
    """No start, no energy, no elapsed time or a time without offset: no rate."""
    vehicle = parse_vehicle(
        {
            "id": 5,
            "isCharging": True,
            "chargePercentage": {"pct": 50, "time": "2026-12-04T10:00:00+00:00"},
            "chargingStatus": status,
        },
        "u",
    )
    assert vehicle.charge_state.charge_rate_kw is None


def test_wrong_types_are_unknown() -> None:
    """Fields of the wrong type are unknown, never a crash."""
    vehicle = parse_vehicle(
        {
            "id": "9",
            "year": "2019",
            "fuelType": "electric",
            "chargePercentage": {"pct": "64"},
            "rangeTotalKm": [],
            "isCharging": "yes",
            "odometer": {"odometer": True},
            "lampStates": {"type": "x"},
            "health": None,
            "position": {"latitude": float("nan"), "longitude": 1},
            "brand": "VW",
        },
        "u",
    )
    assert vehicle.information.year == 2019
    assert vehicle.information.brand == "VW"
    assert vehicle.can(Capability.BATTERY)  # electric even without a level yet
    assert vehicle.charge_state.battery_level is None
    assert vehicle.charge_state.is_charging is None
    assert vehicle.odometer is None
    assert vehicle.location is not None
    assert vehicle.location.latitude is None
    assert vehicle.condition is not None
    assert vehicle.condition.warning_lamps is None
    assert parse_vehicle({"id": 1, "year": 3000}, "u").information.year is None
    assert parse_vehicle({"id": 1, "updateTime": "yesterday"}, "u").last_seen is None


def test_lamps_named_once() -> None:
    """A lamp lit twice is listed once; without a title its type names it."""
    vehicle = parse_vehicle(
        {
            "id": 1,
            "lampStates": [
                {"type": "oil", "enabled": True},
                {"type": "oil", "enabled": True, "lampDetails": None},
                {"type": "abs", "enabled": True, "lampDetails": {"title": " "}},
                "junk",
            ],
        },
        "u",
    )
    assert vehicle.condition is not None
    assert vehicle.condition.warning_lamps == ("oil", "abs")


@pytest.mark.parametrize(
    "data",
    [None, {}, {"viewer": None}, {"viewer": {"id": "1"}}, {"viewer": {"vehicles": []}}],
)
def test_unreadable_viewer(data: Any) -> None:
    """No user or no vehicle list: invalid response."""
    with pytest.raises(InvalidResponseError):
        parse_vehicles(data)


def test_vehicle_without_id() -> None:
    """A vehicle must have an id."""
    with pytest.raises(InvalidResponseError):
        parse_vehicle({"vin": "X"}, "u")


def test_origin_of() -> None:
    """A bare domain is https; a value with a scheme stays."""
    assert origin_of("api.eu2.connectedcars.io") == "https://api.eu2.connectedcars.io"
    assert origin_of("http://127.0.0.1:8767/") == "http://127.0.0.1:8767"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=30,
)
FIELDS = st.sampled_from(
    [
        "id",
        "chargePercentage",
        "chargingStatus",
        "isCharging",
        "lampStates",
        "position",
        "odometer",
        "health",
        "year",
        "fuelPercentage",
        "carBatteryCharge",
        "updateTime",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(FIELDS, JSON, max_size=8))
def test_fuzz_vehicle(raw: dict[str, Any]) -> None:
    """Any JSON in any field parses or raises InvalidResponseError, nothing else."""
    with contextlib.suppress(InvalidResponseError):
        parse_vehicles({"viewer": {"id": "1", "vehicles": [{"vehicle": raw}]}})

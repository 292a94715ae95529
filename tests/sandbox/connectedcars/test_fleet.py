"""The simulated fleet on the sandbox clock: driving, parking, charging, 12 V and lamps."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from sandbox.connectedcars.server import ConnectedCarsSandboxServer

from .conftest import Api

VEHICLE = "/organizations/semler/vehicles/{}"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_driving_reports_every_few_seconds(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    parked = (await api.vehicles())["1"]
    status, _ = await api.admin("POST", VEHICLE.format(1) + "/drive")
    assert status == 200
    await server.advance(12)
    ev = (await api.vehicles())["1"]
    assert ev["ignition"]["on"] is True
    started = at(ev["ignition"]["time"]) - timedelta(seconds=10)
    assert at(ev["position"]["time"]) == started + timedelta(seconds=10)  # the 5 s grid
    assert ev["position"]["speed"] == 50.0
    assert ev["position"] != parked["position"]
    assert ev["odometer"]["odometer"] == pytest.approx(
        parked["odometer"]["odometer"] + 50 * 10 / 3600, abs=0.06
    )
    assert ev["chargePercentage"]["pct"] <= parked["chargePercentage"]["pct"]
    assert ev["latestBatteryVoltage"]["voltage"] == 14.2
    await server.advance(3)
    later = (await api.vehicles())["1"]
    assert at(later["position"]["time"]) == started + timedelta(seconds=15)
    # An hour of driving: 50 km more, about 11.7 % less charge.
    await server.advance(3600)
    hour = (await api.vehicles())["1"]
    assert hour["odometer"]["odometer"] == pytest.approx(
        parked["odometer"]["odometer"] + 50, abs=0.2
    )
    assert hour["chargePercentage"]["pct"] == pytest.approx(64 - 50 * 77 / 520 / 77 * 100, abs=0.2)
    assert hour["highVoltageBatteryTemperature"]["celsius"] == 27.0


async def test_a_change_while_driving_does_not_move_the_car(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    await api.admin("POST", VEHICLE.format(3) + "/drive")
    await server.advance(600)
    before = (await api.vehicles())["3"]["position"]
    await api.admin("PATCH", VEHICLE.format(3), json={"batteryVoltage": 12.0})
    await api.admin("POST", VEHICLE.format(3) + "/drive")
    after = (await api.vehicles())["3"]["position"]
    assert (after["latitude"], after["longitude"]) == (before["latitude"], before["longitude"])
    await server.advance(5)
    moved = (await api.vehicles())["3"]["position"]
    north = (moved["latitude"] - after["latitude"]) * 111_320
    east = (moved["longitude"] - after["longitude"]) * 111_320 * math.cos(math.radians(55.6))
    assert math.hypot(north, east) == pytest.approx(50_000 / 3600 * 5, abs=3)  # 5 s at 50 km/h


async def test_parked_car_reports_every_two_hours(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    await api.admin("POST", VEHICLE.format(3) + "/drive")
    await server.advance(600)
    await api.admin("POST", VEHICLE.format(3) + "/park")
    car = (await api.vehicles())["3"]
    parked_at = at(car["ignition"]["time"])
    assert car["ignition"]["on"] is False
    assert car["position"]["speed"] == 0.0
    assert car["latestBatteryVoltage"]["voltage"] == 12.6
    await server.advance(7199)
    same = (await api.vehicles())["3"]
    assert at(same["odometer"]["time"]) == parked_at
    await server.advance(1)
    woke = (await api.vehicles())["3"]
    assert at(woke["odometer"]["time"]) == parked_at + timedelta(hours=2)
    assert woke["odometer"]["odometer"] == car["odometer"]["odometer"]
    assert woke["fuelLevel"] == car["fuelLevel"]


async def test_charging_session_and_energy_counter(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    before = (await api.vehicles())["1"]
    status, summary = await api.admin("POST", VEHICLE.format(1) + "/charge")
    assert (status, summary["mode"]) == (200, "charging")
    await server.advance(3600)
    ev = (await api.vehicles())["1"]
    assert ev["isCharging"] is True
    session = ev["chargingStatus"]
    assert session["startChargePercentage"] == 64.0
    assert session["endedAt"] is None
    assert session["averageChargeSpeed"] == pytest.approx(11.0)
    assert session["chargeInKwhIncrease"] == pytest.approx(11.0)
    assert ev["chargePercentage"]["pct"] == pytest.approx(64 + 11 / 77 * 100, abs=0.1)
    assert session["chargedPercentage"] == pytest.approx(11 / 77 * 100, abs=0.1)
    assert session["timeUntil80PercentCharge"] == pytest.approx(
        (80 - 64 - 11 / 77 * 100) / 100 * 77 / 11 * 60, abs=0.2
    )
    assert session["rangeIncrease"] == pytest.approx(11 / 77 * 520, abs=0.2)
    assert session["showSummaryForChargeEnded"] is False
    assert ev["carBatteryCharge"]["kwh"] == pytest.approx(before["carBatteryCharge"]["kwh"] + 11)
    assert ev["latestBatteryVoltage"]["voltage"] == 14.2
    # Reports every 5 minutes while charging.
    await server.advance(299)
    assert (await api.vehicles())["1"]["chargePercentage"] == ev["chargePercentage"]
    await server.advance(1)
    assert (await api.vehicles())["1"]["chargePercentage"]["pct"] > ev["chargePercentage"]["pct"]
    # Full after 36 % of 77 kWh at 11 kW: the session ends by itself and the car parks.
    await server.advance(5 * 3600)
    full = (await api.vehicles())["1"]
    assert full["chargePercentage"]["pct"] == 100.0
    assert full["isCharging"] is False
    ended = full["chargingStatus"]
    started = at(ended["startTime"])
    assert at(ended["endedAt"]) - started == timedelta(hours=36 / 100 * 77 / 11)
    assert ended["showSummaryForChargeEnded"] is True
    assert ended["timeUntil80PercentCharge"] is None
    assert ended["chargeInKwhIncrease"] == pytest.approx(0.36 * 77)
    assert full["carBatteryCharge"]["kwh"] == pytest.approx(
        before["carBatteryCharge"]["kwh"] + 0.36 * 77
    )
    _, state = await api.admin("GET", "/state")
    assert next(v["mode"] for v in state["vehicles"] if v["id"] == "1") == "parked"


async def test_interrupted_session_and_fast_charging(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    await api.admin("POST", VEHICLE.format(2) + "/charge", json={"powerKw": 7.2})
    await server.advance(1800)
    await api.admin("POST", VEHICLE.format(2) + "/drive")
    phev = (await api.vehicles())["2"]
    session = phev["chargingStatus"]
    assert phev["isCharging"] is False
    assert session["chargeInKwhIncrease"] == pytest.approx(3.6)
    assert session["showSummaryForChargeEnded"] is True
    # A new session replaces it.
    await api.admin("POST", VEHICLE.format(1) + "/charge")
    await server.advance(600)
    status, _ = await api.admin("POST", VEHICLE.format(1) + "/charge", json={"powerKw": 50})
    assert status == 200
    await server.advance(600)
    ev = (await api.vehicles())["1"]
    assert ev["chargingStatus"]["averageChargeSpeed"] == pytest.approx(50.0)
    assert ev["chargingStatus"]["startChargePercentage"] > 64.0


async def test_an_ev_parks_itself_when_nearly_empty(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    status, _ = await api.admin("PATCH", VEHICLE.format(1), json={"soc": 10})
    assert status == 200
    await api.admin("POST", VEHICLE.format(1) + "/drive")
    await server.advance(24 * 3600)
    ev = (await api.vehicles())["1"]
    assert ev["ignition"]["on"] is False
    assert ev["chargePercentage"]["pct"] == pytest.approx(3.0)


async def test_a_plug_in_hybrid_drives_on_battery_then_fuel(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    before = (await api.vehicles())["2"]
    await api.admin("POST", VEHICLE.format(2) + "/drive")
    await server.advance(1800)  # 25 km of the 38 km the battery gives
    electric = (await api.vehicles())["2"]
    assert electric["fuelLevel"] == before["fuelLevel"]
    assert electric["chargePercentage"]["pct"] < before["chargePercentage"]["pct"]
    await server.advance(3600)
    both = (await api.vehicles())["2"]
    assert both["chargePercentage"]["pct"] == 0.0
    assert both["fuelLevel"]["liter"] < before["fuelLevel"]["liter"]
    # Until the tank is nearly empty: then it parks.
    await server.advance(30 * 3600)
    empty = (await api.vehicles())["2"]
    assert empty["ignition"]["on"] is False
    assert empty["fuelLevel"]["liter"] == pytest.approx(1.0)


async def test_combustion_car_drives_until_the_tank_is_nearly_empty(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    await api.admin("PATCH", VEHICLE.format(3), json={"fuelPercent": 10})
    await api.admin("POST", VEHICLE.format(3) + "/drive")
    await server.advance(10 * 3600)
    car = (await api.vehicles())["3"]
    assert car["ignition"]["on"] is False
    assert car["fuelLevel"]["liter"] == pytest.approx(1.0)
    assert car["fuelPercentage"]["percent"] == pytest.approx(2.0)


async def test_voltage_and_lamps_are_reported_at_once(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    await server.advance(600)
    status, _ = await api.admin(
        "PATCH",
        VEHICLE.format(1),
        json={"batteryVoltage": 11.5, "lamps": {"engine": True, "tirePressure": False}},
    )
    assert status == 200
    ev = (await api.vehicles())["1"]
    assert ev["latestBatteryVoltage"]["voltage"] == 11.5
    assert ev["health"] == {"ok": False}
    lamps = {lamp["type"]: lamp for lamp in ev["lampStates"]}
    assert lamps["engine"]["enabled"] is True
    assert lamps["engine"]["lampDetails"]["title"] == "Engine warning"
    assert lamps["engine"]["time"] == ev["latestBatteryVoltage"]["time"]
    assert lamps["tirePressure"]["enabled"] is False
    await api.admin("PATCH", VEHICLE.format(1), json={"lamps": {"engine": False}})
    assert (await api.vehicles())["1"]["health"] == {"ok": True}


@pytest.mark.parametrize(
    ("vehicle", "method", "suffix", "body", "status", "kind"),
    [
        (3, "POST", "/charge", None, 409, "not_chargeable"),
        (3, "PATCH", "", {"soc": 50}, 409, "not_chargeable"),
        (1, "PATCH", "", {"fuelPercent": 50}, 409, "no_tank"),
        (1, "PATCH", "", {"soc": 101}, 400, "validation_error"),
        (1, "PATCH", "", {"soc": True}, 400, "validation_error"),
        (1, "PATCH", "", {"lamps": {"unknown": True}}, 400, "validation_error"),
        (1, "PATCH", "", {"lamps": {"engine": 1}}, 400, "validation_error"),
        (1, "PATCH", "", {"lamps": []}, 400, "validation_error"),
        (1, "PATCH", "", {"colour": "red"}, 400, "validation_error"),
        (1, "POST", "/charge", {"powerKw": 0}, 400, "validation_error"),
        (9, "POST", "/drive", None, 404, "vehicle_not_found"),
    ],
)
async def test_admin_vehicle_changes_are_validated(
    api: Api,
    vehicle: int,
    method: str,
    suffix: str,
    body: object,
    status: int,
    kind: str,
) -> None:
    got, answer = await api.admin(method, VEHICLE.format(vehicle) + suffix, json=body)
    assert (got, answer["type"]) == (status, kind)

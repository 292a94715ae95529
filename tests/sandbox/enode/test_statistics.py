"""Charging statistics: the energy devices charge, bucketed, and the query the spec declares."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from sandbox.clock import SimClock
from sandbox.enode.energy import EnergyLedger, bucket_start, next_bucket, series
from sandbox.enode.server import SandboxServer
from sandbox.enode.world import NotFoundError, PreconditionError, World
from tests.sandbox.enode.helpers import Api, Reply, seed
from tests.sandbox.enode.schema import check_component, check_response

OK = "GET /users/{userId}/statistics/charging 200"
NOT_FOUND = "GET /users/{userId}/statistics/charging 404"
EARLY = "2018-01-01T00:00:00Z"
RATE_KW = 11.04  # a Tesla (16 A) at a Zaptec (32 A): 16 A x 230 V x 3 phases


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def _stats(api: Api, user: str = "s", **query: str) -> Reply:
    return await api.get(f"/users/{user}/statistics/charging?{urlencode(query)}")


async def _kwh(api: Api, device_id: str, kind: str = "vehicle", **query: str) -> float:
    reply = await _stats(api, id=device_id, type=kind, startDate=EARLY, **query)
    assert reply.status == 200, reply.text
    check_response(reply.json, OK)
    return sum(entry["kwhSum"] for entry in reply.json)


async def _charging_tesla(api: Api, user: str = "s") -> tuple[str, str]:
    ids = await seed(api, user, vehicles=1, chargers=1, vehicleVendor="TESLA")
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    await api.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 50, "chargeLimit": 80})
    await api.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    return vehicle_id, charger_id


async def test_energy_accumulates_while_charging(api: Api, server: SandboxServer) -> None:
    """The vehicle and its charger count what charges; nothing more once it is full."""
    vehicle_id, charger_id = await _charging_tesla(api)
    assert await _kwh(api, vehicle_id) == 0
    await server.advance(3600)
    assert await _kwh(api, vehicle_id) == pytest.approx(RATE_KW, abs=1e-3)
    assert await _kwh(api, charger_id, "charger") == pytest.approx(RATE_KW, abs=1e-3)
    await server.advance(7200)
    full = 0.3 * 75  # from 50 % to the 80 % limit of a 75 kWh battery
    assert await _kwh(api, vehicle_id) == pytest.approx(full, abs=1e-3)
    await server.advance(86400)
    assert await _kwh(api, vehicle_id) == pytest.approx(full, abs=1e-3)
    # The yearly entries run from the year the device appeared to now, one per year.
    reply = await _stats(api, id=vehicle_id, type="vehicle", startDate=EARLY, resolution="YEAR")
    assert [entry["date"][5:] for entry in reply.json] == ["01-01T00:00:00.000Z"] * len(reply.json)


async def test_entry_shape_and_power(api: Api, server: SandboxServer) -> None:
    """Quarter-hour entries carry the charging power; price and cost use the fixed tariff."""
    vehicle_id, _ = await _charging_tesla(api)
    await server.advance(3600)
    reply = await _stats(
        api, id=vehicle_id, type="vehicle", startDate=EARLY, resolution="QUARTER_HOUR"
    )
    check_response(reply.json, OK)
    entries: list[dict[str, Any]] = reply.json
    assert 4 <= len(entries) <= 5
    assert max(entry["kw"]["max"] for entry in entries) == pytest.approx(RATE_KW)
    full = [entry for entry in entries if entry["kwhSum"] == pytest.approx(RATE_KW / 4)]
    assert full
    entry = full[0]
    assert entry["kw"] == {"min": RATE_KW, "max": RATE_KW, "mean": RATE_KW}
    assert entry["price"] == {"min": 2.0, "max": 2.0, "mean": 2.0}
    assert entry["costSum"] == pytest.approx(entry["kwhSum"] * 2)
    assert entry["nonSmartPrice"] == {"min": None, "max": None, "mean": None}
    assert entry["estimatedSavings"] is None


async def test_end_date_location_and_kind_filters(api: Api, server: SandboxServer) -> None:
    """``endDate`` cuts the range, ``locationId`` keeps one place, no ``id`` sums a kind."""
    home = (
        await api.post("/users/s/locations", {"name": "Home", "latitude": 1, "longitude": 2})
    ).json
    away = (
        await api.post("/users/s/locations", {"name": "Away", "latitude": 3, "longitude": 4})
    ).json
    vehicle_id, charger_id = await _charging_tesla(api)
    assert (await api.put(f"/chargers/{charger_id}", {"locationId": home["id"]})).status == 200
    await server.advance(3600)
    await api.admin("POST", f"/vehicles/{vehicle_id}/unplug")
    await server.advance(3600)
    between = (await api.admin("GET", "/clock"))["now"]
    await server.advance(3600)
    assert (await api.put(f"/chargers/{charger_id}", {"locationId": away["id"]})).status == 200
    await api.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    await server.advance(3600)
    assert await _kwh(api, vehicle_id) == pytest.approx(2 * RATE_KW, abs=1e-3)
    assert await _kwh(api, charger_id, "charger") == pytest.approx(2 * RATE_KW, abs=1e-3)
    assert await _kwh(api, vehicle_id, endDate=between) == pytest.approx(RATE_KW, abs=1e-3)
    assert await _kwh(api, vehicle_id, locationId=home["id"]) == pytest.approx(RATE_KW, abs=1e-3)
    assert await _kwh(api, charger_id, "charger", locationId=away["id"]) == pytest.approx(
        RATE_KW, abs=1e-3
    )
    assert (await _stats(api, type="vehicle", startDate=EARLY, endDate=EARLY)).json == []

    other = (await seed(api, "s", vehicles=1))["vehicleIds"][0]
    await api.admin("POST", f"/vehicles/{other}/plug", {"autoStart": True})
    await server.advance(3600)
    assert await _kwh(api, other) > 0
    reply = await _stats(api, type="vehicle", startDate=EARLY, resolution="YEAR")
    check_response(reply.json, OK)
    total = sum(entry["kwhSum"] for entry in reply.json)
    assert total == pytest.approx(await _kwh(api, vehicle_id) + await _kwh(api, other))
    chargers = await _stats(api, type="charger", startDate=EARLY, resolution="YEAR")
    assert sum(entry["kwhSum"] for entry in chargers.json) == pytest.approx(
        await _kwh(api, charger_id, "charger")
    )
    assert (await _stats(api, type="hvac", startDate=EARLY)).json == []
    assert (await _stats(api, "nobody", type="vehicle", startDate=EARLY)).json == []


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"type": "vehicle"}, "startDate"),
        ({"startDate": EARLY}, "type"),
        ({"startDate": EARLY, "type": "boat"}, "type"),
        ({"startDate": "yesterday", "type": "vehicle"}, "startDate"),
        ({"startDate": "2024-01-01T00:00:00", "type": "vehicle"}, "startDate"),
        ({"startDate": EARLY, "endDate": "2017-01-01T00:00:00Z", "type": "vehicle"}, "endDate"),
        ({"startDate": EARLY, "type": "vehicle", "resolution": "DECADE"}, "resolution"),
        ({"startDate": EARLY, "type": "vehicle", "locationId": "home"}, "locationId"),
        ({"startDate": EARLY, "type": "vehicle", "utcOffset": "east"}, "utcOffset"),
        ({"startDate": EARLY, "type": "vehicle", "utcOffset": "nan"}, "utcOffset"),
        ({"startDate": EARLY, "type": "vehicle", "utcOffset": "25"}, "utcOffset"),
        ({"startDate": EARLY, "type": "vehicle", "id": ""}, "id"),
    ],
)
async def test_query_validation(api: Api, query: dict[str, str], where: str) -> None:
    """Every parameter the spec declares is checked, and the issue names it."""
    reply = await _stats(api, **query)
    assert reply.status == 400
    check_component(reply.json, "Problem")
    assert reply.json["issues"][0]["path"] == [where]


async def test_unknown_mismatched_and_foreign_ids(api: Api) -> None:
    """An unknown id (or another user's) is a 404, an id of the other kind a 400."""
    vehicle_id, _ = await _charging_tesla(api)
    unknown = await _stats(api, id="nope", type="vehicle", startDate=EARLY)
    assert unknown.status == 404
    check_response(unknown.json, NOT_FOUND)
    foreign = await _stats(api, "other", id=vehicle_id, type="vehicle", startDate=EARLY)
    assert foreign.status == 404
    mismatch = await _stats(api, id=vehicle_id, type="charger", startDate=EARLY)
    assert mismatch.status == 400
    assert "is a vehicle" in mismatch.json["detail"]
    location = "4eaeb363-296d-4ccc-a973-7805e6f400bd"
    missing = await _stats(api, id=vehicle_id, type="vehicle", startDate=EARLY, locationId=location)
    assert missing.status == 404


async def test_utc_offset_moves_day_buckets(api: Api, server: SandboxServer) -> None:
    """The deprecated ``utcOffset`` still shifts day boundaries to the viewer's midnight."""
    vehicle_id, _ = await _charging_tesla(api)
    await server.advance(3600)
    reply = await _stats(api, id=vehicle_id, type="vehicle", startDate=EARLY, utcOffset="-2.5")
    check_response(reply.json, OK)
    assert {entry["date"][10:] for entry in reply.json} == {"T02:30:00.000Z"}
    assert sum(entry["kwhSum"] for entry in reply.json) == pytest.approx(RATE_KW, abs=1e-3)


async def test_requires_a_token(api: Api) -> None:
    reply = await api.raw("GET", f"/users/s/statistics/charging?startDate={EARLY}&type=vehicle")
    assert reply.status == 401


# ---------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("resolution", "moment", "start", "following"),
    [
        ("QUARTER_HOUR", "2024-03-05T10:20:00Z", "2024-03-05T10:15:00Z", "2024-03-05T10:30:00Z"),
        ("HALF_HOUR", "2024-03-05T10:20:00Z", "2024-03-05T10:00:00Z", "2024-03-05T10:30:00Z"),
        ("HOUR", "2024-03-05T10:20:00Z", "2024-03-05T10:00:00Z", "2024-03-05T11:00:00Z"),
        ("DAY", "2024-03-05T10:20:00Z", "2024-03-05T00:00:00Z", "2024-03-06T00:00:00Z"),
        ("WEEK", "2024-03-07T10:20:00Z", "2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z"),
        ("MONTH", "2024-12-31T23:00:00Z", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        ("MONTH", "2024-02-10T00:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        ("YEAR", "2024-07-01T00:00:00Z", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
    ],
)
def test_buckets(resolution: str, moment: str, start: str, following: str) -> None:
    assert bucket_start(_ts(moment), resolution) == _ts(start)
    assert next_bucket(_ts(start), resolution) == _ts(following)


def test_utc_offset_moves_days_but_not_hours() -> None:
    moment = _ts("2024-03-05T23:30:00Z")
    assert bucket_start(moment, "DAY", 2.0) == _ts("2024-03-05T22:00:00Z")
    assert next_bucket(_ts("2024-03-05T22:00:00Z"), "DAY", 2.0) == _ts("2024-03-06T22:00:00Z")
    assert bucket_start(moment, "HOUR", 2.0) == _ts("2024-03-05T23:00:00Z")


def test_ledger_splits_quarters_and_series_fills_gaps() -> None:
    ledger = EnergyLedger()
    start = _ts("2024-03-05T10:10:00Z")
    ledger.add(start, start + 1800, 12.0, "home")  # 10:10-10:40 at 12 kW: 2, 3 and 1 kWh
    assert sorted(ledger.kwh.values()) == pytest.approx([1.0, 2.0, 3.0])
    hours = series(
        [ledger],
        first=_ts("2024-03-05T09:00:00Z"),
        last=_ts("2024-03-05T11:00:00Z"),
        resolution="HOUR",
    )
    assert [bucket.kwh for bucket in hours] == pytest.approx([0.0, 6.0, 0.0])
    assert (hours[1].kw_min, hours[1].kw_max, hours[1].kw_mean) == pytest.approx((4, 12, 8))
    assert hours[0].kw_max == 0
    elsewhere = series(
        [ledger], first=start, last=start + 1800, resolution="DAY", location_id="away"
    )
    assert [bucket.kwh for bucket in elsewhere] == [0.0]
    assert series([ledger], first=start + 1, last=start, resolution="DAY") == []


def test_world_statistics_rules() -> None:
    """Devices are found by user and kind; energy at an unknown charger counts for the car."""
    world = World(SimClock(scale=0, start=_ts("2024-03-05T10:00:00Z")))
    vehicles, chargers = world.seed_user("u", vehicles=1, chargers=1)
    vehicle, charger = vehicles[0], chargers[0]
    world.patch_vehicle(vehicle.id, battery_level=50)
    world.plug(vehicle.id, None, auto_start=True)
    world.clock.advance(3600)
    kwh = sum(
        bucket.kwh
        for bucket in world.charging_statistics(
            "u", "vehicle", vehicle.id, start=0, end=None, resolution="DAY"
        )
    )
    assert kwh > 0
    idle = world.charging_statistics(
        "u", "charger", charger.id, start=0, end=None, resolution="DAY"
    )
    assert [bucket.kwh for bucket in idle] == [0.0]
    with pytest.raises(NotFoundError):
        world.charging_statistics("x", "vehicle", vehicle.id, start=0, end=None, resolution="DAY")
    with pytest.raises(PreconditionError):
        world.charging_statistics("u", "charger", vehicle.id, start=0, end=None, resolution="DAY")

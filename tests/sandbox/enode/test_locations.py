"""Locations, interventions and health."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.enode.helpers import Api, seed
from tests.sandbox.enode.schema import check_component, check_response

HOME: dict[str, Any] = {
    "name": "Home",
    "latitude": 59.91,
    "longitude": 10.75,
    "timezoneName": "Europe/Oslo",
}


async def test_location_crud(api: Api) -> None:
    created = await api.post("/users/l/locations", HOME)
    assert created.status == 200
    check_response(created.json, "POST /users/{userId}/locations 200")
    location_id = created.json["id"]
    assert created.json["userId"] == "l"
    fetched = await api.get(f"/locations/{location_id}")
    check_response(fetched.json, "GET /locations/{locationId} 200")
    assert fetched.json == created.json
    updated = await api.put(f"/locations/{location_id}", {"name": "Cabin", "latitude": 61.0})
    check_response(updated.json, "PUT /locations/{locationId} 200")
    assert updated.json["name"] == "Cabin"
    assert updated.json["latitude"] == 61.0
    assert updated.json["longitude"] == 10.75
    moved = await api.put(
        f"/locations/{location_id}", {"longitude": 11.0, "timezoneName": "Europe/Berlin"}
    )
    assert moved.json["timezoneName"] == "Europe/Berlin"
    listed = await api.get("/users/l/locations")
    check_response(listed.json, "GET /users/{userId}/locations 200")
    assert [loc["id"] for loc in listed.json["data"]] == [location_id]
    everything = await api.get("/locations")
    check_response(everything.json, "GET /locations 200")
    deleted = await api.delete(f"/locations/{location_id}")
    assert deleted.status == 200
    check_response(deleted.json, "DELETE /locations/{locationId} 200")
    assert (await api.get(f"/locations/{location_id}")).status == 404


async def test_timezone_defaults_to_utc(api: Api) -> None:
    body = {k: v for k, v in HOME.items() if k != "timezoneName"}
    created = await api.post("/users/l/locations", body)
    assert created.json["timezoneName"] == "UTC"


@pytest.mark.parametrize(
    "change",
    [
        {"latitude": 91},
        {"longitude": -181},
        {"timezoneName": "Mars/Olympus"},
        {"timezoneName": "../etc/passwd"},
        {"name": ""},
        {"name": None},
        {"color": "red"},
    ],
)
async def test_location_validation(api: Api, change: dict[str, Any]) -> None:
    reply = await api.post("/users/l/locations", {**HOME, **change})
    assert reply.status == 400
    check_component(reply.json, "Problem")
    assert reply.json["issues"]


async def test_location_update_validation(api: Api) -> None:
    location_id = (await api.post("/users/l/locations", HOME)).json["id"]
    assert (await api.put(f"/locations/{location_id}", {"latitude": "north"})).status == 400
    assert (await api.put("/locations/unknown", {"name": "x"})).status == 404
    assert (await api.delete("/locations/unknown")).status == 404


async def test_deleting_location_clears_chargers(api: Api) -> None:
    charger_id, other_id = (await seed(api, "l", vehicles=0, chargers=2))["chargerIds"]
    location_id = (await api.post("/users/l/locations", HOME)).json["id"]
    await api.put(f"/chargers/{charger_id}", {"locationId": location_id})
    await api.delete(f"/locations/{location_id}")
    charger = (await api.get(f"/chargers/{charger_id}")).json
    assert charger["location"]["id"] is None
    assert charger["location"]["lastUpdated"] is not None
    other = (await api.get(f"/chargers/{other_id}")).json
    assert other["location"]["lastUpdated"] is None


async def test_interventions(api: Api) -> None:
    listed = await api.get("/interventions")
    assert listed.status == 200
    check_response(listed.json, "GET /interventions 200")
    assert len(listed.json) >= 4
    one = await api.get(f"/interventions/{listed.json[0]['id']}?language=en-GB")
    check_response(one.json, "GET /interventions/{interventionId} 200")
    chargers = await api.get("/interventions?vendorType=charger")
    assert {item["vendorType"] for item in chargers.json} == {"charger"}
    toyota = await api.get("/interventions?vendor=TOYOTA")
    assert {item["vendor"] for item in toyota.json} == {"TOYOTA"}
    assert (await api.get("/interventions/unknown")).status == 404
    for query in ("?language=xx", "?vendorType=boat", "?vendor=NOPE"):
        assert (await api.get(f"/interventions{query}")).status == 400


async def test_capability_interventions_exist(api: Api) -> None:
    vehicle_id = (await seed(api, "i", vehicles=1, vehicleVendor="TOYOTA"))["vehicleIds"][0]
    vehicle = (await api.get(f"/vehicles/{vehicle_id}")).json
    for capability in vehicle["capabilities"].values():
        for intervention_id in capability["interventionIds"]:
            assert (await api.get(f"/interventions/{intervention_id}")).status == 200

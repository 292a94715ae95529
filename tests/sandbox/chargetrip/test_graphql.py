"""The GraphQL endpoint: project headers, tokens, the catalogue, live data and the envelope."""

from __future__ import annotations

from datetime import datetime

import aiohttp
import pytest

from sandbox.chargetrip import catalog
from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import DATA, USER, codes, headers, post

LIST = """
query Models($search: String, $filter: VehicleListFilter, $size: Int, $page: Int) {
  vehicleList(search: $search, filter: $filter, size: $size, page: $page) {
    id naming { make model version edition chargetrip_version }
    battery { usable_kwh full_kwh }
    range { chargetrip_range { best worst miles: best(unit: mile) } }
    connect { providers }
  }
}
"""
CHEAP = "query Check { connectedVehicleList(size: 1) { id } }"


async def test_project_headers_are_required(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await post(session, server, CHEAP, token=token, extra={"x-app-id": "wrong"})
    assert codes(body) == ["UNAUTHORIZED"]
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["exception"]["status"] == 401
    ok = await post(session, server, CHEAP, token=token)
    assert ok == {"data": {"connectedVehicleList": []}}


async def test_tokens_invalid_expired_and_bearer(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    assert codes(await post(session, server, CHEAP, token=None)) == ["AUTH_TOKEN_INVALID"]
    assert codes(await post(session, server, CHEAP, token="nope")) == ["AUTH_TOKEN_INVALID"]
    assert "errors" not in await post(session, server, CHEAP, token=f"Bearer {token}")

    async with session.post(
        f"{server.url}/_sandbox/tokens", json={"userId": "u2", "ttl": 60}
    ) as response:
        issued = await response.json()
    assert response.status == 201
    assert "errors" not in await post(session, server, CHEAP, token=issued["token"])
    await server.advance(60)
    assert codes(await post(session, server, CHEAP, token=issued["token"])) == [
        "AUTH_TOKEN_EXPIRED"
    ]

    async with session.post(f"{server.url}/_sandbox/tokens/expire", json={"token": token}) as r:
        assert r.status == 204
    assert codes(await post(session, server, CHEAP, token=token)) == ["AUTH_TOKEN_EXPIRED"]


async def test_catalogue_needs_no_token_and_pages(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer
) -> None:
    enode = {"connect": {"providers": ["Enode"]}}
    seen: list[str] = []
    for page in range(10):
        body = await post(
            session, server, LIST, {"filter": enode, "size": 10, "page": page}, token=None
        )
        models = body["data"]["vehicleList"]
        seen.extend(model["id"] for model in models)
        if len(models) < 10:
            break
    connectable = [model.id for model in catalog.MODELS if model.connectable]
    assert seen == connectable
    assert len(catalog.MODELS) >= 30
    assert len(connectable) < len(catalog.MODELS)

    everything = await post(session, server, LIST, {"size": 100}, token=None)
    assert len(everything["data"]["vehicleList"]) == len(catalog.MODELS)


async def test_catalogue_search_filters_and_units(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer
) -> None:
    body = await post(session, server, LIST, {"search": "model 3 long"}, token=None)
    (found,) = body["data"]["vehicleList"]
    assert found["naming"]["make"] == "Tesla"
    assert found["naming"]["chargetrip_version"] == "Long Range Dual Motor"
    assert found["battery"]["usable_kwh"] == 75.0
    assert found["range"]["chargetrip_range"]["best"] == 560.0
    assert found["range"]["chargetrip_range"]["miles"] == pytest.approx(348.0, abs=0.1)
    assert found["connect"]["providers"] == ["Enode"]

    by_make = await post(
        session, server, LIST, {"filter": {"make": "kia", "model": "EV6"}}, token=None
    )
    assert [m["naming"]["model"] for m in by_make["data"]["vehicleList"]] == ["EV6"]
    too_big = await post(session, server, LIST, {"size": 101}, token=None)
    assert codes(too_big) == ["BAD_USER_INPUT"]

    async with session.post(f"{server.url}/_sandbox/settings", json={"freePlan": True}) as r:
        assert (await r.json())["freePlan"] is True
    free = await post(session, server, LIST, {"size": 2}, token=None)
    assert [m["connect"]["providers"] for m in free["data"]["vehicleList"]] == [None, None]


async def test_vehicle_details(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer
) -> None:
    model = catalog.MODELS[0]
    query = """query One($id: ID!) { vehicle(id: $id) { id naming { make } battery { full_kwh }
      range { provider provider_is_estimated best { highway city combined }
              worst { combined(unit: meter) } chargetrip_range { worst } }
      connect { providers } } }"""
    body = await post(session, server, query, {"id": model.id}, token=None)
    details = body["data"]["vehicle"]
    assert details["naming"]["make"] == model.make
    assert details["range"]["best"]["combined"] == model.best_km
    assert details["range"]["worst"]["combined"] == model.worst_km * 1000
    missing = await post(session, server, query, {"id": "0" * 24}, token=None)
    assert codes(missing) == ["VEHICLE_NOT_FOUND"]


async def test_live_data_units_and_time(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)
    assert vehicle.sim is not None
    async with session.patch(
        f"{server.url}/_sandbox/connected-vehicles/{vehicle.id}",
        json={"batteryLevel": 50, "charging": True, "latitude": 52.37, "longitude": 4.89},
    ) as response:
        assert response.status == 200
    first = (await post(session, server, DATA, {"id": vehicle.id}, token=token))["data"]
    data = first["connectedVehicleData"]
    assert data["battery"]["percentage"] == 50.0
    assert data["battery"]["capacity"] == catalog.MODELS[0].usable_kwh
    assert data["battery"]["range"] > 0
    assert data["charge"]["is_plugged_in"] is True
    assert data["charge"]["is_charging"] is True
    assert data["charge"]["charge_speed"] > 1  # kW
    assert data["charge"]["limit"] == 80
    assert data["charge"]["minutes_till_charged"] > 0
    assert data["location"]["geometry"]["coordinates"] == [4.89, 52.37]  # [lon, lat]
    assert data["location"]["type"] == "Feature"

    await server.advance(1800)
    later = (await post(session, server, DATA, {"id": vehicle.id}, token=token))["data"]
    after = later["connectedVehicleData"]
    assert after["battery"]["percentage"] > 50.0
    charge_date = datetime.fromisoformat(after["charge"]["date"])
    odometer_date = datetime.fromisoformat(after["odometer"]["date"])
    assert charge_date > odometer_date  # each group has its own timestamp

    await server.advance(24 * 3600)
    full = (await post(session, server, DATA, {"id": vehicle.id}, token=token))["data"]
    charge = full["connectedVehicleData"]["charge"]
    assert charge["is_fully_charged"] is True
    assert charge["is_charging"] is False
    assert charge["minutes_till_charged"] is None


async def test_aliases_give_partial_data(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    good, pending = server.world.seed_connected(USER, 2)
    server.world.set_status(pending, "pending_authorization")
    query = """query Refresh($a: ID!, $b: ID!) {
      v0: connectedVehicleData(id: $a) { battery { percentage } }
      v1: connectedVehicleData(id: $b) { battery { percentage } }
      vehicles: connectedVehicleList(size: 100) { id status }
    }"""
    body = await post(session, server, query, {"a": good.id, "b": pending.id}, token=token)
    assert body["data"]["v0"]["battery"]["percentage"] > 0
    assert body["data"]["v1"] is None
    assert len(body["data"]["vehicles"]) == 2
    assert codes(body) == ["CONNECTED_VEHICLE_FORBIDDEN"]
    assert body["errors"][0]["path"] == ["v1"]

    async with session.get(f"{server.url}/_sandbox/requests") as response:
        (logged,) = await response.json()
    assert logged["operationName"] == "Refresh"
    assert logged["aliases"] == 3


async def test_list_filter_and_paging(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    vehicles = server.world.seed_connected(USER, 3)
    server.world.set_status(vehicles[2], "removed")
    query = """query L($f: ConnectedVehicleListFilter, $s: Int, $p: Int) {
      connectedVehicleList(filter: $f, size: $s, page: $p) { id status } }"""
    authorized = await post(
        session, server, query, {"f": {"status": ["authorized"]}, "s": 1, "p": 1}, token=token
    )
    assert authorized["data"]["connectedVehicleList"] == [
        {"id": vehicles[1].id, "status": "authorized"}
    ]
    other = server.issue_token("someone-else")
    assert (await post(session, server, query, {}, token=other))["data"] == {
        "connectedVehicleList": []
    }


async def test_document_errors(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    assert codes(await post(session, server, "{ nope", token=token)) == ["GRAPHQL_PARSE_FAILED"]
    misspelt = await post(session, server, "{ connectedVehicleList { idd } }", token=token)
    assert codes(misspelt) == ["GRAPHQL_VALIDATION_FAILED"]
    assert misspelt["errors"][0]["locations"]
    over_http = await post(
        session, server, "subscription { connectedVehicle(id: 1) { id } }", token=token
    )
    assert codes(over_http) == ["GRAPHQL_VALIDATION_FAILED"]
    async with session.post(
        server.graphql_url, data=b"not json", headers=headers(server, token)
    ) as response:
        assert response.status == 400
    async with session.post(
        server.graphql_url,
        json={"query": CHEAP, "variables": [1], "operationName": 3},
        headers=headers(server, token),
    ) as response:
        assert codes(await response.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    async with session.post(
        server.graphql_url,
        json={"query": CHEAP, "operationName": 3},
        headers=headers(server, token),
    ) as response:
        assert codes(await response.json()) == ["GRAPHQL_VALIDATION_FAILED"]

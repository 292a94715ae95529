"""The sandbox's GraphQL API: the shared schema, regions, auth and the shapes clients read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLObjectType, build_schema, get_named_type, parse, validate

from sandbox.connectedcars import graphql_api
from sandbox.connectedcars.server import ConnectedCarsSandboxServer

from .conftest import VIEWER, Api

ORGANIZATIONS = "query Orgs { globalOrganizations { key apiDomain authApiDomain } }"


def test_one_schema_shared_with_the_client() -> None:
    """The sandbox executes the integration's schema file, not a copy of its own."""
    assert graphql_api.SCHEMA_PATH.parts[-4:] == (
        "connected_ev",
        "api",
        "connectedcars",
        "schema.graphql",
    )
    client_schema = build_schema(Path(graphql_api.SCHEMA_PATH).read_text(encoding="utf-8"))
    assert not validate(client_schema, parse(VIEWER))
    assert graphql_api.schema() is graphql_api.schema()


async def test_global_organizations_need_no_token(
    api: Api, server: ConnectedCarsSandboxServer
) -> None:
    for prefix in ("", "/au1"):
        status, body, _ = await api(
            "POST", prefix + "/graphql", namespace=None, json={"query": ORGANIZATIONS}
        )
        assert status == 200
        assert body["data"]["globalOrganizations"] == [
            {"key": "semler", "apiDomain": server.url, "authApiDomain": server.url},
            {
                "key": "vwaustralia",
                "apiDomain": server.url + "/au1",
                "authApiDomain": server.url + "/au1",
            },
        ]


async def test_viewer_lists_every_vehicle_in_one_request(api: Api) -> None:
    token = await api.login()
    status, body = await api.graphql(VIEWER, token=token, operationName="Viewer")
    assert status == 200
    viewer = body["data"]["viewer"]
    assert viewer["email"] == "demo@example.com"
    relations = viewer["vehicles"]
    assert [r["primary"] for r in relations] == [True, False, False]
    ev, phev, ice = (r["vehicle"] for r in relations)
    assert [v["id"] for v in (ev, phev, ice)] == ["1", "2", "3"]
    assert [v["fuelType"] for v in (ev, phev, ice)] == ["electric", "hybrid", "gasoline"]
    for vehicle in (ev, phev, ice):
        assert len(vehicle["vin"]) == 17
        assert vehicle["odometer"]["odometer"] > 0
        assert vehicle["ignition"] == {"on": False, "time": vehicle["odometer"]["time"]}
        assert vehicle["odometer"]["time"].endswith("Z")
        assert vehicle["health"] == {"ok": True}
        assert {lamp["type"] for lamp in vehicle["lampStates"]} >= {"engine"}
    assert ev["chargePercentage"]["pct"] == 64.0
    assert ev["highVoltageBatteryUsableCapacityKwh"] == {"kwh": 77.0}
    assert ev["fuelLevel"] is None
    assert ev["chargingStatus"] is None
    assert phev["fuelPercentage"]["percent"] == 70.0
    assert phev["rangeTotalKm"]["km"] > phev["chargePercentage"]["pct"] / 100 * 60
    # The combustion car has no electric values at all.
    assert ice["chargePercentage"] is None
    assert ice["isCharging"] is None
    assert ice["carBatteryCharge"] is None
    assert ice["rangeTotalKm"] is None
    status, log = await api.admin("GET", "/requests")
    graphql = [entry for entry in log if entry["path"] == "/graphql"]
    assert graphql == [
        {
            "method": "POST",
            "path": "/graphql",
            "namespace": "semler:minvolkswagen",
            "operationName": "Viewer",
        }
    ]
    assert token not in str(log)


async def test_vehicle_by_id_and_ids_per_organization(api: Api) -> None:
    query = "query One($id: ID!) { vehicle(id: $id) { id vin fuelType } }"
    danish = await api.login()
    status, body = await api.graphql(query, token=danish, variables={"id": "1"})
    assert status == 200
    assert body["data"]["vehicle"]["fuelType"] == "electric"
    status, hybrid = await api.graphql(query, token=danish, variables={"id": "2"})
    assert hybrid["data"]["vehicle"]["fuelType"] == "hybrid"
    # The same small id in Australia is another vehicle.
    australian = await api.login(namespace="vwaustralia:app", prefix="/au1")
    status, body2, _ = await api(
        "POST",
        "/au1/graphql",
        namespace="vwaustralia:app",
        token=australian,
        json={"query": query, "variables": {"id": "1"}},
    )
    assert status == 200
    assert body2["data"]["vehicle"]["id"] == "1"
    assert body2["data"]["vehicle"]["vin"] != body["data"]["vehicle"]["vin"]
    # Another user's vehicle (or none) is null.
    empty = await api.login("empty@example.com")
    status, body = await api.graphql(query, token=empty, variables={"id": "1"})
    assert (status, body["data"]["vehicle"]) == (200, None)
    assert (await api.vehicles(empty)) == {}


@pytest.mark.parametrize("token", [None, "not-a-jwt"])
async def test_viewer_without_valid_token_is_http_401(api: Api, token: str | None) -> None:
    status, body = await api.graphql("{ viewer { id } }", token=token)
    assert (status, body["type"]) == (401, "jwt_verify_error")
    status, body = await api.graphql('{ vehicle(id: "1") { id } }', token=token)
    assert status == 401


async def test_graphql_errors_and_bad_requests(api: Api) -> None:
    token = await api.login()
    status, body = await api.graphql("{ viewer { noSuchField } }", token=token)
    assert status == 200
    assert "noSuchField" in body["errors"][0]["message"]
    for payload in (
        {"query": 5},
        ["query"],
        {"query": "{ viewer { id } }", "variables": "x"},
        {"query": "{ viewer { id } }", "operationName": 3},
        {"query": "{" * 20_001},
    ):
        status, body, _ = await api("POST", "/graphql", token=token, json=payload)
        assert status == 400
        assert body["errors"]
    status, body, _ = await api(
        "POST", "/graphql", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert status == 400


async def test_token_and_namespace_must_match_the_region(api: Api) -> None:
    token = await api.login()
    status, body, _ = await api(
        "POST",
        "/graphql",
        namespace="semler:nope",
        token=token,
        json={"query": "{ viewer { id } }"},
    )
    assert (status, body["type"]) == (404, "namespace_not_found")
    status, body, _ = await api(
        "POST",
        "/au1/graphql",
        namespace="vwaustralia:app",
        token=token,
        json={"query": "{ viewer { id } }"},
    )
    assert status == 401


async def test_throttled_graphql_is_429_with_retry_after(api: Api) -> None:
    status, _ = await api.admin(
        "POST", "/faults", json={"path": "/graphql", "kind": "rate_limit", "retryAfter": 30}
    )
    assert status == 201
    token = await api.login()
    status, body, headers = await api(
        "POST", "/graphql", token=token, json={"query": "{ viewer { id } }"}
    )
    assert (status, body["type"], headers["Retry-After"]) == (429, "too_many_requests", "30")
    assert (await api.graphql("{ viewer { id } }", token=token))[0] == 200


def _missing(value: Any, graphql_type: GraphQLObjectType, path: str) -> list[str]:
    """Return the schema fields an object of the fleet does not serve (recursively)."""
    missing: list[str] = []
    for name, field in graphql_type.fields.items():
        if name not in value:
            missing.append(f"{path}.{name}")
            continue
        inner = get_named_type(field.type)
        items = value[name] if isinstance(value[name], list) else [value[name]]
        if isinstance(inner, GraphQLObjectType):
            for item in items[:1]:
                if item is not None:
                    missing += _missing(item, inner, f"{path}.{name}")
    return missing


async def test_the_fleet_serves_every_field_of_the_schema(
    server: ConnectedCarsSandboxServer,
) -> None:
    """A field added to the shared schema is served by the sandbox too (no silent nulls)."""
    world = server.world
    world.set_mode("semler", "1", "charging")
    await server.advance(600)
    vehicle_type = graphql_api.schema().get_type("Vehicle")
    assert isinstance(vehicle_type, GraphQLObjectType)
    for vehicle in world.vehicles["semler"].values():
        assert _missing(vehicle.graphql(world.clock.now()), vehicle_type, "Vehicle") == []

"""Corner cases: missing inputs, literals, renames, repeated steps, unexpected failures."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from sandbox.chargetrip import admin
from sandbox.chargetrip.server import ChargetripSandboxServer
from sandbox.chargetrip.world import ChargetripWorld
from tests.sandbox.chargetrip.helpers import (
    AUTHORIZE,
    DATA,
    USER,
    codes,
    create,
    finish_link,
    first_model,
    headers,
    post,
    query_of,
)


async def test_mutations_without_input(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    created = await post(session, server, "mutation { createConnectedVehicle { id } }", token=token)
    assert codes(created) == ["NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE"]
    authorized = await post(
        session, server, "mutation { authorizeConnectedVehicle { id } }", token=token
    )
    assert codes(authorized) == ["CONNECTED_VEHICLE_NOT_FOUND"]


async def test_rename_with_literal_plain_string(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)
    rename = (
        'mutation { updateConnectedVehicle(input: {id: "%s", label: "<i>Blue</i> one"})'
        " { id label } }"
    )
    body = await post(session, server, rename % vehicle.id, token=token)
    assert body["data"]["updateConnectedVehicle"]["label"] == "Blue one"
    wrong = await post(
        session,
        server,
        'mutation { updateConnectedVehicle(input: {id: "x", label: 5}) { id } }',
        token=token,
    )
    assert codes(wrong) == ["GRAPHQL_VALIDATION_FAILED"]
    variables = {"input": {"id": vehicle.id, "label": 5}}
    typed = await post(
        session,
        server,
        "mutation U($input: UpdateConnectedVehicleInput!) "
        "{ updateConnectedVehicle(input: $input) { id } }",
        variables,
        token=token,
    )
    assert codes(typed) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_repeated_link_and_authorize_and_narrow_scope(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    body = await create(
        session, server, token, await first_model(session, server), scope=["charge_state"]
    )
    vehicle = body["data"]["createConnectedVehicle"]
    assert vehicle["scope"] == ["charge_state"]
    await finish_link(session, vehicle["authorization_url"])
    again = await finish_link(session, vehicle["authorization_url"])
    variables = {"input": {"id": vehicle["id"], "options": {"code": query_of(again)["code"][0]}}}
    first = await post(session, server, AUTHORIZE, variables, token=token)
    second = await post(session, server, AUTHORIZE, variables, token=token)
    assert first["data"] == second["data"]
    data = (await post(session, server, DATA, {"id": vehicle["id"]}, token=token))["data"]
    groups = data["connectedVehicleData"]
    assert groups["battery"] is not None
    assert groups["location"] is None
    assert groups["odometer"] is None


async def test_operation_selection(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    document = "query A { connectedVehicleList { id } } query B { vehicleList(size: 1) { id } }"
    async with session.post(
        server.graphql_url,
        json={"query": document, "operationName": "B"},
        headers=headers(server, token),
    ) as response:
        body = await response.json()
    assert len(body["data"]["vehicleList"]) == 1
    async with session.post(
        server.graphql_url,
        json={"query": document, "operationName": "C"},
        headers=headers(server, token),
    ) as response:
        unknown = await response.json()
    assert unknown["data"] is None
    assert codes(unknown) == ["GRAPHQL_VALIDATION_FAILED"]
    async with session.post(
        server.graphql_url, json=["query"], headers=headers(server, token)
    ) as response:
        assert response.status == 400


async def test_injected_error_for_another_field_waits(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    server.world.seed_connected(USER, 1)
    async with session.post(
        f"{server.url}/_sandbox/errors",
        json={"field": "vehicle", "code": "OPERATION_NOT_ALLOWED"},
    ) as response:
        assert response.status == 201
    listed = await post(session, server, "{ vehicleList(size: 1) { id } }", token=token)
    assert "errors" not in listed
    async with session.post(f"{server.url}/_sandbox/tokens/expire", json={"token": "x"}) as r:
        assert r.status == 204  # an unknown token: nothing to expire


async def test_unexpected_failures(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)

    def broken(*_args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ChargetripWorld, "data", broken)
    failed = await post(session, server, DATA, {"id": vehicle.id}, token=token)
    assert codes(failed) == ["INTERNAL_SERVER_ERROR"]
    assert "boom" not in str(failed)
    monkeypatch.setattr(ChargetripWorld, "tick", broken)
    async with session.post(
        server.graphql_url, json={"query": "{ vehicleList { id } }"}, headers=headers(server, None)
    ) as response:
        assert response.status == 500


async def test_admin_refuses_other_machines() -> None:
    transport = MagicMock()
    transport.get_extra_info.return_value = ("192.0.2.1", 1234)
    request = make_mocked_request("GET", "/_sandbox/state", transport=transport)
    with pytest.raises(web.HTTPForbidden):
        await admin.requests_log(request)

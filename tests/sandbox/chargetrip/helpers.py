"""Helpers for talking to a running Chargetrip sandbox the way a client would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from sandbox.chargetrip.server import ChargetripSandboxServer

USER = "user-a"
REDIRECT = "http://127.0.0.1:9/auth/external/callback?state=abc"
ALL_SCOPES = ["location", "charge_state", "odometer"]

CREATE = """
mutation Create($input: CreateConnectedVehicleInput) {
  createConnectedVehicle(input: $input) {
    id vehicle_id status authorization_url provider scope label vin
  }
}
"""
AUTHORIZE = """
mutation Authorize($input: AuthorizeConnectedVehicleInput) {
  authorizeConnectedVehicle(input: $input) { id status scope vin }
}
"""
REMOVE = """
mutation Remove($input: RemoveConnectedVehicleInput!) {
  removeConnectedVehicle(input: $input) { id status }
}
"""
DATA = """
query Data($id: ID!) {
  connectedVehicleData(id: $id) {
    battery { range percentage capacity date }
    charge { is_plugged_in is_charging is_fully_charged limit charge_speed fully_charged_at
             minutes_till_charged date }
    location { type geometry { type coordinates } properties { date } }
    odometer { distance date }
  }
}
"""
STATUS = "query Status($id: ID!) { connectedVehicle(id: $id) { id status scope label vin } }"
SUBSCRIBE = (
    "subscription Watch($id: ID!) { connectedVehicle(id: $id) { id status scope label vin } }"
)


def headers(server: ChargetripSandboxServer, token: str | None) -> dict[str, str]:
    """Return the three headers Chargetrip requires."""
    sent = {"x-client-id": server.client_id, "x-app-id": server.app_id}
    if token is not None:
        sent["authorization"] = token
    return sent


async def post(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST one document and return the JSON body (asserting Chargetrip's HTTP 200)."""
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    async with session.post(
        server.graphql_url, json=body, headers={**headers(server, token), **(extra or {})}
    ) as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


def codes(body: dict[str, Any]) -> list[str]:
    """Return the error codes of a response, in order."""
    return [error["extensions"]["exception"]["code"] for error in body.get("errors", [])]


async def first_model(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, *, connectable: bool = True
) -> str:
    """Return the id of the first catalogue model (connectable through Enode, or not)."""
    body = await post(
        session, server, "{ vehicleList(size: 100) { id connect { providers } } }", token=None
    )
    for model in body["data"]["vehicleList"]:
        if bool(model["connect"]["providers"]) == connectable:
            return str(model["id"])
    raise AssertionError("no such model")


async def create(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    token: str,
    model_id: str,
    *,
    scope: list[str] | None = None,
    label: str | None = "My EV",
) -> dict[str, Any]:
    """Run ``createConnectedVehicle`` and return the whole response body."""
    options = {"redirect_uri": REDIRECT, "scope": ALL_SCOPES if scope is None else scope}
    variables = {
        "input": {"vehicle_id": model_id, "provider": "Enode", "label": label, "options": options}
    }
    return await post(session, server, CREATE, variables, token=token)


async def finish_link(
    session: aiohttp.ClientSession, url: str, form: dict[str, str] | None = None
) -> str:
    """Submit the Link page like a browser and return where it redirects."""
    async with session.post(
        url, data=form or {"action": "continue"}, allow_redirects=False
    ) as response:
        assert response.status == 302
        return response.headers["Location"]


def query_of(url: str) -> dict[str, list[str]]:
    """Return the query parameters of a URL."""
    return parse_qs(urlsplit(url).query)


async def link_vehicle(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> str:
    """Create, link and authorize a vehicle end to end; return its connected-vehicle id."""
    created = (await create(session, server, token, await first_model(session, server)))["data"]
    vehicle = created["createConnectedVehicle"]
    code = query_of(await finish_link(session, vehicle["authorization_url"]))["code"][0]
    variables = {"input": {"id": vehicle["id"], "options": {"code": code}}}
    body = await post(session, server, AUTHORIZE, variables, token=token)
    assert body["data"]["authorizeConnectedVehicle"]["status"] == "authorized"
    return str(vehicle["id"])

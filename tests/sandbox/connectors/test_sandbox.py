"""The connectors sandbox over raw HTTP: the document's shapes, bounds and Problem Details."""

from __future__ import annotations

import asyncio
import base64
import io
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

from sandbox.connectors.__main__ import build_parser, describe, main, serve, server_from_args
from sandbox.connectors.admin import forbidden_unless_loopback
from sandbox.connectors.server import ConnectorsSandboxServer
from sandbox.connectors.state import Problem

from .conftest import CUSTOMER

KEY = {"X-Api-Key": "sandbox-connectors-api-key"}
LIST = "/v2/customers/connectors"
BASIC = {"Authorization": "Basic " + base64.b64encode(b"sandbox-client:sandbox-secret").decode()}


async def get(
    session: aiohttp.ClientSession, url: str, *, headers: dict[str, str] | None = None
) -> tuple[int, str, Any]:
    async with session.get(url, headers=KEY if headers is None else headers) as response:
        return response.status, response.content_type, await response.json(content_type=None)


async def test_listing_echoes_the_applied_query_and_the_total(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    status, kind, body = await get(session, server.url + LIST)
    assert (status, kind) == (200, "application/json")
    assert body["query"] == {"limit": 25, "offset": 0}
    assert body["total"] == 3255
    assert len(body["result"]) == 25
    assert set(body["result"][0]) == {
        "id",
        "customer_id",
        "hardware_version",
        "name",
        "pin",
        "software_version",
        "type",
    }

    url = f"{server.url}{LIST}?type=virtual&type=physical&assigned=false&limit=1000&offset=5"
    status, _, body = await get(session, url)
    assert status == 200
    assert body["query"] == {
        "limit": 1000,
        "offset": 5,
        "assigned": False,
        "type": ["virtual", "physical"],
    }
    assert all(item["customer_id"] is None for item in body["result"])


async def test_the_world_is_mixed(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    """Both types, connectors without a PIN, and connectors held by other customers."""
    connectors = list(server.world.connectors.values())
    assert {c.type for c in connectors} == {"physical", "virtual"}
    assert any(c.pin is None for c in connectors)
    assert any(c.customer_id not in (None, CUSTOMER) for c in connectors)
    _, _, body = await get(session, f"{server.url}{LIST}?customer_id={CUSTOMER}")
    assert body["total"] == 3
    _, _, state = await get(session, server.url + "/_sandbox/state", headers={})
    assert state["connectors"] == 3255
    assert state["withoutPin"] > 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("offset=-5", "offset"),
        ("customer_id=not-a-uuid", "customer_id"),
        ("assigned=yes", "assigned"),
        ("type=drone", "type"),
        ("type=virtual&type=virtual", "type"),
        ("name=a&name=b", "name"),
    ],
)
async def test_bad_parameters_are_problem_details(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer, query: str, field: str
) -> None:
    status, kind, body = await get(session, f"{server.url}{LIST}?{query}")
    assert (status, kind) == (400, "application/problem+json")
    assert body["type"] == "about:blank"
    assert body["status"] == 400
    assert body["invalid-params"][0]["name"] == field


async def test_single_connector_and_its_errors(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    connector = next(iter(server.world.connectors.values()))
    status, _, body = await get(session, f"{server.url}{LIST}/{connector.id}")
    assert (status, body["name"]) == (200, connector.name)
    status, kind, body = await get(session, f"{server.url}{LIST}/nope")
    assert (status, kind, body["invalid-params"][0]["name"]) == (
        400,
        "application/problem+json",
        "connector-id",
    )
    status, _, body = await get(session, f"{server.url}{LIST}/{'0' * 8}-{'0000-' * 3}{'0' * 12}")
    assert (status, body["title"]) == (404, "Not Found")


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{", 400), (b"[]", 422), (b"{}", 422), (b'{"customer_id": "x"}', 422)],
)
async def test_put_rejects_bodies_that_are_not_a_customer_id(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer, body: bytes, status: int
) -> None:
    connector = next(iter(server.world.connectors.values()))
    async with session.put(
        f"{server.url}{LIST}/{connector.id}",
        data=body,
        headers={**KEY, "Content-Type": "application/json"},
    ) as response:
        assert response.status == status
        assert response.content_type == "application/problem+json"


async def test_put_assigns_and_unassigns(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    connector = next(c for c in server.world.connectors.values() if c.customer_id is None)
    url = f"{server.url}{LIST}/{connector.id}"
    async with session.put(url, json={"customer_id": CUSTOMER.upper()}, headers=KEY) as response:
        assert (await response.json())["customer_id"] == CUSTOMER
    async with session.put(url, json={"customer_id": None}, headers=KEY) as response:
        assert (await response.json())["customer_id"] is None


async def test_credentials(session: aiohttp.ClientSession, server: ConnectorsSandboxServer) -> None:
    """No or wrong credentials: 401 problems; a token from the token endpoint works."""
    status, kind, _ = await get(session, server.url + LIST, headers={})
    assert (status, kind) == (401, "application/problem+json")
    status, _, _ = await get(session, server.url + LIST, headers={"X-Api-Key": "wrong"})
    assert status == 401
    token_url = server.token_url
    async with session.post(token_url, data={"grant_type": "password"}) as response:
        assert (response.status, (await response.json())["error"]) == (
            400,
            "unsupported_grant_type",
        )
    form = {"grant_type": "client_credentials", "client_id": "sandbox-client"}
    async with session.post(token_url, data={**form, "client_secret": "x"}) as response:
        assert response.status == 401
    async with session.post(
        token_url, data={"grant_type": "client_credentials"}, headers=BASIC
    ) as response:
        token = await response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert (await get(session, server.url + LIST, headers=bearer))[0] == 200
    server.sandbox.clock.advance(3600)  # the token's lifetime
    assert (await get(session, server.url + LIST, headers=bearer))[0] == 401
    async with session.post(
        token_url, data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !"}
    ) as response:
        assert response.status == 401


async def test_admin_api(session: aiohttp.ClientSession, server: ConnectorsSandboxServer) -> None:
    admin = server.url + "/_sandbox"
    async with session.post(
        admin + "/connectors", json={"name": "7000001", "pin": "24680", "type": "virtual"}
    ) as response:
        assert response.status == 201
        created = await response.json()
    assert (created["name"], created["pin"], created["customer_id"]) == ("7000001", "24680", None)
    async with session.patch(
        f"{admin}/connectors/{created['id']}", json={"customer_id": CUSTOMER}
    ) as response:
        assert (await response.json())["customer_id"] == CUSTOMER
    async with session.get(f"{admin}/connectors/{created['id']}") as response:
        assert (await response.json())["pin"] == "24680"
    for method, path, body in [
        ("POST", "/connectors", {"type": "drone"}),
        ("POST", "/connectors", {"pin": 5}),
        ("POST", "/connectors", {"name": ""}),
        ("POST", "/connectors", []),
        ("PATCH", "/connectors/unknown", {}),
        ("GET", "/connectors/unknown", None),
        ("POST", "/clock/advance", {"seconds": -1}),
        ("POST", "/faults", {"kind": "meteor"}),
        ("POST", "/faults", {"path": ""}),
        ("POST", "/faults", {"method": 1}),
    ]:
        async with session.request(method, admin + path, json=body) as response:
            assert response.status in (400, 404), (method, path, body)
    async with session.post(admin + "/connectors", data=b"{") as response:
        assert response.status == 400
    async with session.post(admin + "/clock/advance", json={"seconds": 10}) as response:
        assert response.status == 200
    async with session.post(admin + "/tokens/expire") as response:
        assert response.status == 204
    await get(session, server.url + LIST)
    async with session.get(admin + "/requests") as response:
        assert (await response.json())[-1] == {"method": "GET", "path": LIST, "query": None}
    async with session.delete(admin + "/requests") as response:
        assert response.status == 204
    async with session.delete(admin + "/faults") as response:
        assert response.status == 204


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"kind": "error", "status": 503, "retryAfter": 7}, 503),
        ({"kind": "rate_limit", "retryAfter": 3}, 429),
        ({"kind": "empty"}, 200),
        ({"kind": "error", "status": 599}, 599),
    ],
)
async def test_faults(
    session: aiohttp.ClientSession,
    server: ConnectorsSandboxServer,
    fault: dict[str, Any],
    status: int,
) -> None:
    async with session.post(server.url + "/_sandbox/faults", json={"path": LIST, **fault}):
        pass
    code, _, body = await get(session, server.url + LIST)
    assert code == status
    if status == 200:
        assert body["total"] == 0
    assert (await get(session, server.url + LIST))[0] == 200


async def test_token_endpoint_faults(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    async with session.post(
        server.url + "/_sandbox/faults", json={"path": "/oauth2/token", "kind": "error"}
    ):
        pass
    async with session.post(server.token_url, data={}) as response:
        assert response.status == 503


async def test_unexpected_errors_are_problems(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.world, "listing", broken)
    status, kind, _ = await get(session, server.url + LIST)
    assert (status, kind) == (500, "application/problem+json")
    status, kind, _ = await get(session, server.url + "/nowhere")
    assert (status, kind) == (404, "application/problem+json")


class _Banner(io.StringIO):
    """Output that says when the banner was printed (no polling)."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = asyncio.Event()

    def write(self, text: str) -> int:
        self.printed.set()
        return super().write(text)


async def test_cli_serves_until_stopped() -> None:
    args = build_parser().parse_args(["--port", "0", "--connectors", "12"])
    assert len(server_from_args(args).world.connectors) == 12
    stop = asyncio.Event()
    out = _Banner()
    task = asyncio.create_task(serve(args, stop=stop, out=out))
    await asyncio.wait_for(out.printed.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 10)
    banner = out.getvalue()
    assert "Customer id:   160c0c4b-9966-4dc1-a916-8407eb10d74e" in banner
    assert "Connectors:    12" in banner


def test_cli_reports_a_port_in_use() -> None:
    server = ConnectorsSandboxServer(connectors=1)
    assert "Token URL" in describe(server)

    async def occupy() -> int:
        async with ConnectorsSandboxServer() as busy:
            return await asyncio.to_thread(main, ["--port", str(busy.port), "--connectors", "0"])

    assert asyncio.run(occupy()) == 1


def test_only_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ConnectorsSandboxServer(host="0.0.0.0")  # noqa: S104 - refused


async def test_token_expiry_fault_and_odd_requests(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    async with session.post(
        server.token_url, data={"grant_type": "client_credentials"}, headers=BASIC
    ) as response:
        token = (await response.json())["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    async with session.post(
        server.url + "/_sandbox/faults", json={"path": LIST, "kind": "token_expiry"}
    ):
        pass
    assert (await get(session, server.url + LIST, headers=bearer))[0] == 401
    async with session.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic a"},
    ) as response:
        assert response.status == 401
    async with session.post(server.token_url, data={}, headers={"Expect": "bogus"}) as response:
        assert response.status in (400, 417)


def test_cli_exits_cleanly_when_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    async def stopped(*_: object, **__: object) -> None:
        return None

    monkeypatch.setattr("sandbox.connectors.__main__.serve", stopped)
    assert main(["--connectors", "0"]) == 0


def test_admin_refuses_other_machines() -> None:
    with pytest.raises(Problem) as raised:
        forbidden_unless_loopback(SimpleNamespace(remote="192.0.2.1"))  # type: ignore[arg-type]
    assert raised.value.status == 403

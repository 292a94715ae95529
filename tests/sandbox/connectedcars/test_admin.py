"""The sandbox's admin API, fault injection and command line."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.connectedcars import __main__ as cli
from sandbox.connectedcars.server import ConnectedCarsSandboxServer

from .conftest import Api


async def test_users_and_vehicles_are_created_and_removed(api: Api) -> None:
    status, user = await api.admin(
        "POST",
        "/users",
        json={
            "organization": "semler",
            "email": "fleet@example.com",
            "password": "pw",
            "vehicles": ["electric", "diesel", "hybrid_diesel"],
        },
    )
    assert status == 201
    assert user["vehicleIds"] == ["4", "5", "6"]  # counted per organization
    token = await api.login("fleet@example.com", "pw")
    vehicles = await api.vehicles(token)
    assert [v["fuelType"] for v in vehicles.values()] == ["electric", "diesel", "hybrid"]
    status, added = await api.admin(
        "POST",
        f"/organizations/semler/users/{user['id']}/vehicles",
        json={"vin": "WVWZZZ1KZAW123456", "licensePlate": "AB12345", "name": "Mine"},
    )
    assert (status, added["vin"], added["name"], added["owner"]) == (
        201,
        "WVWZZZ1KZAW123456",
        "Mine",
        user["id"],
    )
    status, _ = await api.admin("DELETE", "/organizations/semler/vehicles/4")
    assert status == 204
    assert list(await api.vehicles(token)) == ["5", "6", "7"]
    status, body = await api.admin(
        "POST", "/users", json={"email": "fleet@example.com", "password": "pw"}
    )
    assert (status, body["type"]) == (409, "email_exists")
    # A user is not created half-way when one of the vehicles is refused.
    status, body = await api.admin(
        "POST", "/users", json={"email": "half@example.com", "password": "pw", "vehicles": ["x"]}
    )
    assert (status, body["type"]) == (400, "validation_error")
    assert "half@example.com" not in str(await api.admin("GET", "/state"))
    # An app namespace names the organization too.
    status, aussie = await api.admin(
        "POST",
        "/users",
        json={"namespace": "vwaustralia:app", "email": "fleet@example.com", "password": "pw"},
    )
    assert (status, aussie["organization"]) == (201, "vwaustralia")
    status, body = await api.admin(
        "POST", "/users", json={"namespace": "semler:nope", "email": "x@y.z", "password": "pw"}
    )
    assert (status, body["type"]) == (404, "namespace_not_found")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "kind"),
    [
        (
            "POST",
            "/users",
            {"organization": "mars", "email": "a@b.c", "password": "x"},
            404,
            "organization_not_found",
        ),
        (
            "POST",
            "/users",
            {"email": "a@b.c", "password": "x", "vehicles": "many"},
            400,
            "validation_error",
        ),
        (
            "POST",
            "/users",
            {"email": "a@b.c", "password": "x", "vehicles": ["steam"]},
            400,
            "validation_error",
        ),
        ("POST", "/users", {"email": "", "password": "x"}, 400, "validation_error"),
        ("POST", "/users", {"email": "a@b.c", "password": "x", "age": 3}, 400, "validation_error"),
        ("POST", "/users", [1], 400, "validation_error"),
        ("POST", "/organizations/mars/users/1001/vehicles", {}, 404, "organization_not_found"),
        ("POST", "/organizations/semler/users/me/vehicles", {}, 404, "user_not_found"),
        ("POST", "/organizations/vwaustralia/users/1001/vehicles", {}, 404, "user_not_found"),
        ("DELETE", "/organizations/semler/vehicles/99", None, 404, "vehicle_not_found"),
        ("POST", "/organizations/semler/vehicles", {"vin": 5}, 400, "validation_error"),
        ("POST", "/organizations/semler/vehicles", {"fuelType": "steam"}, 400, "validation_error"),
        ("POST", "/organizations/mars/vehicles", {}, 404, "organization_not_found"),
        ("POST", "/clock/advance", {"seconds": -1}, 400, "validation_error"),
        ("PUT", "/login-limit", {"limit": 0, "windowSeconds": 60}, 400, "validation_error"),
        ("POST", "/faults", {"kind": "empty"}, 400, "validation_error"),
        ("POST", "/faults", {"path": ""}, 400, "validation_error"),
        ("POST", "/faults", {"method": 3}, 400, "validation_error"),
        ("POST", "/faults", {"count": 0}, 400, "validation_error"),
        ("GET", "/nothing-here", None, 404, "http_error"),
    ],
)
async def test_admin_requests_are_validated(
    api: Api, method: str, path: str, body: Any, status: int, kind: str
) -> None:
    got, answer = await api.admin(method, path, json=body)
    assert (got, answer["type"]) == (status, kind)


async def test_admin_body_must_be_json(api: Api) -> None:
    status, body = await api.admin(
        "POST", "/clock/advance", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert (status, body["type"]) == (400, "validation_error")


async def test_clock_state_and_request_log(api: Api) -> None:
    status, before = await api.admin("GET", "/state")
    assert status == 200
    assert {u["email"] for u in before["users"]} == {"demo@example.com", "empty@example.com"}
    assert len(before["vehicles"]) == 4
    assert before["loginLimit"] == {"limit": 10, "windowSeconds": 60.0}
    status, moved = await api.admin("POST", "/clock/advance", json={"seconds": 3600})
    assert status == 200
    assert moved["now"] > before["now"]
    await api.login()
    status, log = await api.admin("GET", "/requests")
    assert [entry["path"] for entry in log] == ["/auth/login/email/password"]
    assert (await api.admin("DELETE", "/requests"))[0] == 204
    assert (await api.admin("GET", "/requests"))[1] == []
    assert "sandbox-password" not in str(await api.admin("GET", "/state"))


async def test_faults(api: Api, server: ConnectedCarsSandboxServer) -> None:
    token = await api.login()
    for fault in (
        {"path": "/user/info", "kind": "error", "status": 502, "retryAfter": 5},
        {"path": "/user/info", "kind": "error"},
        {"path": "/user/info", "kind": "rate_limit"},
        {"path": "/user/info", "kind": "latency", "latencyMs": 1},
        {"path": "/user/info", "kind": "malformed"},
        {"path": "/user/*", "method": "GET", "kind": "token_expiry", "count": 2},
    ):
        assert (await api.admin("POST", "/faults", json=fault))[0] == 201
    assert len((await api.admin("GET", "/faults"))[1]) == 6
    assert (await api.admin("GET", "/state"))[1]["users"]  # admin requests see no faults
    status, body, headers = await api("GET", "/user/info", token=token)
    assert (status, body["type"], headers["Retry-After"]) == (502, "injected_error", "5")
    status, body, headers = await api("GET", "/user/info", token=token)
    assert (status, "Retry-After" in headers) == (503, False)
    status, body, headers = await api("GET", "/user/info", token=token)
    assert (status, headers["Retry-After"]) == (429, "1")
    assert (await api("GET", "/user/info", token=token))[0] == 200
    status, body, _ = await api("GET", "/user/info", token=token)
    assert status == 200
    assert isinstance(body, str)  # cut in half: not JSON any more
    # The token expires on the server's side: 401, and a refresh gives a new one.
    assert (await api("GET", "/user/info", token=token))[0] == 401
    assert (await api("GET", "/auth/tokenRefresh", token=token))[0] == 200
    # Without a (valid) token the fault has nothing to expire.
    assert (await api("GET", "/user/devices"))[0] == 401
    await api.admin("POST", "/faults", json={"path": "/user/info", "kind": "token_expiry"})
    assert (await api("GET", "/user/info", token="garbage"))[0] == 401
    assert (await api.admin("GET", "/faults"))[1] == []
    await api.admin("POST", "/faults", json={"path": "/graphql", "kind": "malformed"})
    await api.admin("POST", "/faults", json={"path": "/graphql", "kind": "disconnect"})
    await api.admin("DELETE", "/faults")
    assert (await api.graphql("{ viewer { id } }", token=await api.login()))[0] == 200
    await api.admin("POST", "/faults", json={"path": "/graphql", "kind": "disconnect"})
    with pytest.raises(aiohttp.ClientError):
        await api.graphql("{ viewer { id } }", token=token)


async def test_admin_is_loopback_only(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.connectedcars.admin.is_loopback_client", lambda _request: False)
    status, body = await api.admin("GET", "/state")
    assert (status, body["type"]) == (403, "forbidden")


async def test_unexpected_errors_are_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("sandbox.connectedcars.world.World.state", broken)
    status, body = await api.admin("GET", "/state")
    assert (status, body["type"]) == (500, "internal_server_error")


def test_cli_arguments() -> None:
    args = cli.build_parser().parse_args([])
    assert (args.host, args.port, args.time_scale, args.no_fleet) == ("127.0.0.1", 8769, 1.0, False)
    empty = cli.server_from_args(cli.build_parser().parse_args(["--no-fleet", "--port", "0"]))
    assert empty.world.accounts.users == {}
    assert "Log in as" not in cli.describe(empty)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--host", "0.0.0.0"])  # noqa: S104 - refused


async def test_cli_serves_in_process(session: aiohttp.ClientSession) -> None:
    args = cli.build_parser().parse_args(["--port", "0", "--time-scale", "0"])
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.create_task(cli.serve(args, stop=stop, out=out))
    for _ in range(500):
        if out.getvalue() or task.done():
            break
        await asyncio.sleep(0.01)
    banner = out.getvalue()
    url = banner.splitlines()[0].rsplit(" ", 1)[-1]
    assert "demo@example.com / sandbox-password" in banner
    assert "vwaustralia vehicle 1" in banner
    async with session.post(
        url + "/graphql", json={"query": "{ globalOrganizations { key } }"}
    ) as response:
        assert response.status == 200
    stop.set()
    await asyncio.wait_for(task, 5)


def test_cli_main_handles_interrupt_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    async def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    async def failing(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("address in use")

    async def fine(*_args: Any, **_kwargs: Any) -> None:
        return None

    monkeypatch.setattr(cli, "serve", interrupted)
    assert cli.main(["--port", "0"]) == 0
    monkeypatch.setattr(cli, "serve", failing)
    assert cli.main(["--port", "0"]) == 1
    monkeypatch.setattr(cli, "serve", fine)
    assert cli.main([]) == 0


async def test_real_process(session: aiohttp.ClientSession) -> None:
    root = Path(__file__).resolve().parents[3]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.connectedcars",
        "--port",
        "0",
        "--time-scale",
        "0",
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        url = line.decode().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        async with session.post(
            url + "/auth/login/email/password",
            headers={"X-Organization-Namespace": "semler:minvolkswagen"},
            json={"email": "demo@example.com", "password": "sandbox-password"},
        ) as response:
            assert response.status == 200
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_request_log_keeps_the_newest(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sandbox.connectedcars.app.MAX_LOGGED_REQUESTS", 2)
    for path in ("/user/info", "/user/devices", "/auth/tokenRefresh"):
        await api("GET", path)
    _, log = await api.admin("GET", "/requests")
    assert [entry["path"] for entry in log] == ["/user/devices", "/auth/tokenRefresh"]

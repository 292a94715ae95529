"""``python -m sandbox.chargetrip``: arguments, banner, serving and a busy port."""

from __future__ import annotations

import asyncio
import io
import socket

import aiohttp
import pytest

from sandbox.chargetrip import __main__ as cli
from sandbox.chargetrip.server import ChargetripSandboxServer


class Banner(io.StringIO):
    """An output stream that tells when the banner was printed."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = asyncio.Event()

    def write(self, text: str) -> int:
        self.printed.set()
        return super().write(text)


def test_cli_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    args = cli.build_parser().parse_args([])
    assert (args.port, args.client_id, args.app_id, args.vehicles) == (
        8767,
        "sandbox-client-id",
        "sandbox-app-id",
        0,
    )
    for argv in (["--host", "example.com"], ["--vehicles", "101"], ["--time-scale", "-1"]):
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args(argv)
    assert "error" in capsys.readouterr().err


async def test_cli_serves(session: aiohttp.ClientSession) -> None:
    args = cli.build_parser().parse_args(["--port", "0", "--user-id", "demo", "--vehicles", "2"])
    stop = asyncio.Event()
    out = Banner()
    task = asyncio.create_task(cli.serve(args, stop=stop, out=out))
    async with asyncio.timeout(10):
        await out.printed.wait()
    banner = out.getvalue()
    assert "x-client-id:   sandbox-client-id" in banner
    assert banner.count("  vehicle ") == 2
    url = banner.split("GraphQL:")[1].split()[0]
    token = banner.split("Token:")[1].split()[0]
    headers = {"x-client-id": "sandbox-client-id", "x-app-id": "sandbox-app-id"}
    async with session.post(
        url,
        json={"query": "{ connectedVehicleList { id status } }"},
        headers={**headers, "authorization": token},
    ) as response:
        body = await response.json()
    assert [v["status"] for v in body["data"]["connectedVehicleList"]] == ["authorized"] * 2
    stop.set()
    await task


def test_cli_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["--port", str(port)]) == 1


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        ChargetripSandboxServer(host="10.0.0.1")


async def test_time_runs_by_itself_with_a_positive_scale() -> None:
    async with ChargetripSandboxServer(time_scale=1000, removal_delay=1) as server:
        (vehicle,) = server.world.seed_connected("u", 1)
        removed = asyncio.Event()
        server.world.listeners.append(
            lambda changed: removed.set() if changed.status == "removed" else None
        )
        server.world.set_status(vehicle, "pending_removal")
        async with asyncio.timeout(10):
            await removed.wait()
        assert vehicle.status == "removed"

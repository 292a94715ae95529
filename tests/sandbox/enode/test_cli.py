"""The ``python -m sandbox.enode`` command line: arguments, in-process serving, a real process."""

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

from sandbox.enode import __main__ as cli
from sandbox.enode.server import SandboxServer
from sandbox.serving import is_loopback_host

ROOT = Path(__file__).resolve().parents[3]


def test_defaults() -> None:
    args = cli.build_parser().parse_args([])
    assert args.host == "127.0.0.1"
    assert args.port == 8765
    assert args.client_id == "sandbox-client-id"
    assert args.client_secret == "sandbox-client-secret"
    assert args.action_delay == 5.0
    assert args.time_scale == 1.0
    assert args.user_id is None
    custom = cli.build_parser().parse_args(["--action-delay", "2", "--time-scale", "0"])
    assert custom.action_delay == 2.0
    assert custom.time_scale == 0.0


@pytest.mark.parametrize(
    "argv",
    [
        ["--host", "0.0.0.0"],  # noqa: S104 - checking that it is refused
        ["--host", "example.com"],
        ["--vehicles", "-1"],
        ["--vehicles", "many"],
        ["--action-delay", "-2"],
        ["--time-scale", "fast"],
    ],
)
def test_invalid_arguments(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(argv)
    assert "error" in capsys.readouterr().err


def test_loopback_hosts() -> None:
    assert is_loopback_host("localhost")
    assert is_loopback_host("::1")
    assert not is_loopback_host("10.0.0.1")
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(host="192.168.0.2")


def test_devices_for_user_or_pool() -> None:
    parser = cli.build_parser()
    seeded = cli.server_from_args(parser.parse_args(["--user-id", "me", "--vehicles", "2"]))
    assert len(seeded.world.vehicles_of("me")) == 2
    assert len(seeded.world.chargers_of("me")) == 1
    assert "vehicle " in cli.describe(seeded, "me")
    pooled = cli.server_from_args(parser.parse_args(["--chargers", "3"]))
    assert len(pooled.world.pool_chargers()) == 3
    assert "1 vehicle(s), 3 charger(s)" in cli.describe(pooled, None)


async def test_serve_in_process(session: aiohttp.ClientSession) -> None:
    args = cli.build_parser().parse_args(
        ["--port", "0", "--user-id", "demo", "--client-secret", "s3"]
    )
    stop = asyncio.Event()
    out = io.StringIO()
    task = asyncio.create_task(cli.serve(args, stop=stop, out=out))
    for _ in range(200):
        if out.getvalue():
            break
        await asyncio.sleep(0.01)
    banner = out.getvalue()
    url = banner.splitlines()[0].rsplit(" ", 1)[-1]
    assert "Client secret: s3" in banner
    async with session.get(url + "/health/ready") as response:
        assert response.status == 204
    stop.set()
    await asyncio.wait_for(task, 5)


def test_main_handles_interrupt_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
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


async def test_port_in_use() -> None:
    async with SandboxServer(port=0) as first:
        second = SandboxServer(port=first.port)
        with pytest.raises(OSError):  # noqa: PT011 - the errno differs between systems
            await second.start()
        await second.stop()


async def test_real_process(session: aiohttp.ClientSession) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.enode",
        "--port",
        "0",
        "--time-scale",
        "0",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        url = line.decode().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        async with session.get(url + "/health/ready") as response:
            assert response.status == 204
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

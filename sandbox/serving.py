"""What every sandbox server shares: loopback-only listening, its lifecycle, and its CLI.

The sandboxes differ in their API and simulation, not in how they listen, start, stop or
serve from the command line, so that lives here once: each ``__main__`` adds only its own
flags, how its server is made from them, and its start-up banner.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from types import TracebackType
from typing import Any, Self, TextIO

from aiohttp import web

DEFAULT_HOST = "127.0.0.1"


def is_loopback_host(host: str) -> bool:
    """Return True for ``localhost`` and loopback addresses (the only hosts we listen on)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LoopbackServer:
    """An aiohttp application listening on a loopback port until stopped."""

    app: web.Application

    def __init__(self, host: str, port: int) -> None:
        if not is_loopback_host(host):
            raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Base URL of everything the server serves."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Start listening; with ``port=0`` an ephemeral port is chosen."""
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop the server and its background work."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def loopback_host(value: str) -> str:
    """Argparse type: a loopback host, else a usage error."""
    if not is_loopback_host(value):
        raise argparse.ArgumentTypeError("the sandbox only listens on loopback addresses")
    return value


def count_up_to(maximum: int) -> Callable[[str], int]:
    """Argparse type: a whole number from 0 to ``maximum``."""

    def parse(value: str) -> int:
        try:
            count = int(value)
        except ValueError as err:
            raise argparse.ArgumentTypeError("expected a whole number") from err
        if not 0 <= count <= maximum:
            raise argparse.ArgumentTypeError(f"expected 0 to {maximum}")
        return count

    return parse


def non_negative(value: str) -> float:
    """Argparse type: a number >= 0."""
    try:
        number = float(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError("expected a number") from err
    if number < 0:
        raise argparse.ArgumentTypeError("expected a number >= 0")
    return number


def sandbox_parser(prog: str, description: str, default_port: int) -> argparse.ArgumentParser:
    """Return a sandbox CLI's parser with the flags every sandbox takes; it adds its own.

    ``--host`` (loopback only), ``--port`` (0 picks a free port), ``--time-scale`` (simulated
    seconds per real second) and ``--seed`` (of the simulated data).
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", type=loopback_host, default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=default_port, help="0 picks a free port")
    parser.add_argument(
        "--time-scale", type=non_negative, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated data")
    return parser


def run_cli(
    parser: argparse.ArgumentParser,
    serve: Callable[[argparse.Namespace], Coroutine[Any, Any, None]],
    argv: Sequence[str] | None = None,
) -> int:
    """Parse ``argv``, run ``serve`` until it returns; the process exit status.

    Ctrl-C is a normal stop (0); a port that cannot be listened on is reported in one line
    (1) rather than as a traceback.
    """
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 0
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


async def serve_until_stopped[ServerT: LoopbackServer](
    server: ServerT,
    describe: Callable[[ServerT], str],
    *,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
) -> None:
    """Serve, print ``describe(server)``, and stop on ``stop`` or SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        async with server:
            print(describe(server), file=out or sys.stdout, flush=True)
            await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def is_loopback_client(request: web.Request) -> bool:
    """Return True when the request comes from this machine."""
    remote = request.remote
    if remote is None:
        return True
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False

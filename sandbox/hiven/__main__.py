"""Command line: ``python -m sandbox.hiven --port 8766 --user-id demo --vehicles 1``.

Prints the base URL, API key and user id, then serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

from sandbox.hiven import catalog
from sandbox.hiven.server import HivenSandboxServer
from sandbox.hiven.state import DEFAULT_API_KEY, DEFAULT_USER_ID
from sandbox.server import DEFAULT_HOST, is_loopback_host

DEFAULT_PORT = 8766
MAX_VEHICLES = 100


def _loopback_host(value: str) -> str:
    if not is_loopback_host(value):
        raise argparse.ArgumentTypeError("the sandbox only listens on loopback addresses")
    return value


def _count(value: str) -> int:
    try:
        count = int(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError("expected a whole number") from err
    if not 0 <= count <= MAX_VEHICLES:
        raise argparse.ArgumentTypeError(f"expected 0 to {MAX_VEHICLES}")
    return count


def _non_negative(value: str) -> float:
    try:
        number = float(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError("expected a number") from err
    if number < 0:
        raise argparse.ArgumentTypeError("expected a number >= 0")
    return number


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the Hiven sandbox CLI."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.hiven",
        description="Local Hiven API sandbox with simulated Smartcar vehicles.",
    )
    parser.add_argument("--host", type=_loopback_host, default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--user-id", default=DEFAULT_USER_ID)
    parser.add_argument(
        "--vehicles", type=_count, default=0, help="cars added to the user at start-up"
    )
    parser.add_argument("--manufacturer", choices=catalog.MANUFACTURERS)
    parser.add_argument(
        "--time-scale", type=_non_negative, default=1.0, help="simulated seconds per real second"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the simulated data")
    return parser


def server_from_args(args: argparse.Namespace) -> HivenSandboxServer:
    """Create (but do not start) the server the arguments describe, with its cars."""
    server = HivenSandboxServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        time_scale=args.time_scale,
        seed=args.seed,
    )
    if args.vehicles:
        server.world.seed_user(args.user_id, vehicles=args.vehicles, make=args.manufacturer)
    return server


def describe(server: HivenSandboxServer, user_id: str) -> str:
    """Return the banner printed at start-up."""
    lines = [
        f"Hiven sandbox listening on {server.url}",
        f"  Base URL:   {server.url}",
        f"  API key:    {server.api_key}",
        f"  User id:    {user_id}",
        f"  Admin API:  {server.url}/_sandbox/state",
    ]
    lines.extend(
        f"  vehicle {car.id} ({car.name})"
        for car in server.world.cars.values()
        if car.owner == user_id
    )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


async def serve(
    args: argparse.Namespace, *, stop: asyncio.Event | None = None, out: TextIO | None = None
) -> None:
    """Serve until ``stop`` is set or the process receives SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        async with server_from_args(args) as server:
            print(describe(server, args.user_id), file=out or sys.stdout, flush=True)
            await stop.wait()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 0
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through a real process
    sys.exit(main())

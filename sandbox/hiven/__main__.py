"""Command line: ``python -m sandbox.hiven --port 8766 --user-id demo --vehicles 1``.

Prints the base URL, API key and user id, then serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from sandbox.hiven import catalog
from sandbox.hiven.server import HivenSandboxServer
from sandbox.hiven.state import DEFAULT_API_KEY, DEFAULT_USER_ID
from sandbox.serving import count_up_to, run_cli, sandbox_parser, serve_until_stopped

DEFAULT_PORT = 8766
MAX_VEHICLES = 100


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the Hiven sandbox CLI."""
    parser = sandbox_parser(
        "python -m sandbox.hiven",
        "Local Hiven API sandbox with simulated Smartcar vehicles.",
        DEFAULT_PORT,
    )
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--user-id", default=DEFAULT_USER_ID)
    parser.add_argument(
        "--vehicles",
        type=count_up_to(MAX_VEHICLES),
        default=0,
        help="cars added to the user at start-up",
    )
    parser.add_argument("--manufacturer", choices=catalog.MANUFACTURERS)
    parser.add_argument(
        "--no-provider-cadence",
        dest="provider_cadence",
        action="store_false",
        help="read every car at every request instead of every 5 min charging / 30 min idle",
    )
    return parser


def server_from_args(args: argparse.Namespace) -> HivenSandboxServer:
    """Create (but do not start) the server the arguments describe, with its cars."""
    server = HivenSandboxServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        time_scale=args.time_scale,
        seed=args.seed,
        provider_cadence=args.provider_cadence,
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
    await serve_until_stopped(
        server_from_args(args), lambda server: describe(server, args.user_id), stop=stop, out=out
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    return run_cli(build_parser(), serve, argv)


if __name__ == "__main__":  # pragma: no cover - exercised through a real process
    sys.exit(main())

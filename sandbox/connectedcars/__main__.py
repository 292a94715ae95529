"""Command line: ``python -m sandbox.connectedcars --port 8769``.

Prints the base URL, the demo credentials and the vehicles, then serves until Ctrl-C or
SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from sandbox.connectedcars.accounts import ORGANIZATIONS
from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_EMAIL, DEMO_PASSWORD, EMPTY_EMAIL
from sandbox.serving import run_cli, sandbox_parser, serve_until_stopped

DEFAULT_PORT = 8769


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the Connected Cars sandbox CLI."""
    parser = sandbox_parser(
        "python -m sandbox.connectedcars",
        "Local Connected Cars sandbox: Auth API, GraphQL and the workshop page.",
        DEFAULT_PORT,
    )
    parser.add_argument(
        "--no-fleet", action="store_true", help="start without the demo accounts and vehicles"
    )
    return parser


def server_from_args(args: argparse.Namespace) -> ConnectedCarsSandboxServer:
    """Create (but do not start) the server the arguments describe."""
    return ConnectedCarsSandboxServer(
        host=args.host,
        port=args.port,
        time_scale=args.time_scale,
        seed=args.seed,
        fleet=not args.no_fleet,
    )


def describe(server: ConnectedCarsSandboxServer) -> str:
    """Return the banner printed at start-up."""
    lines = [f"Connected Cars sandbox listening on {server.url}"]
    lines.extend(
        f"  {org.key:<12} auth + GraphQL: {server.url}{org.prefix}  "
        f"namespaces: {', '.join(f'{org.key}:{p}' for p in org.products)}"
        for org in ORGANIZATIONS.values()
    )
    lines.append(f"  Workshop page: {server.url}/integration/vehicle/add")
    lines.append(f"  Admin API:     {server.url}/_sandbox/state")
    if server.world.accounts.users:
        lines.append(f"  Log in as {DEMO_EMAIL} / {DEMO_PASSWORD} ({EMPTY_EMAIL}: no vehicles)")
    now = server.clock.now()
    for fleet in server.world.vehicles.values():
        for vehicle in fleet.values():
            lines.append(
                f"  {vehicle.organization} vehicle {vehicle.id}: {vehicle.name} "
                f"({vehicle.spec.fuel_type}, {vehicle.summary(now)['mode']})"
            )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


async def serve(
    args: argparse.Namespace, *, stop: asyncio.Event | None = None, out: TextIO | None = None
) -> None:
    """Serve until ``stop`` is set or the process receives SIGINT/SIGTERM."""
    await serve_until_stopped(server_from_args(args), describe, stop=stop, out=out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    return run_cli(build_parser(), serve, argv)


if __name__ == "__main__":  # pragma: no cover - exercised through a real process
    sys.exit(main())

"""Command line: ``python -m sandbox.chargetrip --port 8767 --user-id demo --vehicles 1``.

Prints the GraphQL and subscription URLs, the project ids and a user token, then serves until
Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from sandbox.chargetrip.server import ChargetripSandboxServer
from sandbox.chargetrip.state import DEFAULT_APP_ID, DEFAULT_CLIENT_ID, DEFAULT_USER_ID
from sandbox.serving import count_up_to, run_cli, sandbox_parser, serve_until_stopped

DEFAULT_PORT = 8767
MAX_VEHICLES = 100


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the Chargetrip sandbox CLI."""
    parser = sandbox_parser(
        "python -m sandbox.chargetrip",
        "Local Chargetrip connected-vehicle API sandbox (GraphQL).",
        DEFAULT_PORT,
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--app-id", default=DEFAULT_APP_ID)
    parser.add_argument("--user-id", default=DEFAULT_USER_ID)
    parser.add_argument(
        "--vehicles",
        type=count_up_to(MAX_VEHICLES),
        default=0,
        help="authorized vehicles the user has at start-up",
    )
    return parser


def server_from_args(args: argparse.Namespace) -> tuple[ChargetripSandboxServer, str]:
    """Create (but do not start) the server the arguments describe; its user's token."""
    server = ChargetripSandboxServer(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        app_id=args.app_id,
        time_scale=args.time_scale,
        seed=args.seed,
    )
    if args.vehicles:
        server.world.seed_connected(args.user_id, args.vehicles)
    return server, server.issue_token(args.user_id)


def describe(server: ChargetripSandboxServer, user_id: str, token: str) -> str:
    """Return the banner printed at start-up."""
    lines = [
        f"Chargetrip sandbox listening on {server.url}",
        f"  Base URL:      {server.url}",
        f"  GraphQL:       {server.graphql_url}",
        f"  Subscription:  {server.ws_url}",
        f"  x-client-id:   {server.client_id}",
        f"  x-app-id:      {server.app_id}",
        f"  User id:       {user_id}",
        f"  Token:         {token}",
        f"  Admin API:     {server.url}/_sandbox/state",
    ]
    lines.extend(
        f"  vehicle {vehicle.id} ({vehicle.model.make} {vehicle.model.model})"
        for vehicle in server.world.vehicles.values()
    )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


async def serve(
    args: argparse.Namespace, *, stop: asyncio.Event | None = None, out: TextIO | None = None
) -> None:
    """Serve until ``stop`` is set or the process receives SIGINT/SIGTERM."""
    server, token = server_from_args(args)
    await serve_until_stopped(
        server, lambda running: describe(running, args.user_id, token), stop=stop, out=out
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    return run_cli(build_parser(), serve, argv)


if __name__ == "__main__":  # pragma: no cover - exercised through a real process
    sys.exit(main())

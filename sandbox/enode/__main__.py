"""Command line: ``python -m sandbox.enode --port 8765 --user-id demo --vehicles 2 --chargers 1``.

Prints the base URL and the client credentials, then serves until Ctrl-C or SIGTERM. With
``--state PATH`` the simulated account is kept in that file across restarts; the device options
then only apply when the file does not exist yet.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from sandbox.enode.runtime import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_HEARTBEAT_INTERVAL,
)
from sandbox.enode.server import SandboxServer
from sandbox.enode.world import DEFAULT_HOME
from sandbox.serving import count_up_to, non_negative, run_cli, sandbox_parser, serve_until_stopped

DEFAULT_PORT = 8765
MAX_DEVICES = 1000


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the sandbox CLI."""
    parser = sandbox_parser(
        "python -m sandbox.enode",
        "Local Enode API sandbox with simulated devices.",
        DEFAULT_PORT,
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    parser.add_argument(
        "--user-id", help="link the simulated devices to this user instead of offering them"
    )
    parser.add_argument("--vehicles", type=count_up_to(MAX_DEVICES), default=1)
    parser.add_argument("--chargers", type=count_up_to(MAX_DEVICES), default=1)
    parser.add_argument(
        "--action-delay",
        type=non_negative,
        default=5.0,
        help="simulated seconds before a PENDING action resolves",
    )
    parser.add_argument(
        "--heartbeat-interval",
        type=non_negative,
        default=DEFAULT_HEARTBEAT_INTERVAL,
        help="simulated seconds between system:heartbeat webhook events (0 = off)",
    )
    parser.add_argument("--home-latitude", type=float, default=DEFAULT_HOME[0])
    parser.add_argument("--home-longitude", type=float, default=DEFAULT_HOME[1])
    parser.add_argument(
        "--state",
        type=Path,
        help="keep users, devices, locations, webhooks and tokens in this JSON file",
    )
    parser.add_argument(
        "--connections-limit",
        type=count_up_to(MAX_DEVICES),
        help="linked devices after which new link sessions are refused with 403",
    )
    parser.add_argument(
        "--no-provider-cadence",
        dest="provider_cadence",
        action="store_false",
        help="read every device at every request instead of every 2 min charging / 7 min idle",
    )
    return parser


def server_from_args(args: argparse.Namespace) -> SandboxServer:
    """Create (but do not start) the server the arguments describe, with its devices."""
    server = SandboxServer(
        host=args.host,
        port=args.port,
        client_id=args.client_id,
        client_secret=args.client_secret,
        action_delay=args.action_delay,
        time_scale=args.time_scale,
        heartbeat_interval=args.heartbeat_interval,
        seed=args.seed,
        home=(args.home_latitude, args.home_longitude),
        connections_limit=args.connections_limit,
        state_path=args.state,
        provider_cadence=args.provider_cadence,
    )
    if server.restored:
        return server
    if args.user_id:
        server.world.seed_user(args.user_id, vehicles=args.vehicles, chargers=args.chargers)
    else:
        for _ in range(args.vehicles):
            server.world.create_vehicle()
        for _ in range(args.chargers):
            server.world.create_charger()
    return server


def describe(server: SandboxServer, user_id: str | None) -> str:
    """Return the banner printed at start-up."""
    lines = [
        f"Enode sandbox listening on {server.url}",
        f"  API base URL:  {server.url}",
        f"  Token URL:     {server.token_url}",
        f"  Client ID:     {server.client_id}",
        f"  Client secret: {server.client_secret}",
        f"  Admin API:     {server.url}/_sandbox/state",
    ]
    state = server.sandbox.state_file
    if state is not None:
        origin = "restored from" if server.restored else "saved to"
        lines.append(f"  State:         {origin} {state.path}")
    world = server.world
    if user_id:
        lines.append(f"  User {user_id}:")
        lines.extend(
            f"    vehicle {v.id} ({v.brand} {v.model})" for v in world.vehicles_of(user_id)
        )
        lines.extend(
            f"    charger {c.id} ({c.brand} {c.model})" for c in world.chargers_of(user_id)
        )
    else:
        lines.append(
            f"  Devices waiting to be linked: {len(world.pool_vehicles())} vehicle(s), "
            f"{len(world.pool_chargers())} charger(s)"
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

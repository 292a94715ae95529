"""Command line: ``python -m sandbox.connectors --port 8768 --connectors 3255``.

Prints the base URL, token URL, client credentials, API key and the customer id, then serves
until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from sandbox.connectors.server import ConnectorsSandboxServer
from sandbox.connectors.world import DEFAULT_CONNECTORS, DEFAULT_CUSTOMER_ID
from sandbox.serving import count_up_to, run_cli, sandbox_parser, serve_until_stopped

DEFAULT_PORT = 8768
MAX_CONNECTORS = 100_000


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the connectors sandbox CLI."""
    parser = sandbox_parser(
        "python -m sandbox.connectors",
        "Local sandbox of the partner Connectors API.",
        DEFAULT_PORT,
    )
    parser.add_argument(
        "--connectors", type=count_up_to(MAX_CONNECTORS), default=DEFAULT_CONNECTORS
    )
    parser.add_argument("--customer-id", default=DEFAULT_CUSTOMER_ID)
    return parser


def server_from_args(args: argparse.Namespace) -> ConnectorsSandboxServer:
    """Create (but do not start) the server the arguments describe."""
    return ConnectorsSandboxServer(
        host=args.host,
        port=args.port,
        connectors=args.connectors,
        customer_id=args.customer_id,
        time_scale=args.time_scale,
        seed=args.seed,
    )


def describe(server: ConnectorsSandboxServer) -> str:
    """Return the banner printed at start-up."""
    sandbox = server.sandbox
    return "\n".join(
        [
            f"Connectors sandbox listening on {server.url}",
            f"  Base URL:      {server.url}",
            f"  Token URL:     {server.token_url}",
            f"  Client id:     {sandbox.client_id}",
            f"  Client secret: {sandbox.client_secret}",
            f"  API key:       {sandbox.api_key}",
            f"  Customer id:   {server.customer_id}",
            f"  Connectors:    {len(server.world.connectors)}",
            f"  Admin API:     {server.url}/_sandbox/state",
            "Press Ctrl-C to stop.",
        ]
    )


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

"""Print what to type in "Add integration" for each local sandbox scripts/develop started.

The values come from the sandboxes' own defaults (scripts/develop starts them without
credential options), so the guide cannot drift from what they accept. Chargetrip's sandbox
issues user tokens at run time: one is asked of its admin API here, valid while it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The sandboxes' published demo credentials: the one place they are defined.
from sandbox.chargetrip import state as chargetrip_state
from sandbox.connectedcars import accounts as connectedcars_accounts
from sandbox.connectedcars import world as connectedcars_world
from sandbox.connectors import state as connectors_state
from sandbox.connectors import world as connectors_world
from sandbox.hiven import state as hiven_state

WAIT_SECONDS = 60
CUSTOM = '"Custom base URL"'
"""The environment option a sandbox is reached through, as the form shows it."""


async def chargetrip_token(session: aiohttp.ClientSession, base: str) -> str:
    """Issue a never-expiring user token at the Chargetrip sandbox (waiting, bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        try:
            async with session.post(
                f"{base}/_sandbox/tokens", json={"userId": chargetrip_state.DEFAULT_USER_ID}
            ) as response:
                response.raise_for_status()
                token: str = (await response.json())["token"]
                return token
        except aiohttp.ClientError:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(0.5)


def guide(urls: dict[str, str], token: str) -> str:
    """Return the guide: per provider, its sandbox and each field of its form."""
    enode, hiven, chargetrip = urls["enode"], urls["hiven"], urls["chargetrip"]
    cars, connectors = urls["connectedcars"], urls["connectors"]
    organizations = connectedcars_accounts.ORGANIZATIONS
    region = next(iter(organizations))  # the form's default region and app
    app = f"{region}:{organizations[region].products[0]}"
    hiven_ids = f"API key: {hiven_state.DEFAULT_API_KEY}   user id: {hiven_state.DEFAULT_USER_ID}"
    project = (
        f"client ID: {chargetrip_state.DEFAULT_CLIENT_ID}   "
        f"app ID: {chargetrip_state.DEFAULT_APP_ID}"
    )
    login = (
        f"e-mail: {connectedcars_world.DEMO_EMAIL}   password: {connectedcars_world.DEMO_PASSWORD}"
    )
    oauth = (
        f"client ID {connectors_state.DEFAULT_CLIENT_ID} and "
        f"client secret {connectors_state.DEFAULT_CLIENT_SECRET}"
    )
    return f"""\
Add a provider: Settings -> Devices & services -> Add integration -> Connected EV, then
  Enode sandbox:          {enode}  (admin API under /_sandbox/)
    environment {CUSTOM}, base URL {enode}
    (its client credentials are stored); link a car and a charger with Continue in the
    sandbox's Link UI window.
  Hiven sandbox:          {hiven}
    {hiven_ids}
    environment {CUSTOM}, base URL {hiven}
    then any manufacturer but Tesla, and Continue on the sandbox's Smartcar page.
  Chargetrip sandbox:     {chargetrip}
    {project}
    user token: {token}   (valid while this runs)
    environment {CUSTOM}, base URL {chargetrip}
    then search a model (Tesla, for example), pick one, and Continue on the sandbox's page.
  Connected Cars sandbox: {cars}
    environment {CUSTOM}, base URL {cars}
    then region: {region}   app: {app}
    {login}
    ({connectedcars_world.EMPTY_EMAIL}, same password, has no vehicle yet: the flow offers
    the workshop page.)
  Connectors API sandbox: {connectors}
    base URL {connectors}   customer ID: {connectors_world.DEFAULT_CUSTOMER_ID}
    API key: {connectors_state.DEFAULT_API_KEY}
    (or {oauth} instead.)"""


async def main() -> int:
    """Ask the Chargetrip sandbox for a token, then print the guide."""
    parser = argparse.ArgumentParser(description=__doc__)
    for provider in ("enode", "hiven", "chargetrip", "connectedcars", "connectors"):
        parser.add_argument(f"--{provider}", required=True, help="the sandbox's base URL")
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        token = await chargetrip_token(session, args.chargetrip)
    print(guide(vars(args), token))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

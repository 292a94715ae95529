"""Prepare the development Home Assistant: create its owner, store the sandbox credentials.

Run by scripts/develop once Home Assistant answers, and again after the restart that
follows the owner's creation. Idempotent: what exists is left alone.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import aiohttp

WAIT_SECONDS = 180
NEEDS_RESTART = 10


async def _wait_until_up(session: aiohttp.ClientSession, base: str) -> bool:
    """Wait (bounded) until Home Assistant answers; return whether it has its owner.

    The onboarding view answers with its steps while onboarding runs and is gone (404)
    once it is finished.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while True:
        try:
            async with session.get(f"{base}/api/onboarding") as response:
                if response.status == 404:
                    return True
                if response.status == 200:
                    steps: list[dict[str, object]] = await response.json()
                    return any(step.get("step") == "user" and step.get("done") for step in steps)
        except aiohttp.ClientError:
            pass
        if loop.time() > deadline:
            raise TimeoutError(f"Home Assistant did not answer at {base}")
        await asyncio.sleep(1)


async def _create_owner(
    session: aiohttp.ClientSession, base: str, username: str, password: str
) -> None:
    """Create the owner account (the first onboarding step).

    Only this step goes through the API: the later ones create default integrations
    (weather, text-to-speech, ...) that need the internet; scripts/develop marks them done
    in storage instead.
    """
    client_id = f"{base}/"
    async with session.post(
        f"{base}/api/onboarding/users",
        json={
            "client_id": client_id,
            "name": "Demo",
            "username": username,
            "password": password,
            "language": "en",
        },
    ) as response:
        response.raise_for_status()


async def _log_in(session: aiohttp.ClientSession, base: str, username: str, password: str) -> str:
    """Log in as the owner through Home Assistant's login flow; return an access token."""
    client_id = f"{base}/"
    async with session.post(
        f"{base}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{base}/?auth_callback=1",
        },
    ) as response:
        response.raise_for_status()
        flow_id = (await response.json())["flow_id"]
    async with session.post(
        f"{base}/auth/login_flow/{flow_id}",
        json={"client_id": client_id, "username": username, "password": password},
    ) as response:
        response.raise_for_status()
        code = (await response.json())["result"]
    async with session.post(
        f"{base}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": client_id},
    ) as response:
        response.raise_for_status()
        token: str = (await response.json())["access_token"]
    return token


async def _wait_until_running(session: aiohttp.ClientSession, base: str, token: str) -> None:
    """Wait (bounded) until Home Assistant has finished starting.

    Stopped while it still starts, it leaves its database open: the next start would warn
    that the database "was not shutdown cleanly".
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        async with session.get(f"{base}/api/config", headers=headers) as response:
            if response.status == 200 and (await response.json()).get("state") == "RUNNING":
                return
        if loop.time() > deadline:
            raise TimeoutError("Home Assistant did not finish starting")
        await asyncio.sleep(1)


async def _wait_for_component(
    session: aiohttp.ClientSession, base: str, token: str, component: str
) -> None:
    """Wait (bounded) until ``component`` is set up: onboarding answers before all are."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        async with session.get(f"{base}/api/config", headers=headers) as response:
            if response.status == 200 and component in (await response.json())["components"]:
                return
        if loop.time() > deadline:
            raise TimeoutError(f"{component} was not set up")
        await asyncio.sleep(1)


async def _store_credentials(
    session: aiohttp.ClientSession, base: str, token: str, client_id: str, client_secret: str
) -> None:
    """Add the sandbox's client id/secret as application credentials of connected_ev."""
    await _wait_for_component(session, base, token, "application_credentials")
    async with session.ws_connect(f"{base}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise RuntimeError("websocket authentication failed")
        await ws.send_json({"id": 1, "type": "application_credentials/list"})
        stored = (await ws.receive_json()).get("result") or []
        if any(
            item.get("domain") == "connected_ev" and item.get("client_id") == client_id
            for item in stored
        ):
            return
        await ws.send_json(
            {
                "id": 2,
                "type": "application_credentials/create",
                "domain": "connected_ev",
                "client_id": client_id,
                "client_secret": client_secret,
                "name": "Local Enode sandbox",
            }
        )
        reply = await ws.receive_json()
        if not reply.get("success"):
            raise RuntimeError(f"storing the credentials failed: {reply.get('error')}")
        print("Sandbox credentials stored.")


async def main() -> int:
    """Create the owner on a new instance; store the sandbox credentials once it has one.

    Exit status NEEDS_RESTART: the owner was just created (and Home Assistant has finished
    starting, so that it can be stopped cleanly), and onboarding must be marked done in
    storage while Home Assistant is stopped; run again after the restart to store the
    credentials (which is skipped when they are already there).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    async with aiohttp.ClientSession() as session:
        if not await _wait_until_up(session, args.url):
            await _create_owner(session, args.url, args.username, args.password)
            print("Owner created.")
            token = await _log_in(session, args.url, args.username, args.password)
            await _wait_until_running(session, args.url, token)
            return NEEDS_RESTART
        token = await _log_in(session, args.url, args.username, args.password)
        await _store_credentials(session, args.url, token, args.client_id, args.client_secret)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

"""scripts/develop's guide: what it tells a user to type is what the sandboxes accept."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest

from sandbox.chargetrip.server import ChargetripSandboxServer
from sandbox.chargetrip.state import DEFAULT_USER_ID
from sandbox.connectedcars.accounts import ORGANIZATIONS
from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectors.api import CONNECTORS_PATH
from sandbox.connectors.server import ConnectorsSandboxServer
from sandbox.hiven.api import USER_HEADER
from sandbox.hiven.app import API_KEY_HEADER
from sandbox.hiven.server import HivenSandboxServer
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "develop_sandboxes.py"
ENODE = "http://127.0.0.1:8765"  # only printed: no request goes there

pytestmark = pytest.mark.usefixtures("socket_enabled")

develop_sandboxes = load_script("develop_sandboxes")


def _printed(guide: str, pattern: str) -> str:
    found = re.search(pattern, guide)
    assert found is not None, f"{pattern!r} not in:\n{guide}"
    return found.group(1)


class Sandboxes:
    """The four sandboxes scripts/develop starts besides Enode's, on their default values."""

    def __init__(self) -> None:
        self.hiven = HivenSandboxServer(time_scale=0)
        self.chargetrip = ChargetripSandboxServer(time_scale=0)
        self.connectedcars = ConnectedCarsSandboxServer(time_scale=0)
        self.connectors = ConnectorsSandboxServer(connectors=20, time_scale=0)

    def arguments(self) -> list[str]:
        """Return the guide's command line for these sandboxes."""
        return [
            *("--enode", ENODE, "--hiven", self.hiven.url),
            *("--chargetrip", self.chargetrip.url, "--connectedcars", self.connectedcars.url),
            *("--connectors", self.connectors.url),
        ]


@pytest.fixture
async def sandboxes() -> AsyncIterator[Sandboxes]:
    running = Sandboxes()
    async with AsyncExitStack() as stack:
        for server in (running.hiven, running.chargetrip, running.connectedcars):
            await stack.enter_async_context(server)
        await stack.enter_async_context(running.connectors)
        yield running


async def test_every_value_the_guide_prints_is_accepted(sandboxes: Sandboxes) -> None:
    """Run the guide as scripts/develop does; use what it printed against each sandbox."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        SCRIPT,
        *sandboxes.arguments(),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    guide = out.decode()
    for url in (ENODE, sandboxes.hiven.url, sandboxes.chargetrip.url):
        assert f"base URL {url}" in guide
    for url in (sandboxes.connectedcars.url, sandboxes.connectors.url):
        assert f"base URL {url}" in guide

    # Chargetrip: the project's ids, and a token the sandbox issued to its user.
    chargetrip = sandboxes.chargetrip
    assert _printed(guide, r"client ID: (\S+)") == chargetrip.client_id
    assert _printed(guide, r"app ID: (\S+)") == chargetrip.app_id
    assert chargetrip.world.user_of(_printed(guide, r"user token: (\S+)")) == DEFAULT_USER_ID

    # Connected Cars: the region's account logs in with the printed e-mail and password.
    region, app = _printed(guide, r"region: (\S+)"), _printed(guide, r"app: (\S+)")
    assert app.partition(":")[::2] == (region, ORGANIZATIONS[region].products[0])
    user = sandboxes.connectedcars.world.accounts.find(region, _printed(guide, r"e-mail: (\S+)"))
    assert user is not None
    assert user.password == _printed(guide, r"password: (\S+)")

    async with aiohttp.ClientSession() as session:
        # Hiven: the API key and user id list the user's devices.
        headers = {
            API_KEY_HEADER: _printed(guide, r"API key: (\S+)   user id"),
            USER_HEADER: _printed(guide, r"user id: (\S+)"),
        }
        async with session.get(f"{sandboxes.hiven.url}/v2/hiven/devices", headers=headers) as r:
            assert r.status == 200
        # Connectors: the API key lists the printed customer's connectors.
        customer = _printed(guide, r"customer ID: (\S+)")
        async with session.get(
            f"{sandboxes.connectors.url}{CONNECTORS_PATH}",
            params={"customer_id": customer, "limit": "1"},
            headers={"X-Api-Key": _printed(guide, r"API key: (sandbox-connectors\S+)")},
        ) as response:
            assert response.status == 200
            assert (await response.json())["total"] > 0


async def test_the_token_waits_for_a_sandbox_still_starting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """scripts/develop may ask before the sandbox listens: it is asked again (bounded)."""
    refused = asyncio.Event()
    pause = asyncio.sleep

    async def note_and_pause(seconds: float) -> None:
        refused.set()
        await pause(seconds)

    monkeypatch.setattr(asyncio, "sleep", note_and_pause)
    server = ChargetripSandboxServer(time_scale=0)
    await server.start()  # learn a free port, then close it while the token is asked for
    await server.stop()
    late = ChargetripSandboxServer(port=server.port, time_scale=0)
    async with aiohttp.ClientSession() as session:
        asking = asyncio.create_task(develop_sandboxes.chargetrip_token(session, late.url))
        async with asyncio.timeout(30):
            await refused.wait()
            async with late:
                token = await asking
    assert late.world.user_of(token) == DEFAULT_USER_ID


async def test_the_token_gives_up_when_no_sandbox_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing listening: the error ends scripts/develop instead of a wait without end."""
    monkeypatch.setattr(develop_sandboxes, "WAIT_SECONDS", 0)
    server = ChargetripSandboxServer(time_scale=0)
    await server.start()
    url = server.url
    await server.stop()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await develop_sandboxes.chargetrip_token(session, url)

"""What the real-browser tests share: running ``scripts/develop``, and reading its pages.

``scripts/develop`` runs as a real process group on free loopback ports; the fixtures in
``conftest.py`` start it once per test module and Home Assistant release, and stop it with
Ctrl-C. The page helpers wait (bounded) for what a user would see, never for a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "demo"
PASSWORD = "connected-ev"
READY_LINE = "Connected EV is running."
RESTARTING_LINE = "Home Assistant is restarting."
START_SECONDS = 300
BUILD_SECONDS = 420
STOP_SECONDS = 60
STEP_MS = 60_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTS = (
    "HA_PORT",
    "SANDBOX_PORT",
    "HIVEN_PORT",
    "CHARGETRIP_PORT",
    "CONNECTEDCARS_PORT",
    "CONNECTORS_PORT",
)
"""The variables that choose scripts/develop's ports: Home Assistant's, then each sandbox's."""


def chromium() -> str:
    """Return Debian's chromium, or skip with the reason scripts/chromium recorded."""
    path = shutil.which("chromium")
    if path is not None:
        return path
    reason = "Debian's chromium is not installed (scripts/test installs it as root)"
    reason_file = os.environ.get("CONNECTED_EV_CHROMIUM_UNAVAILABLE")
    if reason_file and Path(reason_file).is_file():
        reason = Path(reason_file).read_text(encoding="utf-8").strip()
    pytest.skip(f"real-browser test needs chromium: {reason}")


def environment(release: str) -> Path:
    """Return the virtualenv scripts/develop runs ``release`` from, building it if needed.

    The pinned environment must be there; the newest release's skips the test when it cannot
    be built, with the reason scripts/bootstrap gave.
    """
    try:
        done = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [ROOT / "scripts" / "bootstrap"],
            cwd=ROOT,
            env=os.environ | {"CONNECTED_EV_HA": release},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=BUILD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        reason = f"scripts/bootstrap took more than {BUILD_SECONDS} s: {err.stderr!r}"[-1500:]
        returncode, out = 1, b""
    else:
        reason = done.stderr.decode(errors="replace").strip()[-1500:]
        returncode, out = done.returncode, done.stdout
    if returncode != 0:
        if release == "latest":
            pytest.skip(f"the newest Home Assistant's environment cannot be built:\n{reason}")
        pytest.fail(f"scripts/bootstrap failed:\n{reason}")
    return Path(out.decode().strip().splitlines()[-1])


def free_ports(count: int) -> list[int]:
    """Return ``count`` free loopback ports.

    Asked of a child process: sockets are blocked in this one outside a test's own
    ``socket_enabled``, and a module's fixtures are set up before it.
    """
    probe = (
        "import socket, sys\n"
        "probes = [socket.socket() for _ in range(int(sys.argv[1]))]\n"
        "for probe in probes: probe.bind(('127.0.0.1', 0))\n"
        "print(*(probe.getsockname()[1] for probe in probes))\n"
    )
    out = subprocess.run(  # noqa: S603 - this Python, a fixed probe
        [sys.executable, "-c", probe, str(count)],
        capture_output=True,
        check=True,
        timeout=STOP_SECONDS,
    ).stdout
    return [int(port) for port in out.split()]


@dataclass(frozen=True)
class Develop:
    """A running ``scripts/develop``: its process group, output and addresses."""

    process: subprocess.Popen[bytes]
    log: Path
    ports: dict[str, int]
    venv: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def url(self, variable: str) -> str:
        """Return the loopback URL of the server on the port ``variable`` chose (see PORTS)."""
        return f"http://127.0.0.1:{self.ports[variable]}"

    @property
    def home_assistant(self) -> str:
        """Home Assistant's URL."""
        return self.url("HA_PORT")

    @property
    def sandbox(self) -> str:
        """The Enode sandbox's URL."""
        return self.url("SANDBOX_PORT")

    def printed(self, pattern: str) -> str:
        """Return group 1 of ``pattern`` in what it printed (it must be there)."""
        found = re.search(pattern, self.output())
        assert found is not None, f"{pattern!r} not in:\n{self.output()[-4000:]}"
        return found.group(1)


def start_develop(folder: Path, release: str) -> Develop:
    """Start scripts/develop on free loopback ports and wait (bounded) until it is ready."""
    venv = environment(release)
    ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "develop.log"
    env = os.environ | {
        "CONNECTED_EV_CONFIG": str(folder / "config"),
        "CONNECTED_EV_HA": release,
    }
    env |= {variable: str(port) for variable, port in ports.items()}
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [ROOT / "scripts" / "develop"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    develop = Develop(process, log, ports, venv)
    deadline = time.monotonic() + START_SECONDS
    while READY_LINE not in develop.output():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_develop(develop)
            pytest.fail(f"scripts/develop did not get ready:\n{develop.output()[-4000:]}")
        time.sleep(0.5)
    return develop


def stop_develop(develop: Develop) -> None:
    """Press Ctrl-C: SIGINT to the whole process group, as a terminal sends it."""
    if develop.process.poll() is None:
        os.killpg(develop.process.pid, signal.SIGINT)
    try:
        develop.process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(develop.process.pid, signal.SIGKILL)
        develop.process.wait()
        pytest.fail(f"Ctrl-C did not stop scripts/develop:\n{develop.output()[-4000:]}")


class Sandbox:
    """A sandbox's admin API: what the simulated world really is."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self._session = session
        self._base = base

    async def state(self) -> dict[str, Any]:
        """Return the whole simulated world."""
        async with self._session.get(f"{self._base}/_sandbox/state") as response:
            response.raise_for_status()
            state: dict[str, Any] = await response.json()
            return state

    async def plug(self, vehicle_id: str, charger_id: str) -> None:
        """Plug the (Enode) vehicle into the charger, as its owner would."""
        async with self._session.post(
            f"{self._base}/_sandbox/vehicles/{vehicle_id}/plug", json={"chargerId": charger_id}
        ) as response:
            response.raise_for_status()

    async def vehicle(self, vehicle_id: str) -> dict[str, Any]:
        """One simulated (Enode) vehicle."""
        return next(v for v in (await self.state())["vehicles"] if v["id"] == vehicle_id)


def card(page: Page, heading: str) -> Locator:
    """Return the device page's card under ``heading``."""
    return page.locator("ha-card").filter(has=page.get_by_role("heading", name=heading))


async def expect_rows(box: Locator, *patterns: str) -> str:
    """Wait (bounded) until the card's rows read like ``patterns`` ("Name value" regexes).

    The accessibility tree reads each row as a user does, name then value; the DOM's text
    puts the value first. Returns the rows as last read.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_MS / 1000
    while True:
        rows = await box.aria_snapshot()
        missing = [pattern for pattern in patterns if not re.search(pattern, rows)]
        if not missing:
            return rows
        if loop.time() > deadline:
            pytest.fail(f"{missing} not in the card:\n{rows}")
        await asyncio.sleep(0.5)


async def launched(page: Page) -> None:
    """Wait until Home Assistant's launch screen has gone: the app is ready."""
    await page.locator("#ha-launch-screen").wait_for(state="detached", timeout=STEP_MS)


async def log_in(page: Page, base: str) -> None:
    """Log in as the demo owner scripts/develop created."""
    await page.goto(base)
    await page.get_by_label("Username").fill(USERNAME)
    await page.locator("input[type=password]").fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(lambda url: "/auth/" not in url, timeout=STEP_MS)
    await launched(page)


@asynccontextmanager
async def logged_in_page(
    browser: Browser, develop: Develop, screenshots: Path
) -> AsyncIterator[Page]:
    """Yield a page logged in to Home Assistant; a failure inside keeps what explains it."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        await log_in(page, develop.home_assistant)
        yield page
    except BaseException:
        await on_failure(page, develop, screenshots)
        raise
    finally:
        await context.close()


async def goto(page: Page, url: str) -> None:
    """Open ``url`` and wait until Home Assistant's launch screen has gone."""
    await page.goto(url)
    await launched(page)


async def link_in_popup(page: Page, start: Locator) -> None:
    """Click ``start``, then Continue in the sandbox Link UI window it opens."""
    async with page.context.expect_page(timeout=STEP_MS) as popup_info:
        await start.click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#continue").click()


async def start_adding(page: Page, base: str, provider: str) -> None:
    """Open Add integration -> Connected EV and choose ``provider`` (its shown name)."""
    await goto(page, f"{base}/config/integrations/dashboard/add?domain=connected_ev")
    await page.get_by_role("button", name="OK").click(timeout=STEP_MS)
    await page.get_by_text("Choose a provider").wait_for(timeout=STEP_MS)
    await page.get_by_text(provider).first.click()
    await page.get_by_role("button", name="Submit").click()


def secret_field(page: Page) -> Locator:
    """Return the form's one secret field (a password input has no textbox role)."""
    return page.locator("input[type=password]")


async def use_sandbox(page: Page, base_url: str) -> None:
    """Choose the form's custom environment and type a sandbox's base URL."""
    await page.get_by_text("Custom base URL").first.click()
    await page.get_by_role("textbox", name="Base URL").fill(base_url)


async def finish_adding(page: Page) -> None:
    """Close the dialog that follows a created entry (leaving its devices without area)."""
    finish = page.get_by_role("button", name="Skip and finish")
    await finish.click(timeout=STEP_MS)
    await expect(finish).to_be_hidden(timeout=STEP_MS)


async def open_device(page: Page, base: str, name: str, *, exact: bool = False) -> None:
    """Open the device page of the device called ``name`` (or whose name contains it)."""
    await goto(page, f"{base}/config/devices/dashboard")
    await page.get_by_role("rowheader", name=name, exact=exact).first.click(force=True)
    await card(page, "Sensors").wait_for(timeout=STEP_MS)


async def access_token(page: Page) -> str:
    """Return the logged-in frontend's access token, for Home Assistant's REST API."""
    token: str = await page.evaluate(
        "() => document.querySelector('home-assistant').hass.auth.data.access_token"
    )
    return token


async def restart(page: Page, session: aiohttp.ClientSession, develop: Develop) -> None:
    """Restart Home Assistant as its Restart button does; wait (bounded) until it is back."""
    headers = {"Authorization": f"Bearer {await access_token(page)}"}
    base = develop.home_assistant
    restarts = develop.output().count(RESTARTING_LINE)
    async with session.post(
        f"{base}/api/services/homeassistant/restart", headers=headers
    ) as response:
        response.raise_for_status()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_SECONDS
    state = None
    while develop.output().count(RESTARTING_LINE) == restarts or state != "RUNNING":
        if develop.process.poll() is not None or loop.time() > deadline:
            pytest.fail(f"Home Assistant did not come back:\n{develop.output()[-4000:]}")
        await asyncio.sleep(0.5)
        if develop.output().count(RESTARTING_LINE) > restarts:
            try:
                async with session.get(f"{base}/api/config", headers=headers) as response:
                    state = (await response.json())["state"] if response.ok else None
            except aiohttp.ClientError:
                state = None


async def not_installed(venv: Path, components: list[str]) -> list[str]:
    """Return the loaded integrations' requirements missing from scripts/develop's venv."""
    check = (
        "import json, sys\n"
        "from tests.pins import manifest_requirements, not_installed\n"
        "domains = [domain for domain in json.loads(sys.argv[1]) if '.' not in domain]\n"
        "print(json.dumps(not_installed([r for d in domains for r in manifest_requirements(d)])))"
    )
    process = await asyncio.create_subprocess_exec(
        venv / "bin" / "python",
        "-c",
        check,
        json.dumps(components),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    missing: list[str] = json.loads(out)
    return missing


async def on_failure(page: Page, develop: Develop, screenshots: Path) -> None:
    """Keep what explains a failure: a full-page screenshot and develop's last output."""
    await page.screenshot(path=screenshots / "failure.png", full_page=True)
    print(f"scripts/develop printed:\n{develop.output()[-6000:]}")

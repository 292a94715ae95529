"""First contact in a real browser: ``scripts/develop``, then Home Assistant's own UI.

Nothing is mocked. ``scripts/develop`` starts the Enode sandbox and a real Home Assistant
process with its frontend; headless Debian chromium, driven by Playwright, adds the
integration, links a vehicle and a charger in the sandbox's Link UI windows, checks what the
device page shows against the sandbox, toggles charging and waits for the car to confirm,
then opens the example dashboard; restarts Home Assistant as its Restart button does and
checks that it comes back while the demo keeps running. Ctrl-C (SIGINT to the process group)
must stop it all.

It runs twice: against the pinned Home Assistant of the tests, and against the newest release
on PyPI (``CONNECTED_EV_HA=latest``, the second environment ``scripts/bootstrap`` builds), so
that a release that breaks the integration is seen before its users see it.

Screenshots go to ``$CONNECTED_EV_SCREENSHOTS`` (the README's come from
``CONNECTED_EV_SCREENSHOTS=docs/screenshots scripts/test tests/browser``), else to the
test's temporary folder (always, for the newest release). The test skips only when chromium
is missing, with the reason ``scripts/chromium`` wrote down, or, for the newest release only,
when its environment cannot be built (PyPI out of reach, a release that needs another Python).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(900)]

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


def _chromium() -> str:
    """Return Debian's chromium, or skip with the reason scripts/chromium recorded."""
    path = shutil.which("chromium")
    if path is not None:
        return path
    reason = "Debian's chromium is not installed (scripts/test installs it as root)"
    reason_file = os.environ.get("CONNECTED_EV_CHROMIUM_UNAVAILABLE")
    if reason_file and Path(reason_file).is_file():
        reason = Path(reason_file).read_text(encoding="utf-8").strip()
    pytest.skip(f"real-browser test needs chromium: {reason}")


async def _environment(release: str) -> Path:
    """Return the virtualenv scripts/develop runs ``release`` from, building it if needed.

    The pinned environment must be there; the newest release's skips the test when it cannot
    be built, with the reason scripts/bootstrap gave.
    """
    process = await asyncio.create_subprocess_exec(
        ROOT / "scripts" / "bootstrap",
        cwd=ROOT,
        env=os.environ | {"CONNECTED_EV_HA": release},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(BUILD_SECONDS):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
    if process.returncode != 0:
        reason = err.decode(errors="replace").strip()[-1500:]
        if release == "latest":
            pytest.skip(f"the newest Home Assistant's environment cannot be built:\n{reason}")
        pytest.fail(f"scripts/bootstrap failed:\n{reason}")
    return Path(out.decode().strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Develop:
    """A running ``scripts/develop``."""

    process: asyncio.subprocess.Process
    log: Path
    home_assistant: str
    sandbox: str
    venv: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")


async def _start_develop(folder: Path, release: str) -> Develop:
    """Start scripts/develop on free loopback ports and wait (bounded) until it is ready."""
    venv = await _environment(release)
    ha_port, sandbox_port = _free_port(), _free_port()
    log = folder / "develop.log"
    env = os.environ | {
        "CONNECTED_EV_CONFIG": str(folder / "config"),
        "CONNECTED_EV_HA": release,
        "HA_PORT": str(ha_port),
        "SANDBOX_PORT": str(sandbox_port),
    }
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            ROOT / "scripts" / "develop",
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    develop = Develop(
        process, log, f"http://127.0.0.1:{ha_port}", f"http://127.0.0.1:{sandbox_port}", venv
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_SECONDS
    while READY_LINE not in develop.output():
        if process.returncode is not None or loop.time() > deadline:
            await _stop(develop)
            pytest.fail(f"scripts/develop did not get ready:\n{develop.output()[-4000:]}")
        await asyncio.sleep(0.5)
    return develop


async def _stop(develop: Develop) -> None:
    """Press Ctrl-C: SIGINT to the whole process group, as a terminal sends it."""
    if develop.process.returncode is None:
        os.killpg(develop.process.pid, signal.SIGINT)
    try:
        async with asyncio.timeout(STOP_SECONDS):
            await develop.process.wait()
    except TimeoutError:
        os.killpg(develop.process.pid, signal.SIGKILL)
        await develop.process.wait()
        pytest.fail(f"Ctrl-C did not stop scripts/develop:\n{develop.output()[-4000:]}")


@pytest.fixture(params=["pinned", "latest"])
def release(request: pytest.FixtureRequest) -> str:
    """Which Home Assistant: the tests' pinned one, or the newest release on PyPI."""
    value: str = request.param
    return value


@pytest.fixture
async def develop(tmp_path: Path, release: str) -> AsyncIterator[Develop]:
    """Run scripts/develop for the test; stop it with Ctrl-C afterwards."""
    running = await _start_develop(tmp_path, release)
    try:
        yield running
    finally:
        await _stop(running)
    assert "Stopped." in running.output()


@pytest.fixture
def screenshots(tmp_path: Path, release: str) -> Path:
    """Where the screenshots go: the README's show the pinned release."""
    chosen = os.environ.get("CONNECTED_EV_SCREENSHOTS") if release == "pinned" else None
    folder = Path(chosen or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian chromium; Playwright's own browser download is never used."""
    executable = _chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Sandbox:
    """The sandbox's admin API: what the simulated world really is."""

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
        """Plug the vehicle into the charger, as its owner would."""
        async with self._session.post(
            f"{self._base}/_sandbox/vehicles/{vehicle_id}/plug", json={"chargerId": charger_id}
        ) as response:
            response.raise_for_status()

    async def vehicle(self, vehicle_id: str) -> dict[str, Any]:
        """One simulated vehicle."""
        return next(v for v in (await self.state())["vehicles"] if v["id"] == vehicle_id)


def _card(page: Page, heading: str) -> Locator:
    """Return the device page's card under ``heading``."""
    return page.locator("ha-card").filter(has=page.get_by_role("heading", name=heading))


async def _expect_rows(card: Locator, *patterns: str) -> None:
    """Wait (bounded) until the card's rows read like ``patterns`` ("Name value" regexes).

    The accessibility tree reads each row as a user does, name then value; the DOM's text
    puts the value first.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEP_MS / 1000
    while True:
        rows = await card.aria_snapshot()
        missing = [pattern for pattern in patterns if not re.search(pattern, rows)]
        if not missing:
            return
        if loop.time() > deadline:
            pytest.fail(f"{missing} not in the card:\n{rows}")
        await asyncio.sleep(0.5)


async def _launched(page: Page) -> None:
    """Wait until Home Assistant's launch screen has gone: the app is ready."""
    await page.locator("#ha-launch-screen").wait_for(state="detached", timeout=STEP_MS)


async def _log_in(page: Page, base: str) -> None:
    await page.goto(base)
    await page.get_by_label("Username").fill(USERNAME)
    await page.locator("input[type=password]").fill(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_url(lambda url: "/auth/" not in url, timeout=STEP_MS)
    await _launched(page)


async def _link_in_popup(page: Page, start: Locator) -> None:
    """Click ``start``, then Continue in the sandbox Link UI window it opens."""
    async with page.context.expect_page(timeout=STEP_MS) as popup_info:
        await start.click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#continue").click()


async def _add_integration(page: Page, develop: Develop, screenshots: Path) -> None:
    """Add Connected EV and link a vehicle, then a charger, through the sandbox's Link UI."""
    base = develop.home_assistant
    await _goto(page, f"{base}/config/integrations/dashboard/add?domain=connected_ev")
    await page.get_by_role("button", name="OK").click(timeout=STEP_MS)
    await page.get_by_text("Choose a provider").wait_for(timeout=STEP_MS)
    await page.screenshot(path=screenshots / "config-flow-provider.png")
    await page.get_by_role("button", name="Submit").click()

    await page.get_by_text("Enode credentials").wait_for(timeout=STEP_MS)
    await page.get_by_text("Custom base URL").first.click()
    await page.get_by_role("textbox", name="Base URL").fill(develop.sandbox)
    # The hint names the sandbox scripts/develop started, on its port.
    await expect(page.get_by_text(f"for example {develop.sandbox} for the local")).to_be_visible()
    await page.screenshot(path=screenshots / "config-flow-enode.png")
    await _link_in_popup(page, page.get_by_role("button", name="Submit"))

    await page.get_by_text("Vehicle linked").wait_for(timeout=STEP_MS)
    await _link_in_popup(page, page.get_by_text("Link a charger").first)
    await page.get_by_text("Name and assign").wait_for(timeout=STEP_MS)
    await page.screenshot(path=screenshots / "config-flow-devices.png")
    await page.get_by_role("button", name="Skip and finish").click()
    await expect(page.get_by_role("button", name="Skip and finish")).to_be_hidden(timeout=STEP_MS)


async def _goto(page: Page, url: str) -> None:
    """Open ``url`` and wait until Home Assistant's launch screen has gone."""
    await page.goto(url)
    await _launched(page)


async def _open_device(page: Page, base: str, name: str) -> None:
    await _goto(page, f"{base}/config/devices/dashboard")
    await page.get_by_role("rowheader", name=name).first.click(force=True)
    await _card(page, "Sensors").wait_for(timeout=STEP_MS)


async def _toggle_charging(page: Page, sandbox: Sandbox, vehicle_id: str, *, on: bool) -> None:
    """Flip the Charging switch; the car, not the UI, must confirm it."""
    switch = _card(page, "Controls").get_by_role("switch")
    await expect(switch).to_be_checked(checked=not on, timeout=STEP_MS)
    # The thumb covers the input: a user's click lands there.
    await switch.click(force=True)
    sensors = _card(page, "Sensors")
    if on:
        await _expect_rows(
            sensors,
            r"Charge rate \d+(\.\d+)? kW",
            r"Charging Charging",
            r"Power delivery state Plugged in: charging",
        )
    else:
        await _expect_rows(
            sensors, r"Charging Not charging", r"Power delivery state Plugged in: stopped"
        )
    await expect(switch).to_be_checked(checked=on)
    assert (await sandbox.vehicle(vehicle_id))["charging"] is on


async def _restart(page: Page, session: aiohttp.ClientSession, develop: Develop) -> None:
    """Restart Home Assistant as its Restart button does; wait (bounded) until it is back."""
    token: str = await page.evaluate(
        "() => document.querySelector('home-assistant').hass.auth.data.access_token"
    )
    headers = {"Authorization": f"Bearer {token}"}
    base = develop.home_assistant
    async with session.post(
        f"{base}/api/services/homeassistant/restart", headers=headers
    ) as response:
        response.raise_for_status()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_SECONDS
    state = None
    while RESTARTING_LINE not in develop.output() or state != "RUNNING":
        if develop.process.returncode is not None or loop.time() > deadline:
            pytest.fail(f"Home Assistant did not come back:\n{develop.output()[-4000:]}")
        await asyncio.sleep(0.5)
        if RESTARTING_LINE in develop.output():
            try:
                async with session.get(f"{base}/api/config", headers=headers) as response:
                    state = (await response.json())["state"] if response.ok else None
            except aiohttp.ClientError:
                state = None


async def _not_installed(venv: Path, components: list[str]) -> list[str]:
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


async def test_first_contact_in_a_real_browser(
    browser: Browser, develop: Develop, screenshots: Path
) -> None:
    """A newcomer's first minutes, through the real UI, confirmed by the sandbox."""
    async with aiohttp.ClientSession() as session:
        sandbox = Sandbox(session, develop.sandbox)
        world = await sandbox.state()
        car, charger = world["vehicles"][0], world["chargers"][0]
        charger_name = f"{charger['brand']} {charger['model']}"  # as the device is named
        await sandbox.plug(car["id"], charger["id"])

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        try:
            await _log_in(page, develop.home_assistant)
            # Core settings live in storage: Settings -> System -> Network stays editable.
            source = await page.evaluate(
                "() => document.querySelector('home-assistant').hass.config.config_source"
            )
            assert source == "storage"
            await _add_integration(page, develop, screenshots)
            linked = {v["id"] for v in (await sandbox.state())["vehicles"] if v["user_id"]}
            assert linked == {car["id"]}

            await _open_device(page, develop.home_assistant, car["display_name"])
            await _expect_rows(
                _card(page, "Sensors"),
                rf"Battery {int(car['soc'])}(\.\d+)?%",
                r"Range \d[\d,]* km",
                r"Charge rate 0(\.0+)? kW",
                r"Lifetime energy \d[\d,]*(\.\d+)? kWh",
                rf"Plugged-in charger {re.escape(charger_name)}",
                r"Plugged in Plugged in",
            )

            await _toggle_charging(page, sandbox, car["id"], on=True)
            await page.screenshot(path=screenshots / "device-page.png")

            await _goto(page, f"{develop.home_assistant}/connected-ev/ev")
            await _expect_rows(
                _card(page, car["display_name"]),
                r"Range \d[\d,]* km",
                r"Charge rate \d+(\.\d+)? kW",
                rf"Plugged into {re.escape(charger_name)}",
            )
            await page.screenshot(path=screenshots / "dashboard.png")

            await _open_device(page, develop.home_assistant, car["display_name"])
            await _toggle_charging(page, sandbox, car["id"], on=False)

            # Developer tools -> Restart: Home Assistant comes back, the sandbox kept running.
            await _restart(page, session, develop)
            await _open_device(page, develop.home_assistant, car["display_name"])
            await _expect_rows(
                _card(page, "Sensors"),
                r"Battery \d+(\.\d+)?%",
                r"Charging Not charging",
                rf"Plugged-in charger {re.escape(charger_name)}",
            )
            assert develop.process.returncode is None
            linked = {v["id"] for v in (await sandbox.state())["vehicles"] if v["user_id"]}
            assert linked == {car["id"]}

            # Pinned, so a fresh instance does not install them while the browser waits.
            components: list[str] = await page.evaluate(
                "() => document.querySelector('home-assistant').hass.config.components"
            )
            assert await _not_installed(develop.venv, components) == []
        except BaseException:
            await page.screenshot(path=screenshots / "failure.png", full_page=True)
            print(f"scripts/develop printed:\n{develop.output()[-6000:]}")
            raise
        finally:
            await context.close()

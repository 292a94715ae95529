"""First contact in a real browser: ``scripts/develop``, then Home Assistant's own UI.

Nothing is mocked. ``scripts/develop`` starts every provider's sandbox and a real Home
Assistant process with its frontend; headless Debian chromium, driven by Playwright, adds the
integration, links a vehicle and a charger in the Enode sandbox's Link UI windows, checks
what the device page shows against the sandbox, toggles charging and waits for the car to
confirm, then opens the example dashboard; restarts Home Assistant as its Restart button does
and checks that it comes back while the demo keeps running. Ctrl-C (SIGINT to the process
group) must stop it all.

The second test, on the same run, types what ``scripts/develop`` printed for two more
providers: a Chargetrip account whose model is searched in the catalogue and authorized on
the sandbox's Link page, and a Connected Cars account (region, app, e-mail, password) whose
vehicles come with it; both device pages must show what the sandboxes hold.

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

import re
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from .helpers import (
    STEP_MS,
    Develop,
    Sandbox,
    card,
    expect_rows,
    finish_adding,
    goto,
    link_in_popup,
    logged_in_page,
    not_installed,
    open_device,
    restart,
    secret_field,
    start_adding,
    use_sandbox,
)

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(900)]

CHARGETRIP_SEARCH = "Tesla Model 3"
CHARGETRIP_MODEL = "Tesla Model 3 Long Range"
CHARGETRIP_LABEL = "Sandbox Model 3"
READINGS = {"Battery": "%", "Range": "km", "Odometer": "km"}
"""What the device pages of both providers show, by name and unit."""


async def _add_integration(page: Page, develop: Develop, screenshots: Path) -> None:
    """Add Connected EV and link a vehicle, then a charger, through the sandbox's Link UI."""
    base = develop.home_assistant
    await goto(page, f"{base}/config/integrations/dashboard/add?domain=connected_ev")
    await page.get_by_role("button", name="OK").click(timeout=STEP_MS)
    await page.get_by_text("Choose a provider").wait_for(timeout=STEP_MS)
    await page.screenshot(path=screenshots / "config-flow-provider.png")
    await page.get_by_role("button", name="Submit").click()

    await page.get_by_text("Enode credentials").wait_for(timeout=STEP_MS)
    await use_sandbox(page, develop.sandbox)
    # The hint names the sandbox scripts/develop started, on its port.
    await expect(page.get_by_text(f"for example {develop.sandbox} for the local")).to_be_visible()
    await page.screenshot(path=screenshots / "config-flow-enode.png")
    await link_in_popup(page, page.get_by_role("button", name="Submit"))

    await page.get_by_text("Vehicle linked").wait_for(timeout=STEP_MS)
    await link_in_popup(page, page.get_by_text("Link a charger").first)
    await page.get_by_text("Name and assign").wait_for(timeout=STEP_MS)
    await page.screenshot(path=screenshots / "config-flow-devices.png")
    await page.get_by_role("button", name="Skip and finish").click()
    await expect(page.get_by_role("button", name="Skip and finish")).to_be_hidden(timeout=STEP_MS)


async def _toggle_charging(page: Page, sandbox: Sandbox, vehicle_id: str, *, on: bool) -> None:
    """Flip the Charging switch; the car, not the UI, must confirm it."""
    switch = card(page, "Controls").get_by_role("switch")
    await expect(switch).to_be_checked(checked=not on, timeout=STEP_MS)
    # The thumb covers the input: a user's click lands there.
    await switch.click(force=True)
    sensors = card(page, "Sensors")
    if on:
        await expect_rows(
            sensors,
            r"Charge rate \d+(\.\d+)? kW",
            r"Charging Charging",
            r"Power delivery state Plugged in: charging",
        )
    else:
        await expect_rows(
            sensors, r"Charging Not charging", r"Power delivery state Plugged in: stopped"
        )
    await expect(switch).to_be_checked(checked=on)
    assert (await sandbox.vehicle(vehicle_id))["charging"] is on


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

        async with logged_in_page(browser, develop, screenshots) as page:
            # Core settings live in storage: Settings -> System -> Network stays editable.
            source = await page.evaluate(
                "() => document.querySelector('home-assistant').hass.config.config_source"
            )
            assert source == "storage"
            await _add_integration(page, develop, screenshots)
            linked = {v["id"] for v in (await sandbox.state())["vehicles"] if v["user_id"]}
            assert linked == {car["id"]}

            await open_device(page, develop.home_assistant, car["display_name"])
            await expect_rows(
                card(page, "Sensors"),
                rf"Battery {int(car['soc'])}(\.\d+)?%",
                r"Range \d[\d,]* km",
                r"Charge rate 0(\.0+)? kW",
                # Read when the car first charges, not at setup (a constant setup cost).
                r"Lifetime energy Unknown",
                rf"Plugged-in charger {re.escape(charger_name)}",
                r"Plugged in Plugged in",
            )

            await _toggle_charging(page, sandbox, car["id"], on=True)
            await expect_rows(card(page, "Sensors"), r"Lifetime energy \d[\d,]*(\.\d+)? kWh")
            await page.screenshot(path=screenshots / "device-page.png")

            await goto(page, f"{develop.home_assistant}/connected-ev/ev")
            await expect_rows(
                card(page, car["display_name"]),
                r"Range \d[\d,]* km",
                r"Charge rate \d+(\.\d+)? kW",
                rf"Plugged into {re.escape(charger_name)}",
            )
            await page.screenshot(path=screenshots / "dashboard.png")

            await open_device(page, develop.home_assistant, car["display_name"])
            await _toggle_charging(page, sandbox, car["id"], on=False)

            # Developer tools -> Restart: Home Assistant comes back, the sandbox kept running.
            await restart(page, session, develop)
            await open_device(page, develop.home_assistant, car["display_name"])
            await expect_rows(
                card(page, "Sensors"),
                r"Battery \d+(\.\d+)?%",
                r"Charging Not charging",
                rf"Plugged-in charger {re.escape(charger_name)}",
            )
            assert develop.process.poll() is None
            linked = {v["id"] for v in (await sandbox.state())["vehicles"] if v["user_id"]}
            assert linked == {car["id"]}

            # Pinned, so a fresh instance does not install them while the browser waits.
            components: list[str] = await page.evaluate(
                "() => document.querySelector('home-assistant').hass.config.components"
            )
            assert await not_installed(develop.venv, components) == []


async def _readings(page: Page) -> dict[str, float]:
    """Wait for the device page's battery level, range and odometer; return their numbers."""
    patterns = {name: rf"{name} ([\d,]+(?:\.\d+)?) ?{unit}" for name, unit in READINGS.items()}
    rows = await expect_rows(card(page, "Sensors"), *patterns.values())
    found = {name: re.search(pattern, rows) for name, pattern in patterns.items()}
    return {name: float(match.group(1).replace(",", "")) for name, match in found.items() if match}


def _assert_near(shown: dict[str, float], simulated: dict[str, float]) -> None:
    """Assert that the page shows what the sandbox simulates (to its rounding: one unit)."""
    assert shown.keys() == simulated.keys()
    for name, value in simulated.items():
        assert abs(shown[name] - value) <= 1, f"{name}: page {shown}, sandbox {simulated}"


async def _add_chargetrip(page: Page, develop: Develop) -> None:
    """Add the Chargetrip account develop printed, then link a model from the catalogue."""
    sandbox = develop.url("CHARGETRIP_PORT")
    await start_adding(page, develop.home_assistant, "Chargetrip")
    await page.get_by_text("Chargetrip credentials").wait_for(timeout=STEP_MS)
    await page.get_by_role("textbox", name="Client ID").fill(develop.printed(r"client ID: (\S+)"))
    await page.get_by_role("textbox", name="App ID").fill(develop.printed(r"app ID: (\S+)"))
    await secret_field(page).fill(develop.printed(r"user token: (\S+)"))
    await use_sandbox(page, sandbox)
    await page.get_by_role("button", name="Submit").click()

    await page.get_by_text("Find your vehicle's model").wait_for(timeout=STEP_MS)
    await page.get_by_role("textbox", name="Search", exact=True).fill(CHARGETRIP_SEARCH)
    await page.get_by_role("button", name="Submit").click()
    await page.get_by_text("Pick your vehicle's model").wait_for(timeout=STEP_MS)
    await page.get_by_text(CHARGETRIP_MODEL).first.click()
    await page.get_by_role("textbox", name="Name (optional)").fill(CHARGETRIP_LABEL)
    await link_in_popup(page, page.get_by_role("button", name="Submit"))
    await finish_adding(page)


async def _add_connectedcars(page: Page, develop: Develop) -> None:
    """Add the Connected Cars demo account develop printed: its vehicles come with it."""
    await start_adding(page, develop.home_assistant, "Connected Cars")
    await page.get_by_text("Connected Cars server").wait_for(timeout=STEP_MS)
    await use_sandbox(page, develop.url("CONNECTEDCARS_PORT"))
    await page.get_by_role("button", name="Submit").click()

    await page.get_by_text("Connected Cars account").wait_for(timeout=STEP_MS)
    # Region and app: the form's defaults are what develop printed.
    region, app = develop.printed(r"region: (\S+)"), develop.printed(r"app: (\S+)")
    await expect_rows(
        page.get_by_role("dialog"), rf"Region \* {re.escape(region)}", rf"App \* {re.escape(app)}"
    )
    await page.get_by_role("textbox", name="E-mail").fill(develop.printed(r"e-mail: (\S+)"))
    await secret_field(page).fill(develop.printed(r"password: (\S+)"))
    await page.get_by_role("button", name="Submit").click()
    await finish_adding(page)


async def test_more_providers_in_a_real_browser(
    browser: Browser, develop: Develop, screenshots: Path
) -> None:
    """Chargetrip and Connected Cars added as develop says; their devices match the sandboxes."""
    async with aiohttp.ClientSession() as session:
        chargetrip = Sandbox(session, develop.url("CHARGETRIP_PORT"))
        connectedcars = Sandbox(session, develop.url("CONNECTEDCARS_PORT"))
        async with logged_in_page(browser, develop, screenshots) as page:
            await _add_chargetrip(page, develop)
            (vehicle,) = (await chargetrip.state())["vehicles"]
            assert (vehicle["status"], vehicle["label"]) == ("authorized", CHARGETRIP_LABEL)
            await open_device(page, develop.home_assistant, CHARGETRIP_LABEL, exact=True)
            shown = await _readings(page)
            data = (await chargetrip.vehicle(vehicle["id"]))["data"]
            battery, odometer = data["battery"], data["odometer"]
            simulated = {
                "Battery": battery["percentage"],
                "Range": battery["range"],
                "Odometer": odometer["distance"],
            }
            _assert_near(shown, simulated)

            await _add_connectedcars(page, develop)
            region, email = develop.printed(r"region: (\S+)"), develop.printed(r"e-mail: (\S+)")
            world = await connectedcars.state()
            (user,) = (
                u for u in world["users"] if (u["organization"], u["email"]) == (region, email)
            )
            car = next(
                v
                for v in world["vehicles"]
                if v["owner"] == user["id"] and v["fuelType"] == "electric"
            )
            await open_device(page, develop.home_assistant, car["name"], exact=True)
            shown = await _readings(page)
            car = next(
                v
                for v in (await connectedcars.state())["vehicles"]
                if (v["organization"], v["id"]) == (region, car["id"])
            )
            simulated = {
                "Battery": car["chargePercentage"]["pct"],
                "Range": car["rangeTotalKm"]["km"],
                "Odometer": car["odometer"]["odometer"],
            }
            _assert_near(shown, simulated)

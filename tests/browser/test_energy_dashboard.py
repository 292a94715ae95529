"""The Energy dashboard offers a car's hourly charging statistic, in a real browser.

Nothing is mocked: ``scripts/develop`` runs the Enode sandbox and Home Assistant (with the
recorder and the energy integration). The car is plugged into the charger and charges in
the sandbox; Connected EV is added through Home Assistant's own dialogs, imports the car's
hourly statistics a minute later, and the Energy dashboard's configuration (*Individual
devices → Add device*) lists "<car> Charged energy" in its picker, with the kWh the sandbox
says the car charged.

Runs on the pinned Home Assistant and on the newest release, like the other browser tests.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from .helpers import (
    STEP_MS,
    Develop,
    Sandbox,
    goto,
    link_in_popup,
    log_in,
    on_failure,
    start_adding,
)

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(900)]

IMPORT_SECONDS = 240
"""The first import runs a minute after setup; the recorder writes it soon after."""


async def _add_enode_vehicle(page: Page, develop: Develop) -> None:
    """Add Connected EV with the Enode sandbox and link one vehicle in its Link UI."""
    await start_adding(page, develop.home_assistant, "Enode")
    await page.get_by_text("Enode credentials").wait_for(timeout=STEP_MS)
    await page.get_by_text("Custom base URL").first.click()
    await page.get_by_role("textbox", name="Base URL").fill(develop.sandbox)
    await link_in_popup(page, page.get_by_role("button", name="Submit"))
    await page.get_by_text("Vehicle linked").wait_for(timeout=STEP_MS)
    await page.get_by_text("Finish").first.click()
    finish = page.get_by_role("button", name="Skip and finish")
    await finish.click(timeout=STEP_MS)
    await expect(finish).to_be_hidden(timeout=STEP_MS)


async def _call_ws(page: Page, message: dict[str, Any]) -> Any:
    """Send one websocket command as the logged-in frontend does."""
    return await page.evaluate(
        "(message) => document.querySelector('home-assistant').hass.callWS(message)", message
    )


async def _wait_for_statistic(page: Page, name: str) -> str:
    """Wait (bounded) until the recorder lists the statistic called ``name``; return its id."""
    deadline = time.monotonic() + IMPORT_SECONDS
    while True:
        listed = await _call_ws(page, {"type": "recorder/list_statistic_ids"})
        found = [item["statistic_id"] for item in listed if item.get("name") == name]
        if found:
            return str(found[0])
        assert time.monotonic() < deadline, f"no statistic {name!r} among {listed}"
        await page.wait_for_timeout(2_000)


async def _charged_kwh(page: Page, statistic_id: str) -> float:
    """Return the statistic's last hourly sum."""
    rows = await _call_ws(
        page,
        {
            "type": "recorder/statistics_during_period",
            "start_time": "2020-01-01T00:00:00Z",
            "statistic_ids": [statistic_id],
            "period": "hour",
            "types": ["sum"],
        },
    )
    return float(rows[statistic_id][-1]["sum"])


async def _pick_device_statistic(page: Page, develop: Develop, name: str) -> None:
    """Open Energy → Individual devices → Add device, and find ``name`` in its picker."""
    await goto(page, f"{develop.home_assistant}/config/energy")
    await page.get_by_role("button", name="Add device").click(timeout=STEP_MS)
    await page.get_by_text("Add a device").wait_for(timeout=STEP_MS)
    # The first picker is the energy one (the second takes power statistics).
    await page.get_by_text("Select a statistic").first.click(timeout=STEP_MS)
    await page.keyboard.type("Charged energy")
    await expect(page.get_by_text(name).first).to_be_visible(timeout=STEP_MS)


async def test_energy_dashboard_offers_the_charged_energy(
    browser: Browser, develop: Develop, screenshots: Path
) -> None:
    """The car charges in the sandbox; its hourly statistic is in the Energy dashboard."""
    async with aiohttp.ClientSession() as session:
        sandbox = Sandbox(session, develop.sandbox)
        world = await sandbox.state()
        car, charger = world["vehicles"][0], world["chargers"][0]
        async with session.post(
            f"{develop.sandbox}/_sandbox/vehicles/{car['id']}/plug",
            json={"chargerId": charger["id"], "autoStart": True},
        ) as response:
            response.raise_for_status()
        assert (await sandbox.vehicle(car["id"]))["charging"] is True

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        try:
            await log_in(page, develop.home_assistant)
            await _add_enode_vehicle(page, develop)
            name = f"{car['display_name']} Charged energy"

            statistic_id = await _wait_for_statistic(page, name)

            assert statistic_id.startswith("connected_ev:")
            assert await _charged_kwh(page, statistic_id) > 0
            await _pick_device_statistic(page, develop, name)
            await page.screenshot(path=screenshots / "energy-dashboard-device.png")
        except BaseException:
            await on_failure(page, develop, screenshots)
            raise
        finally:
            await context.close()

"""Drive the real Home Assistant UI through Connected EV's setup and take screenshots.

Run while ``scripts/develop`` is running (fresh ``./config``), with Playwright and Debian's
Chromium installed (``pip install playwright``; ``apt-get install chromium``; Playwright's
own browser download is not used):

    .venv/bin/python scripts/screenshots.py --out docs/screenshots

It logs in, adds Connected EV (Enode, custom environment = the local sandbox), links a
vehicle and a charger through the sandbox's Link UI popups, finishes, and captures each
step, the vehicle's device page and the example dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from playwright.async_api import Page, async_playwright

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
STEP_TIMEOUT_MS = 60_000


async def _log_in(page: Page, base: str, username: str, password: str) -> None:
    await page.goto(base)
    await page.get_by_label("Username").fill(username)
    await page.locator("input[type=password]").fill(password)
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/**", timeout=STEP_TIMEOUT_MS)
    # A new instance asks to confirm its HTTP settings; confirming keeps loopback-only.
    with contextlib.suppress(Exception):
        await page.get_by_role("button", name="Confirm").click(timeout=5_000)


async def _link_in_popup(page: Page, start: str) -> None:
    """Click ``start`` and press Continue in the Link UI window it opens."""
    async with page.context.expect_page(timeout=STEP_TIMEOUT_MS) as popup_info:
        await page.get_by_role("button", name=start).or_(page.get_by_text(start)).first.click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#continue").click()


async def run(base: str, sandbox: str, out: Path, username: str, password: str) -> None:
    """Walk through the setup and save the screenshots in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await _log_in(page, base, username, password)

        await page.goto(f"{base}/config/integrations/dashboard/add?domain=connected_ev")
        await page.get_by_role("button", name="OK").click()
        await page.get_by_text("Choose a provider").wait_for(timeout=STEP_TIMEOUT_MS)
        await page.screenshot(path=out / "config-flow-provider.png")
        await page.get_by_role("button", name="Submit").click()

        await page.get_by_text("Enode credentials").wait_for(timeout=STEP_TIMEOUT_MS)
        await page.get_by_text("Custom base URL").first.click()
        await page.get_by_role("textbox", name="Base URL").fill(sandbox)
        await page.screenshot(path=out / "config-flow-enode.png")
        await _link_in_popup(page, "Submit")

        await page.get_by_text("Vehicle linked").wait_for(timeout=STEP_TIMEOUT_MS)
        await _link_in_popup(page, "Link a charger")
        await page.get_by_text("Name and assign").wait_for(timeout=STEP_TIMEOUT_MS)
        await page.screenshot(path=out / "config-flow-devices.png")
        await page.get_by_role("button", name="Skip and finish").click()

        await page.goto(f"{base}/config/devices/dashboard")
        await page.get_by_role("rowheader", name="My Tesla").first.click(force=True)
        await page.get_by_text("Battery").first.wait_for(timeout=STEP_TIMEOUT_MS)
        await page.screenshot(path=out / "device-page.png")

        await page.goto(f"{base}/connected-ev/ev")
        await page.get_by_text("Where is the car").wait_for(timeout=STEP_TIMEOUT_MS)
        await page.screenshot(path=out / "dashboard.png")
        await browser.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--sandbox", default="http://127.0.0.1:8765")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="connected-ev")
    args = parser.parse_args()
    asyncio.run(run(args.url, args.sandbox, args.out, args.username, args.password))


if __name__ == "__main__":
    main()

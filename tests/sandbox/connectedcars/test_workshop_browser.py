"""The workshop page in a real browser: the page script takes the token from the fragment.

Headless Debian chromium (driven by Playwright, as the project's other real-browser test) opens
the add-vehicle link with ``#token=…``, submits the prefilled form and the vehicle appears on
the account; without any token the page sends the browser to sign in and comes back with one.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_PASSWORD, EMPTY_EMAIL

from .conftest import Api

pytestmark = pytest.mark.timeout(120)
LINK = (
    "/integration/vehicle/add?queryType=vin&source=Home%20Assistant"
    "&vehicleVin=WVWZZZE1ZMP012345&vehicleName=Family%20car&customerEmail=new%40example.com"
)
STEP_MS = 20_000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("the real-browser test needs Debian's chromium (scripts/chromium)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            yield launched
        finally:
            await launched.close()


async def test_token_from_the_fragment(
    browser: Browser, server: ConnectedCarsSandboxServer, api: Api
) -> None:
    token = await api.login(EMPTY_EMAIL)
    page = await browser.new_page()
    await page.goto(f"{server.url}{LINK}#token={token}", timeout=STEP_MS)
    assert await page.input_value("#token") == token
    assert await page.input_value("input[name=customerEmail]") == "new@example.com"
    assert "#" not in page.url  # the script drops the token from the address bar
    await page.click("button[type=submit]", timeout=STEP_MS)
    await page.wait_for_selector("#added", timeout=STEP_MS)
    (vehicle,) = (await api.vehicles(token)).values()
    assert vehicle["vin"] == "WVWZZZE1ZMP012345"
    assert vehicle["name"] == "Family car"
    # The browser keeps the token: the next link works without a fragment.
    await page.goto(f"{server.url}{LINK.replace('E1ZMP012345', 'E1ZMP012346')}", timeout=STEP_MS)
    assert await page.input_value("#token") == token


async def test_without_a_token_the_browser_signs_in_first(
    browser: Browser, server: ConnectedCarsSandboxServer, api: Api
) -> None:
    page = await browser.new_page()
    await page.goto(server.url + LINK, timeout=STEP_MS)
    await page.wait_for_selector("input[name=password]", timeout=STEP_MS)
    await page.fill("input[name=email]", EMPTY_EMAIL)
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.click("button[type=submit]", timeout=STEP_MS)
    await page.wait_for_selector("button:has-text('Add vehicle')", timeout=STEP_MS)
    assert await page.input_value("input[name=vehicleVin]") == "WVWZZZE1ZMP012345"
    await page.click("button[type=submit]", timeout=STEP_MS)
    await page.wait_for_selector("#added", timeout=STEP_MS)
    assert len(await api.vehicles(await api.login(EMPTY_EMAIL))) == 1

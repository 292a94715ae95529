"""Fixtures of the real-browser tests: one ``scripts/develop`` per module and release.

Starting Home Assistant is most of such a test's time, so the tests of one module share a
run (pytest orders them by release); each test adds what it needs through the UI.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from .helpers import CHROMIUM_ARGS, Develop, chromium, start_develop, stop_develop


@pytest.fixture(scope="module", params=["pinned", "latest"])
def release(request: pytest.FixtureRequest) -> str:
    """Which Home Assistant: the tests' pinned one, or the newest release on PyPI."""
    value: str = request.param
    return value


@pytest.fixture(scope="module")
def executable() -> str:
    """Debian's chromium: asked first, so that a missing browser skips before develop starts."""
    return chromium()


@pytest.fixture(scope="module")
def develop(
    tmp_path_factory: pytest.TempPathFactory, release: str, executable: str
) -> Iterator[Develop]:
    """Run scripts/develop for the module's tests; stop it with Ctrl-C afterwards."""
    running = start_develop(tmp_path_factory.mktemp(f"develop-{release}"), release)
    try:
        yield running
    finally:
        stop_develop(running)
    assert "Stopped." in running.output()


@pytest.fixture
def screenshots(tmp_path: Path, release: str) -> Path:
    """Where the screenshots go: the README's show the pinned release."""
    chosen = os.environ.get("CONNECTED_EV_SCREENSHOTS") if release == "pinned" else None
    folder = Path(chosen or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser(executable: str) -> AsyncIterator[Browser]:
    """Headless Debian chromium; Playwright's own browser download is never used."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()

"""Fixtures for the Hiven client tests (the mocked HTTP layer comes from tests/api)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.connected_ev.api.hiven import HivenClient

FIXTURES = Path(__file__).parent / "fixtures"
BASE_URL = "https://api.hiven.example"
API_KEY = "hiven-api-key-secret"
USER_ID = "hiven-user-1"
DEVICE_ID = "9f1b6c1e-2b8e-4f57-9d55-0c0e3c1f6a01"
LOCATION_ID = "loc-1"
REDIRECT = "https://ha.example/auth/hiven/callback"


def load_fixture(name: str) -> Any:
    """Load a payload shaped as Hiven's document shows it."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def hiven(session: aiohttp.ClientSession) -> HivenClient:
    """Provide a client of a mocked Hiven."""
    return HivenClient(session, API_KEY, USER_ID, base_url=BASE_URL)

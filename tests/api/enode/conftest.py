"""Fixtures for the Enode client tests: recorded payloads, the sandbox environment's URLs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses.core import RequestCall

from custom_components.connected_ev.api.enode import EnodeClient, EnodeEnvironment
from tests.api.conftest import FakeClock, request_count, requests_to

__all__ = ["FakeClock", "request_count", "requests_to"]

FIXTURES = Path(__file__).parent / "fixtures"
ENDPOINTS = EnodeEnvironment.SANDBOX.endpoints
API_URL = ENDPOINTS.api_url
TOKEN_URL = ENDPOINTS.token_url
CLIENT_ID = "client-id"
CLIENT_SECRET = "client-secret"
USER_ID = "bb28471e-cde6-4eff-ace4-9a7f4f50882a"
VEHICLE_ID = "05ee9df5-d072-4ee8-b773-399dec8f5693"
CHARGER_ID = "07f8368d-be7e-4dbd-8cf0-94d00dd67ad3"
ACTION_ID = "4eaeb363-296d-4ccc-a973-7805e6f400bd"
LOCATION_ID = "8d90101b-3f2f-462a-bbb4-1ed320d33bbe"
WEBHOOK_ID = "0ec3d927-0100-44ff-bb53-edfe3ce64a57"
INTERVENTION_ID = "9d90a9ad-9b24-4ce0-94e9-e888b1b877f4"


def load_fixture(name: str) -> Any:
    """Load a recorded payload from ``fixtures/``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def client(session: aiohttp.ClientSession, clock: FakeClock) -> EnodeClient:
    """Provide a client of the sandbox environment."""
    return EnodeClient(session, CLIENT_ID, CLIENT_SECRET, ENDPOINTS, clock=clock)


def mock_token(
    mocked: aioresponses,
    token: str = "token-1",  # noqa: S107 (a fake token)
    *,
    expires_in: float = 3599,
    repeat: bool = False,
) -> None:
    """Answer the next token request (or all of them) with ``token``."""
    mocked.post(
        TOKEN_URL,
        payload={"access_token": token, "expires_in": expires_in, "token_type": "bearer"},
        repeat=repeat,
    )


def token_requests(mocked: aioresponses) -> list[RequestCall]:
    """Return the token requests sent, in order."""
    return requests_to(mocked, "POST", TOKEN_URL)

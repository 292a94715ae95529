"""Fixtures for the Connected Cars client tests (the mocked HTTP layer comes from tests/api)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from custom_components.connected_ev.api.connectedcars import (
    ConnectedCarsAuth,
    ConnectedCarsClient,
)

FIXTURES = Path(__file__).parent / "fixtures"
API = "https://api.connectedcars.io"
AUTH = "https://auth-api.connectedcars.io"
NAMESPACE = "semler:minvolkswagen"
DEVICE_TOKEN = "device-token-secret"
GRAPHQL = f"{API}/graphql"
DEVICE_LOGIN = f"{AUTH}/auth/login/deviceToken?expiresIn=3600"


def load_fixture(name: str) -> Any:
    """Load a payload shaped as Connected Cars' clients read it."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def token_body(token: str = "jwt-1", expires: object = 3600) -> dict[str, Any]:  # noqa: S107
    """Return the Auth API's answer to a login."""
    return {"token": token, "level": "AM1", "expires": expires}


class Clock:
    """A UTC clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def utc_clock() -> Clock:
    """Provide the clock the token cache reads."""
    return Clock()


@pytest.fixture
def auth(session: aiohttp.ClientSession, utc_clock: Clock) -> ConnectedCarsAuth:
    """Provide the Auth API client of an account with a device token."""
    return ConnectedCarsAuth(session, AUTH, NAMESPACE, DEVICE_TOKEN, now=utc_clock)


@pytest.fixture
def client(session: aiohttp.ClientSession, auth: ConnectedCarsAuth) -> ConnectedCarsClient:
    """Provide the GraphQL client of that account."""
    return ConnectedCarsClient(session, auth, API)

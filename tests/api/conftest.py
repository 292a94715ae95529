"""Fixtures for the provider client tests: recorded payloads, a mocked HTTP layer, a clock."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core
from aioresponses.compat import merge_params, normalize_url
from aioresponses.core import RequestCall

from custom_components.connected_ev.api.enode import EnodeClient, EnodeEnvironment

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


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class _CompatClientResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.8 predates aiohttp 3.14's required ``stream_writer`` argument.

    Known upstream (pnuckowski/aioresponses#289); a stub writer is enough for mocked
    responses whose request was never really written.
    """

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@pytest.fixture
def mock_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """Mock aiohttp requests (no sockets)."""
    if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
        monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatClientResponse)
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
def clock() -> FakeClock:
    """Provide the clock the client's token cache reads."""
    return FakeClock()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Provide an injected session, as Home Assistant's shared one would be."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


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


def requests_to(
    mocked: aioresponses, method: str, url: str, params: dict[str, str] | None = None
) -> list[RequestCall]:
    """Return the requests sent to ``method url`` (with ``params``), in order."""
    key = (method, normalize_url(merge_params(url, params)))
    return list(mocked.requests.get(key, []))


def request_count(mocked: aioresponses) -> int:
    """Count the requests sent in total (token requests included)."""
    return sum(len(calls) for calls in mocked.requests.values())


def token_requests(mocked: aioresponses) -> list[RequestCall]:
    """Return the token requests sent, in order."""
    return requests_to(mocked, "POST", TOKEN_URL)

"""Fixtures every provider client test shares: a mocked HTTP layer, a session, a clock."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core
from aioresponses.compat import merge_params, normalize_url
from aioresponses.core import RequestCall


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


def requests_to(
    mocked: aioresponses, method: str, url: str, params: dict[str, str] | None = None
) -> list[RequestCall]:
    """Return the requests sent to ``method url`` (with ``params``), in order."""
    key = (method, normalize_url(merge_params(url, params)))
    return list(mocked.requests.get(key, []))


def request_count(mocked: aioresponses) -> int:
    """Count the requests sent in total (token requests included)."""
    return sum(len(calls) for calls in mocked.requests.values())

"""Token expiry and the wrong-PIN window follow a frozen test clock (read at call time).

A client that kept the real clock would, on a test's frozen clock, use a token the API
already considers expired (a 401 and a retry), and never forget wrong PINs.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses

from custom_components.connected_ev.api.connectors import (
    ApiKeyAuth,
    ClientCredentials,
    ConnectorsClient,
    ConnectorsProvider,
)
from custom_components.connected_ev.api.connectors.provider import (
    MAX_WRONG_PINS,
    WRONG_PIN_WINDOW,
)
from custom_components.connected_ev.api.models import ClaimRefusal
from custom_components.connected_ev.api.provider import ClaimRefusedError

from .test_client import BASE, LIST, TOKEN_URL, page
from .test_parse import CONNECTOR

CUSTOMER = str(CONNECTOR["customer_id"])


async def test_frozen_clock_decides_token_expiry(
    session: aiohttp.ClientSession, mock_api: aioresponses, freezer: Any
) -> None:
    """No clock given: a token is renewed when the frozen clock says, never a 401 first."""
    auth = ClientCredentials(
        session, TOKEN_URL, "id-1", "secret-1", timeout=aiohttp.ClientTimeout(10)
    )
    client = ConnectorsClient(session, BASE, auth)
    issued: dict[str, float] = {}
    used: list[str] = []

    def token(url: Any, **kwargs: Any) -> CallbackResult:
        value = f"t{len(issued) + 1}"
        issued[value] = time.monotonic()
        return CallbackResult(payload={"access_token": value, "expires_in": 600})

    def listing(url: Any, **kwargs: Any) -> CallbackResult:
        value = kwargs["headers"]["Authorization"].removeprefix("Bearer ")
        used.append(value)
        if time.monotonic() - issued[value] >= 600:
            return CallbackResult(status=401, payload={"title": "expired"})
        return CallbackResult(payload=page([], 3, limit=1))

    mock_api.post(TOKEN_URL, callback=token, repeat=True)
    mock_api.get(LIST, callback=listing, repeat=True)

    for _ in range(3):
        assert await client.async_count() == 3
    freezer.tick(600 - 61)
    assert await client.async_count() == 3
    assert used == ["t1"] * 4

    freezer.tick(3600)
    assert await client.async_count() == 3
    assert used[4:] == ["t2"]  # no 401, no retry
    assert len(issued) == 2


async def test_frozen_clock_decides_the_wrong_pin_window(
    session: aiohttp.ClientSession, mock_api: aioresponses, freezer: Any
) -> None:
    """No clock given: wrong PINs hold a name back until the frozen clock moves on."""
    provider = ConnectorsProvider(ConnectorsClient(session, BASE, ApiKeyAuth("k")), CUSTOMER)
    free = {**CONNECTOR, "name": "1005123", "customer_id": None, "pin": "24680"}
    mock_api.get(LIST, payload=page([free], 1), repeat=True)
    for _ in range(MAX_WRONG_PINS):
        with pytest.raises(ClaimRefusedError):
            await provider.async_claim_remote("1005123", "13579")
    freezer.tick(WRONG_PIN_WINDOW - 1)
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("1005123", "24680")
    assert refused.value.reason is ClaimRefusal.TOO_MANY_ATTEMPTS

    freezer.tick(2)
    mock_api.put(f"{BASE}/v2/customers/connectors/{free['id']}", payload={**free, "pin": None})
    claimed = await provider.async_claim_remote("1005123", "24680")
    assert claimed.name == "1005123"

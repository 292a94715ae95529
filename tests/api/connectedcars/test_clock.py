"""The JWT cache follows a frozen test clock: the current time is read at every call."""

from __future__ import annotations

from typing import Any

import aiohttp
from aioresponses import aioresponses

from custom_components.connected_ev.api.connectedcars import ConnectedCarsAuth

from ..conftest import requests_to
from .conftest import AUTH, DEVICE_LOGIN, DEVICE_TOKEN, NAMESPACE, token_body


async def test_frozen_clock_decides_jwt_renewal(
    session: aiohttp.ClientSession, mock_api: aioresponses, freezer: Any
) -> None:
    """No clock given: one login per JWT while frozen time stands, a new one when it moves."""
    auth = ConnectedCarsAuth(session, AUTH, NAMESPACE, DEVICE_TOKEN)
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-1"))
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-2"))

    for _ in range(3):
        assert await auth.async_token() == "jwt-1"
    freezer.tick(3600 - 301)
    assert await auth.async_token() == "jwt-1"
    freezer.tick(2)
    assert await auth.async_token() == "jwt-2"
    assert len(requests_to(mock_api, "POST", DEVICE_LOGIN)) == 2

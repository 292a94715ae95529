"""A push delivery exactly at the size limit is applied, one byte more is refused.

Over loopback to Home Assistant's real HTTP server, with a ``Content-Length`` header and
without one (chunked), since the two are read differently.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from http import HTTPStatus

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.push_receiver import MAX_DELIVERY_BYTES
from sandbox.enode.server import SandboxServer

from .conftest import enable_push, entity_state, requests, setup_entry, sign, vehicle_event

pytestmark = [pytest.mark.usefixtures("socket_enabled"), pytest.mark.timeout(60)]

CHUNK = 65536


def _padded(event: dict[str, object], size: int) -> bytes:
    """Pad a one-event delivery with whitespace (still valid JSON) to ``size`` bytes."""
    body = json.dumps([event]).encode()
    return body[:-1] + b" " * (size - len(body)) + b"]"


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
async def test_delivery_of_exactly_the_size_limit(
    hass: HomeAssistant,
    server: SandboxServer,
    hass_client_no_auth: ClientSessionGenerator,
    chunked: bool,
) -> None:
    """1 MiB exactly is applied; 1 MiB and one byte is 413 and changes nothing."""
    entry, (vehicle_id,), _ = await setup_entry(hass, server)
    client = await hass_client_no_auth()
    registration = await enable_push(hass, entry, client.server.port)
    server.sandbox.counters.reset()
    url = f"/api/webhook/{registration['webhook_id']}"

    async def post(body: bytes, delivery: str) -> int:
        response = await client.post(
            url,
            data=_chunks(body) if chunked else body,
            headers={
                "x-enode-delivery": delivery,
                "x-enode-signature": sign(registration["secret"], body),
                "Content-Type": "application/json",
            },
        )
        return response.status

    at_limit = _padded(vehicle_event(server, vehicle_id, 42), MAX_DELIVERY_BYTES)
    assert len(at_limit) == MAX_DELIVERY_BYTES
    assert await post(at_limit, "at-limit") == HTTPStatus.OK
    assert float(entity_state(hass, "sensor", vehicle_id, "battery_level").state) == 42

    over = _padded(vehicle_event(server, vehicle_id, 13), MAX_DELIVERY_BYTES + 1)
    assert await post(over, "over-limit") == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert float(entity_state(hass, "sensor", vehicle_id, "battery_level").state) == 42
    assert requests(server) == 0

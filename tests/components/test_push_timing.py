"""Push health over time: every delivery restarts the stale timer; silence makes it poll again.

Home Assistant's clock is moved with ``freezer``; deliveries go through its HTTP server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.enode import EnodeProvider
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL, DOMAIN
from custom_components.connected_ev.push import PUSH_STALE_AFTER, PushHealth, PushRegistration

from .conftest import USER_ID

WEBHOOK_ID = "a" * 64
SECRET = "b" * 64
HEALTH = "sensor.enode_sandbox_push_health"
MINUTE = timedelta(minutes=1)


@pytest.fixture
def platforms() -> list[Platform]:
    """Load the sensors, with the push health sensor."""
    return [Platform.SENSOR]


@pytest.fixture
def mock_config_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """Provide the usual Enode entry with push on and its webhook registered."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        entry_id=mock_config_entry.entry_id,
        unique_id=mock_config_entry.unique_id,
        version=mock_config_entry.version,
        minor_version=mock_config_entry.minor_version,
        data={
            **mock_config_entry.data,
            "push_registration": PushRegistration(WEBHOOK_ID, "wh-1", SECRET).as_dict(),
        },
        options={"push": True},
    )


@pytest.fixture(autouse=True)
def enode_deliveries(mock_provider: AsyncMock) -> None:
    """Check and parse deliveries as the Enode provider does."""
    enode = EnodeProvider(MagicMock(), USER_ID)
    mock_provider.verify_push_delivery = MagicMock(side_effect=enode.verify_push_delivery)
    mock_provider.parse_push_delivery = MagicMock(side_effect=enode.parse_push_delivery)


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_every_delivery_restarts_the_stale_timer(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    mock_provider: AsyncMock,
) -> None:
    """Healthy until a full stale period passes without a delivery, then polling resumes."""
    client = await hass_client_no_auth()

    async def heartbeat(delivery_id: str) -> None:
        body = json.dumps(
            [{"event": "system:heartbeat", "createdAt": "2026-11-02T18:00:00Z"}]
        ).encode()
        signature = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
        headers: dict[str, Any] = {
            "x-enode-signature": signature,
            "x-enode-delivery": delivery_id,
            "Content-Type": "application/json",
        }
        response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers)
        assert response.status == 200
        await hass.async_block_till_done()

    await heartbeat("first")
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    await _tick(hass, freezer, PUSH_STALE_AFTER - MINUTE)
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY

    await heartbeat("second")  # a full period again from here
    await _tick(hass, freezer, 2 * MINUTE)  # past the first delivery's deadline
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    lists = mock_provider.async_list_vehicles.await_count

    await _tick(hass, freezer, PUSH_STALE_AFTER - 2 * MINUTE)
    assert hass.states.get(HEALTH).state == PushHealth.STALE
    for _ in range(2):  # at the idle interval, not the hourly safety poll of healthy push
        await _tick(hass, freezer, DEFAULT_IDLE_INTERVAL)
    assert mock_provider.async_list_vehicles.await_count == lists + 2

"""Push health over time: every delivery restarts the stale timer; silence makes it poll again.

Home Assistant's clock is moved with ``freezer``; deliveries go through its HTTP server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from aiohttp.test_utils import TestClient
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.enode import EnodeProvider
from custom_components.connected_ev.const import DEFAULT_IDLE_INTERVAL, DOMAIN
from custom_components.connected_ev.options import DEFAULT_PUSH_INTERVAL
from custom_components.connected_ev.push import PUSH_STALE_AFTER, PushHealth, PushRegistration

from .conftest import USER_ID, load_json

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


def _signed(events: list[dict[str, Any]], delivery_id: str) -> tuple[bytes, dict[str, Any]]:
    body = json.dumps(events).encode()
    signature = "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    return body, {
        "x-enode-signature": signature,
        "x-enode-delivery": delivery_id,
        "Content-Type": "application/json",
    }


def _vehicle_update(*, charging: bool, battery: float) -> dict[str, Any]:
    vehicle = load_json("vehicles.json")[0]
    vehicle["chargeState"] |= {"isCharging": charging, "batteryLevel": battery}
    return {
        "event": "user:vehicle:updated",
        "createdAt": "2026-11-02T18:00:00Z",
        "user": {"id": USER_ID},
        "vehicle": vehicle,
        "updatedFields": ["chargeState"],
    }


class Day:
    """Deliveries every 5 minutes through Home Assistant's HTTP server, on the frozen clock."""

    def __init__(
        self, hass: HomeAssistant, freezer: FrozenDateTimeFactory, client: TestClient
    ) -> None:
        self.hass, self.freezer, self.client = hass, freezer, client
        self.sent = 0

    async def deliver(self, events: list[dict[str, Any]]) -> None:
        self.sent += 1
        body, headers = _signed(events, f"delivery-{self.sent}")
        response = await self.client.post(f"/api/webhook/{WEBHOOK_ID}", data=body, headers=headers)
        assert response.status == 200
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def run(self, total: timedelta, events: list[dict[str, Any]]) -> None:
        for _ in range(int(total / (5 * MINUTE))):
            for _ in range(5):
                self.freezer.tick(MINUTE)
                async_fire_time_changed(self.hass)
                await self.hass.async_block_till_done(wait_background_tasks=True)
            await self.deliver(events)


@pytest.mark.usefixtures("init_integration")
async def test_safety_poll_runs_while_pushes_keep_arriving(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    mock_provider: AsyncMock,
) -> None:
    """A device that pushes every 5 minutes never postpones the safety poll.

    The poll catches what the provider dropped for a quiet device; it runs on its own
    clock, whatever the other devices push meanwhile.
    """
    day = Day(hass, freezer, await hass_client_no_auth())
    await day.deliver([_vehicle_update(charging=False, battery=60)])
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY
    polls = mock_provider.async_list_vehicles.await_count

    await day.run(
        DEFAULT_PUSH_INTERVAL - 10 * MINUTE, [_vehicle_update(charging=False, battery=61)]
    )
    assert mock_provider.async_list_vehicles.await_count == polls
    await day.run(20 * MINUTE, [_vehicle_update(charging=False, battery=62)])
    assert mock_provider.async_list_vehicles.await_count == polls + 1
    assert hass.states.get(HEALTH).state == PushHealth.HEALTHY


# Enode's client-credentials token lasts an hour and is renewed a minute before it ends.
TOKEN_LIFETIME = timedelta(minutes=59)
REQUESTS = (
    "async_list_vehicles",
    "async_list_chargers",
    "async_list_locations",
    "async_get_smart_charging_status",
    "async_get_lifetime_energy",
    "async_test_push_subscription",
    "async_validate",
)


@pytest.mark.usefixtures("init_integration")
async def test_push_on_costs_at_most_30_requests_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    hass_client_no_auth: ClientSessionGenerator,
    mock_provider: AsyncMock,
) -> None:
    """A day with push on: heartbeats, 2 h of charging, safety polls; tokens counted too.

    Every provider request is timed; a token request is counted whenever a request comes
    after the last token has expired, as the Enode client does.
    """
    times: list[datetime] = []
    for name in REQUESTS:
        method = getattr(mock_provider, name)
        effect, value = method.side_effect, method.return_value

        async def timed(*args: Any, _effect: Any = effect, _value: Any = value) -> Any:
            times.append(dt_util.utcnow())
            return await _effect(*args) if _effect is not None else _value

        method.side_effect = timed
    day = Day(hass, freezer, await hass_client_no_auth())
    heartbeat = [{"event": "system:heartbeat", "createdAt": "2026-11-02T18:00:00Z"}]
    await day.run(timedelta(minutes=10), heartbeat)  # after setup and its first reads
    start, times[:] = dt_util.utcnow(), []

    await day.run(timedelta(hours=18), heartbeat)
    await day.deliver([_vehicle_update(charging=True, battery=40)])
    await day.run(timedelta(hours=2), [_vehicle_update(charging=True, battery=60)])
    await day.deliver([_vehicle_update(charging=False, battery=80)])
    await day.run(timedelta(hours=4), heartbeat)
    assert dt_util.utcnow() - start >= timedelta(days=1)

    tokens: list[datetime] = []
    for moment in times:
        if not tokens or moment - tokens[-1] >= TOKEN_LIFETIME:
            tokens.append(moment)
    assert mock_provider.async_list_vehicles.await_count >= 4  # the safety polls ran
    assert len(times) + len(tokens) <= 30

"""The integration's Chargetrip client against the sandbox: the same wire, both sides."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from custom_components.connected_ev.api.chargetrip.client import ChargetripClient
from custom_components.connected_ev.api.chargetrip.documents import data_alias, model_alias
from custom_components.connected_ev.api.chargetrip.parse import (
    parse_connected_vehicles,
    parse_vehicle,
)
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    ProviderError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import DeviceStatusChange, LinkStatus
from sandbox.chargetrip.errors import CODES
from sandbox.chargetrip.server import ChargetripSandboxServer
from tests.sandbox.chargetrip.helpers import USER, query_of

REDIRECT = "http://127.0.0.1:9/auth/external/callback?flow_id=abc"


@pytest.fixture
def client(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> ChargetripClient:
    return ChargetripClient(session, server.client_id, server.app_id, token, base_url=server.url)


async def requests_served(session: aiohttp.ClientSession, server: ChargetripSandboxServer) -> int:
    async with session.get(f"{server.url}/_sandbox/requests") as response:
        return len(await response.json())


async def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) until the sandbox reached a state."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sandbox never reached the expected state")


async def test_link_then_refresh(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, client: ChargetripClient
) -> None:
    await client.async_validate()
    first = await client.async_search(None)
    second = await client.async_search(None, page=1)
    assert len(first) == 10
    assert {m.id for m in first}.isdisjoint({m.id for m in second})
    tesla = (await client.async_search("model y"))[0]
    assert tesla.title == "Tesla Model Y Long Range AWD"

    created = await client.async_create(tesla.id, REDIRECT, label="Family")
    assert created.status is LinkStatus.LINKING
    assert created.authorization_url is not None
    async with session.post(
        created.authorization_url, data={"action": "continue"}, allow_redirects=False
    ) as response:
        back = response.headers["Location"]
    assert query_of(back)["flow_id"] == ["abc"]
    authorized = await client.async_authorize(created.id, query_of(back)["code"][0])
    assert authorized.status is LinkStatus.LINKED

    envelope = await client.async_refresh([(created.id, tesla.id)])
    assert envelope.failures == ()
    (listed,) = parse_connected_vehicles(envelope.data["vehicles"])
    assert listed.label == "Family"
    vehicle = parse_vehicle(listed, envelope.data[data_alias(0)], envelope.data[model_alias(0)])
    car = server.world.vehicles[created.id].sim
    assert car is not None
    assert vehicle.information.vin == car.vin
    assert vehicle.charge_state.battery_level == pytest.approx(car.soc, abs=0.1)
    assert vehicle.charge_state.battery_capacity_kwh == tesla.usable_kwh
    assert vehicle.location is not None
    assert (vehicle.location.latitude, vehicle.location.longitude) == (car.latitude, car.longitude)
    assert vehicle.odometer is not None
    assert vehicle.odometer.distance_km == pytest.approx(car.odometer_km, abs=0.1)


@pytest.mark.parametrize("count", [1, 10, 100])
async def test_refresh_is_one_request(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    client: ChargetripClient,
    count: int,
) -> None:
    vehicles = server.world.seed_connected(USER, count)
    before = await requests_served(session, server)
    envelope = await client.async_refresh([(v.id, v.model.id) for v in vehicles])
    assert await requests_served(session, server) == before + 1
    assert envelope.failures == ()
    assert len(envelope.data["vehicles"]) == count


async def test_partial_refresh_keeps_what_arrived(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, client: ChargetripClient
) -> None:
    first, second = server.world.seed_connected(USER, 2)
    injected = {"field": "connectedVehicleData", "code": "ENODE_PROXY_EXCEPTION", "id": second.id}
    async with session.post(f"{server.url}/_sandbox/errors", json=injected) as response:
        assert response.status == 201
    envelope = await client.async_refresh(
        [(first.id, first.model.id), (second.id, second.model.id)]
    )
    assert envelope.data[data_alias(0)]["battery"]["percentage"] > 0
    failure = envelope.failure_at(data_alias(1))
    assert failure is not None
    assert failure.code == "enode_proxy_exception"


@pytest.mark.parametrize("case", ["upper", "lower"])
@pytest.mark.parametrize("code", list(CODES))
async def test_every_code_becomes_a_typed_error(
    session: aiohttp.ClientSession,
    server: ChargetripSandboxServer,
    client: ChargetripClient,
    code: str,
    case: str,
) -> None:
    async with session.post(f"{server.url}/_sandbox/settings", json={"errorCodeCase": case}):
        pass
    injected = {"field": "connectedVehicleList", "code": code}
    async with session.post(f"{server.url}/_sandbox/errors", json=injected) as response:
        assert response.status == 201
    with pytest.raises(ProviderError) as caught:
        await client.async_validate()
    assert type(caught.value) is not ProviderError, code
    if code.startswith("AUTH_TOKEN") or code == "UNAUTHORIZED":
        assert isinstance(caught.value, AuthenticationError)
    if code == "RATE_LIMIT_EXCEEDED":
        assert isinstance(caught.value, RateLimitedError)


async def test_real_auth_failures(
    session: aiohttp.ClientSession, server: ChargetripSandboxServer, token: str
) -> None:
    wrong_app = ChargetripClient(session, server.client_id, "x", token, base_url=server.url)
    with pytest.raises(AuthenticationError):
        await wrong_app.async_validate()
    server.world.expire(token)
    expired = ChargetripClient(session, server.client_id, server.app_id, token, base_url=server.url)
    with pytest.raises(AuthenticationError):
        await expired.async_validate()
    with pytest.raises(AuthenticationError):
        async for _ in expired.async_watch(["any"]):
            pass


# aiohttp re-arms a client socket's heartbeat timer when the server's close reply arrives
# after ``close()`` started; the socket is closed, only that timer outlives the test.
@pytest.mark.parametrize("expected_lingering_timers", [True])
async def test_watch_then_remove(server: ChargetripSandboxServer, client: ChargetripClient) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)
    changes: list[DeviceStatusChange] = []

    async def watch() -> None:
        stream: AsyncIterator[DeviceStatusChange] = client.async_watch([vehicle.id])
        async for change in stream:
            changes.append(change)

    task = asyncio.create_task(watch())
    await until(lambda: server.world.subscriptions.get(vehicle.id) == 1)
    with pytest.raises(ConflictError):
        await client.async_remove(vehicle.id)  # a subscription is open

    server.world.set_status(vehicle, "pending_removal")
    await server.advance(5)
    async with asyncio.timeout(5):
        await task  # the subscription completes after "removed"
    assert [c.status for c in changes] == [LinkStatus.REMOVING, LinkStatus.REMOVED]
    assert server.world.subscriptions[vehicle.id] == 0


async def test_remove_after_watch_closed(
    server: ChargetripSandboxServer, client: ChargetripClient
) -> None:
    (vehicle,) = server.world.seed_connected(USER, 1)
    stream = client.async_watch([vehicle.id])
    task = asyncio.create_task(anext(stream))
    await until(lambda: server.world.subscriptions.get(vehicle.id) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await until(lambda: server.world.subscriptions.get(vehicle.id) == 0)
    await client.async_remove(vehicle.id)
    assert vehicle.status == "pending_removal"

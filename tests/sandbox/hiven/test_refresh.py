"""Hiven's own reads of a car: the status ``timestamp`` moves and car-side changes arrive then.

All on the sandbox clock (scale 0): nothing waits in real time.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from sandbox.hiven import __main__ as cli
from sandbox.hiven.server import HivenSandboxServer
from sandbox.hiven.state import DEFAULT_API_KEY
from sandbox.hiven.world import REFRESH_CADENCE

from .conftest import USER

IDLE = (REFRESH_CADENCE.idle * 0.9, REFRESH_CADENCE.idle * 1.1)
CHARGING = (REFRESH_CADENCE.charging * 0.9, REFRESH_CADENCE.charging * 1.1)


@pytest.fixture
async def cadenced() -> AsyncIterator[HivenSandboxServer]:
    """Run a Hiven sandbox that reads its cars on its own cadence."""
    async with HivenSandboxServer(time_scale=0, provider_cadence=True) as running:
        yield running


async def _call(
    session: aiohttp.ClientSession, server: HivenSandboxServer, method: str, path: str, **kw: Any
) -> tuple[int, Any]:
    headers = {"X-Api-Key": DEFAULT_API_KEY, "X-User-Id": USER}
    async with session.request(method, server.url + path, headers=headers, **kw) as response:
        return response.status, await response.json(content_type=None)


async def _seed(session: aiohttp.ClientSession, server: HivenSandboxServer) -> str:
    status, ids = await _call(session, server, "POST", f"/_sandbox/users/{USER}/seed", json={})
    assert status == 200
    device_id: str = ids["deviceIds"][0]
    return device_id


async def _status(
    session: aiohttp.ClientSession, server: HivenSandboxServer, device_id: str
) -> dict[str, Any]:
    status, body = await _call(session, server, "GET", f"/v1/hiven/devices/{device_id}/status")
    assert status == 200
    result: dict[str, Any] = body
    return result


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def _gaps(
    session: aiohttp.ClientSession, server: HivenSandboxServer, device_id: str, count: int
) -> list[float]:
    """Step the clock a minute at a time; return the gaps between ``timestamp`` moves."""
    seen = [_ts((await _status(session, server, device_id))["timestamp"])]
    for _ in range(count * 40):
        await server.advance(60)
        stamp = _ts((await _status(session, server, device_id))["timestamp"])
        if stamp != seen[-1]:
            seen.append(stamp)
        if len(seen) > count:
            break
    return [later - earlier for earlier, later in itertools.pairwise(seen)]


async def test_idle_car_is_read_about_every_thirty_minutes(
    session: aiohttp.ClientSession, cadenced: HivenSandboxServer
) -> None:
    device_id = await _seed(session, cadenced)
    first = (await _status(session, cadenced, device_id))["timestamp"]
    await cadenced.advance(600)
    assert (await _status(session, cadenced, device_id))["timestamp"] == first
    gaps = await _gaps(session, cadenced, device_id, 3)
    assert len(gaps) == 3
    assert all(IDLE[0] - 60 <= gap <= IDLE[1] + 60 for gap in gaps), gaps


async def test_charging_car_is_read_about_every_five_minutes(
    session: aiohttp.ClientSession, cadenced: HivenSandboxServer
) -> None:
    device_id = await _seed(session, cadenced)
    path = f"/_sandbox/vehicles/{device_id}"
    await _call(session, cadenced, "PATCH", path, json={"soc": 10, "chargingStatus": "CHARGING"})
    # The read planned before the charge began keeps its idle gap; from then on, 5 minutes.
    await cadenced.advance(REFRESH_CADENCE.idle * 1.1)
    gaps = await _gaps(session, cadenced, device_id, 4)
    assert all(CHARGING[0] - 60 <= gap <= CHARGING[1] + 60 for gap in gaps), gaps


async def test_car_side_change_shows_at_the_next_read(
    session: aiohttp.ClientSession, cadenced: HivenSandboxServer
) -> None:
    device_id = await _seed(session, cadenced)
    before = await _status(session, cadenced, device_id)
    status, reply = await _call(
        session,
        cadenced,
        "POST",
        f"/_sandbox/vehicles/{device_id}/car-changes",
        json={"soc": 12, "chargingStatus": "DISCONNECTED"},
    )
    assert status == 202
    assert reply["pending"] == {"soc": 12, "chargingStatus": "DISCONNECTED"}
    applies_at = _ts(reply["appliesAt"])
    await cadenced.advance(applies_at - cadenced.clock.now() - 1)
    assert await _status(session, cadenced, device_id) == before
    await cadenced.advance(1.01)
    after = await _status(session, cadenced, device_id)
    assert (after["soc"], after["chargingStatus"]) == (12, "DISCONNECTED")
    assert _ts(after["timestamp"]) == pytest.approx(applies_at, abs=0.001)


async def test_car_side_change_validation_and_cars_nobody_added(
    session: aiohttp.ClientSession, cadenced: HivenSandboxServer
) -> None:
    device_id = await _seed(session, cadenced)
    path = f"/_sandbox/vehicles/{device_id}/car-changes"
    assert (await _call(session, cadenced, "POST", path, json={"soc": 101}))[0] == 400
    bad = {"chargingStatus": "FLYING"}
    assert (await _call(session, cadenced, "POST", path, json=bad))[0] == 400
    missing = "/_sandbox/vehicles/nope/car-changes"
    assert (await _call(session, cadenced, "POST", missing, json={}))[0] == 404
    # A car nobody added is not read: its change waits, and removing a car stops its reads.
    await _call(session, cadenced, "PATCH", f"/_sandbox/vehicles/{device_id}", json={"owner": None})
    status, reply = await _call(session, cadenced, "POST", path, json={"soc": 50})
    assert (status, reply["appliesAt"]) == (202, None)
    await cadenced.advance(7200)
    owned = {"owner": USER}
    _, car = await _call(session, cadenced, "PATCH", f"/_sandbox/vehicles/{device_id}", json=owned)
    assert car["status"]["soc"] != 50
    await cadenced.advance(REFRESH_CADENCE.idle * 1.1)
    assert (await _status(session, cadenced, device_id))["soc"] == 50
    assert (await _call(session, cadenced, "DELETE", f"/v2/hiven/devices/{device_id}"))[0] == 204
    assert cadenced.world.refreshes.next_refresh(device_id) is None


async def test_without_cadence_car_side_changes_show_at_once(
    session: aiohttp.ClientSession, server: HivenSandboxServer
) -> None:
    device_id = await _seed(session, server)
    path = f"/_sandbox/vehicles/{device_id}/car-changes"
    status, reply = await _call(session, server, "POST", path, json={"soc": 44})
    assert (status, reply["pending"]) == (202, {})
    assert (await _status(session, server, device_id))["soc"] == 44


def test_cli_reads_on_the_cadence_unless_told_not_to() -> None:
    parser = cli.build_parser()
    assert cli.server_from_args(parser.parse_args([])).world.provider_cadence is True
    plain = cli.server_from_args(parser.parse_args(["--no-provider-cadence"]))
    assert plain.world.provider_cadence is False

"""Enode's own refresh cadence: ``lastSeen`` moves and car-side changes arrive only then.

All on the sandbox clock (scale 0): nothing waits in real time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from sandbox.enode import __main__ as cli
from sandbox.enode.server import SandboxServer
from sandbox.enode.world import REFRESH_CADENCE
from tests.sandbox.enode.helpers import Api, Receiver, seed

IDLE = (REFRESH_CADENCE.idle * 0.9, REFRESH_CADENCE.idle * 1.1)
CHARGING = (REFRESH_CADENCE.charging * 0.9, REFRESH_CADENCE.charging * 1.1)


def _cadence_server(**extra: Any) -> SandboxServer:
    return SandboxServer(
        time_scale=0,
        action_delay=5,
        background=False,
        heartbeat_interval=0,
        provider_cadence=True,
        **extra,
    )


@pytest.fixture
async def cadenced() -> AsyncIterator[SandboxServer]:
    """Run a sandbox whose devices Enode reads on its own cadence."""
    async with _cadence_server() as running:
        yield running


@pytest.fixture
def capi(session: aiohttp.ClientSession, cadenced: SandboxServer) -> Api:
    return Api(session, cadenced)


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def _vehicle(api: Api, vehicle_id: str) -> dict[str, Any]:
    reply = await api.get(f"/vehicles/{vehicle_id}")
    assert reply.status == 200, reply.text
    result: dict[str, Any] = reply.json
    return result


async def _seen_moves(api: Api, server: SandboxServer, path: str, count: int) -> list[float]:
    """Step the clock 10 s at a time; return the first ``count`` gaps between lastSeen moves."""
    seen = [_ts((await api.get(path)).json["lastSeen"])]
    for _ in range(count * 60):
        await server.advance(10)
        last = _ts((await api.get(path)).json["lastSeen"])
        if last != seen[-1]:
            seen.append(last)
        if len(seen) > count:
            break
    return [round(later - earlier, 1) for earlier, later in itertools.pairwise(seen)]


async def test_idle_vehicle_is_seen_about_every_seven_minutes(
    capi: Api, cadenced: SandboxServer
) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    first = (await _vehicle(capi, vehicle_id))["lastSeen"]
    await cadenced.advance(60)
    assert (await _vehicle(capi, vehicle_id))["lastSeen"] == first  # not read again yet
    gaps = await _seen_moves(capi, cadenced, f"/vehicles/{vehicle_id}", 4)
    assert len(gaps) == 4
    # Read every 7 minutes ±10 % (seen within the 10-second steps), and not like clockwork.
    assert all(IDLE[0] - 10 <= gap <= IDLE[1] + 10 for gap in gaps), gaps
    assert len(set(gaps)) > 1


async def test_charging_vehicle_and_its_charger_are_seen_about_every_two_minutes(
    capi: Api, cadenced: SandboxServer
) -> None:
    ids = await seed(capi, "u", vehicles=1, chargers=1)
    vehicle_id, charger_id = ids["vehicleIds"][0], ids["chargerIds"][0]
    await capi.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 10})
    await capi.admin(
        "POST", f"/vehicles/{vehicle_id}/plug", {"chargerId": charger_id, "autoStart": True}
    )
    # The gap planned at the read before charging began is the idle one; from then on, 2 min.
    await cadenced.advance(REFRESH_CADENCE.idle * 1.1)
    for path in (f"/vehicles/{vehicle_id}", f"/chargers/{charger_id}"):
        gaps = await _seen_moves(capi, cadenced, path, 3)
        assert all(CHARGING[0] - 10 <= gap <= CHARGING[1] + 10 for gap in gaps), gaps


async def test_car_side_change_shows_at_the_next_refresh(
    capi: Api, cadenced: SandboxServer
) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    before = await _vehicle(capi, vehicle_id)
    reply = await capi.raw(
        "POST",
        f"/_sandbox/vehicles/{vehicle_id}/car-changes",
        json={"odometer": 12345, "batteryLevel": 33},
    )
    assert reply.status == 202
    assert reply.json["pending"] == {"odometer": 12345, "batteryLevel": 33}
    applies_at = _ts(reply.json["appliesAt"])
    now = cadenced.clock.now()
    assert IDLE[0] <= applies_at - _ts(before["lastSeen"]) <= IDLE[1]

    await cadenced.advance(applies_at - now - 1)  # a second before Enode reads the car
    unchanged = await _vehicle(capi, vehicle_id)
    assert unchanged["odometer"] == before["odometer"]
    assert unchanged["chargeState"]["batteryLevel"] == before["chargeState"]["batteryLevel"]
    assert unchanged["lastSeen"] == before["lastSeen"]

    await cadenced.advance(1.01)
    after = await _vehicle(capi, vehicle_id)
    assert after["odometer"]["distance"] == 12345
    assert after["chargeState"]["batteryLevel"] == 33
    assert _ts(after["lastSeen"]) == pytest.approx(applies_at, abs=0.001)
    assert _ts(after["odometer"]["lastUpdated"]) == pytest.approx(applies_at, abs=0.001)
    state = await capi.admin("GET", "/state")
    assert state["vehicles"][0]["odometer_km"] == 12345


async def test_later_car_side_values_win_and_direct_changes_stay_immediate(
    capi: Api, cadenced: SandboxServer
) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    path = f"/vehicles/{vehicle_id}/car-changes"
    await capi.admin("POST", path, {"odometer": 100})
    waiting = await capi.admin("POST", path, {"odometer": 200, "chargeLimit": 90})
    assert waiting["pending"] == {"odometer": 200, "chargeLimit": 90}
    # PATCH is what Enode shows, at once; it counts as a read (lastSeen is now).
    patched = await capi.admin("PATCH", f"/vehicles/{vehicle_id}", {"batteryLevel": 61})
    assert patched["chargeState"]["batteryLevel"] == 61
    assert _ts(patched["lastSeen"]) == pytest.approx(cadenced.clock.now(), abs=0.001)
    await cadenced.advance(_ts(waiting["appliesAt"]) - cadenced.clock.now() + 0.01)
    vehicle = await _vehicle(capi, vehicle_id)
    assert vehicle["odometer"]["distance"] == 200
    assert vehicle["chargeState"]["chargeLimit"] == 90
    assert vehicle["chargeState"]["batteryLevel"] == 61


async def test_unreachable_vehicle_is_not_read_and_its_changes_wait(
    capi: Api, cadenced: SandboxServer
) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    await capi.admin("PATCH", f"/vehicles/{vehicle_id}", {"isReachable": False})
    before = await _vehicle(capi, vehicle_id)
    await capi.admin("POST", f"/vehicles/{vehicle_id}/car-changes", {"odometer": 777})
    await cadenced.advance(3600)
    asleep = await _vehicle(capi, vehicle_id)
    assert asleep["lastSeen"] == before["lastSeen"]
    assert asleep["odometer"] == before["odometer"]
    await capi.admin("PATCH", f"/vehicles/{vehicle_id}", {"isReachable": True})
    assert (await _vehicle(capi, vehicle_id))["odometer"] == before["odometer"]
    await cadenced.advance(REFRESH_CADENCE.idle * 1.1)
    assert (await _vehicle(capi, vehicle_id))["odometer"]["distance"] == 777


async def test_car_side_change_reaches_webhooks_only_after_the_refresh(
    capi: Api, cadenced: SandboxServer, receiver: Receiver
) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    await cadenced.settle()
    await capi.post("/webhooks", {"url": receiver.url, "secret": "0123456789abcdef-secret"})
    waiting = await capi.admin("POST", f"/vehicles/{vehicle_id}/car-changes", {"odometer": 5})
    await cadenced.advance(60)
    assert "user:vehicle:updated" not in receiver.names()
    await cadenced.advance(_ts(waiting["appliesAt"]) - cadenced.clock.now() + 0.01)
    updates = [e for e in receiver.events if e["event"] == "user:vehicle:updated"]
    assert [e["vehicle"]["odometer"]["distance"] for e in updates] == [5]
    assert "odometer.distance" in updates[0]["updatedFields"]


async def test_car_side_change_validation(capi: Api) -> None:
    vehicle_id = (await seed(capi, "u", vehicles=1))["vehicleIds"][0]
    path = f"/_sandbox/vehicles/{vehicle_id}/car-changes"
    assert (await capi.raw("POST", path, json={"isReachable": False})).status == 400
    assert (await capi.raw("POST", path, json={"batteryLevel": 101})).status == 400
    missing = await capi.raw("POST", "/_sandbox/vehicles/nope/car-changes", json={})
    assert missing.status == 404


async def test_pool_vehicle_change_waits_for_linking(capi: Api) -> None:
    """Enode does not read a vehicle nobody linked: nothing is planned for it."""
    pool_id = (await capi.admin("POST", "/devices", {"vehicles": 1}))["vehicleIds"][0]
    reply = await capi.admin("POST", f"/vehicles/{pool_id}/car-changes", {"odometer": 9})
    assert reply["appliesAt"] is None


async def test_schedule_is_the_same_for_the_same_seed(session: aiohttp.ClientSession) -> None:
    plans = []
    for extra_first in (False, True):
        async with _cadence_server(seed=7) as server:
            api = Api(session, server)
            vehicle_id = (await seed(api, "u", vehicles=1))["vehicleIds"][0]
            if extra_first:  # another device read meanwhile does not move this one's reads
                await seed(api, "other", vehicles=1)
            plans.append(await _seen_moves(api, server, f"/vehicles/{vehicle_id}", 3))
    assert plans[0] == plans[1]


async def test_without_cadence_car_side_changes_show_at_once(api: Api) -> None:
    vehicle_id = (await seed(api, "u", vehicles=1))["vehicleIds"][0]
    reply = await api.admin("POST", f"/vehicles/{vehicle_id}/car-changes", {"odometer": 4242})
    assert reply["pending"] == {}
    assert (await _vehicle(api, vehicle_id))["odometer"]["distance"] == 4242


async def test_restart_keeps_waiting_changes_and_reads_again(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    path = tmp_path / "state.json"
    async with _cadence_server(state_path=path) as first:
        api = Api(session, first)
        vehicle_id = (await seed(api, "u", vehicles=1))["vehicleIds"][0]
        await api.admin("POST", "/devices", {"chargers": 1})  # nobody's: not read
        await api.admin("POST", f"/vehicles/{vehicle_id}/car-changes", {"odometer": 31})
        await first.sandbox.state_file.save()  # type: ignore[union-attr]
    async with _cadence_server(state_path=path) as second:
        assert second.restored is True
        api = Api(session, second)
        await second.advance(REFRESH_CADENCE.idle * 1.1)
        assert (await _vehicle(api, vehicle_id))["odometer"]["distance"] == 31

    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "carChanges": ["odometer"]}))
    async with _cadence_server(state_path=path) as third:
        assert third.restored is False  # not understood: a fresh start


def test_cli_reads_on_the_cadence_unless_told_not_to() -> None:
    parser = cli.build_parser()
    assert cli.server_from_args(parser.parse_args([])).world.provider_cadence is True
    plain = cli.server_from_args(parser.parse_args(["--no-provider-cadence"]))
    assert plain.world.provider_cadence is False

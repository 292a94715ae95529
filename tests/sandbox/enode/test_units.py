"""Unit tests of the pure parts: clock, world rules, validation helpers, dispatcher edges."""

from __future__ import annotations

from unittest.mock import AsyncMock, Mock

import pytest
from aiohttp import web

from sandbox.clock import SimClock, isoformat
from sandbox.enode import catalog
from sandbox.enode.validation import present
from sandbox.enode.webhooks import WebhookDispatcher
from sandbox.enode.world import World, haversine_m
from sandbox.faults import Fault, apply_fault
from sandbox.problems import ApiProblem, problem_slug


def _world() -> World:
    return World(SimClock(scale=0, start=1_700_000_000.0))


def test_clock() -> None:
    ticks = iter([10.0, 12.0, 12.0, 12.0, 12.0])
    clock = SimClock(scale=2, start=100.0, monotonic=lambda: next(ticks))
    assert clock.now() == 104.0
    assert clock.advance(6) == 110.0
    assert clock.iso_now() == isoformat(110.0)
    assert isoformat(0) == "1970-01-01T00:00:00.000Z"
    with pytest.raises(ValueError, match="negative"):
        SimClock(scale=-1)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_haversine() -> None:
    assert haversine_m(0, 0, 0, 0) == 0
    assert 110_000 < haversine_m(0, 0, 1, 0) < 112_000


def test_present_and_problem_helpers() -> None:
    assert present(0) == 0
    with pytest.raises(ApiProblem):
        present(None)
    assert problem_slug(418) == ("error", "Error")


def test_generic_profiles() -> None:
    world = _world()
    vehicle = world.create_vehicle("MG")
    assert vehicle.brand == "MG"
    assert vehicle.model == "MG EV"
    charger = world.create_charger("KEBA")
    assert charger.serial_number.startswith("KEB")
    assert catalog.intervention_ids("MG", "vehicle", "location") == ()


def test_default_vendors_rotate() -> None:
    world = _world()
    vendors = [world.create_vehicle().vendor for _ in range(len(catalog.SEED_VEHICLE_VENDORS) + 1)]
    assert vendors[0] == vendors[-1] == "TESLA"
    assert world.create_charger().vendor == "ZAPTEC"


def test_world_is_deterministic() -> None:
    first, second = _world(), _world()
    assert first.create_vehicle().vin == second.create_vehicle().vin
    assert first.new_id() == second.new_id()


def test_resolve_for_vanished_target() -> None:
    world = _world()
    vehicle, charger = world.seed_user("u", vehicles=1, chargers=1)[0][0], world.chargers_of("u")[0]
    action = world.set_max_current("charger", charger.id, 10)
    charger.user_id = "someone-else"
    world.clock.advance(10)
    world.now()
    assert action.state == "FAILED"
    assert action.failure_type == "NOT_FOUND"
    assert vehicle.user_id == "u"


def test_no_events_for_deauthorized_actions() -> None:
    world = _world()
    heard: list[str] = []
    world.listeners.append(lambda event: heard.append(event.name))
    charger = world.seed_user("u", chargers=1)[1][0]
    action = world.set_max_current("charger", charger.id, 10)
    world.deauthorize_user("u")
    heard.clear()
    world.clock.advance(10)
    world.now()
    assert action.state == "FAILED"
    assert heard == []


def test_lowering_charge_limit_stops_charging() -> None:
    world = _world()
    vehicle = world.seed_user("u", vehicles=1)[0][0]
    world.patch_vehicle(vehicle.id, battery_level=60)
    world.plug(vehicle.id, None, auto_start=True)
    assert world.power_delivery_state(vehicle) == "PLUGGED_IN:CHARGING"
    world.patch_vehicle(vehicle.id, charge_limit=55)
    assert world.power_delivery_state(vehicle) == "PLUGGED_IN:COMPLETE"
    world.patch_vehicle(vehicle.id, charge_limit=90)
    assert world.power_delivery_state(vehicle) == "PLUGGED_IN:STOPPED"


def test_invalidate_credentials_per_vendor() -> None:
    world = _world()
    world.seed_user("u", vehicles=1, chargers=1, vehicle_vendor="TESLA", charger_vendor="TESLA")
    world.seed_user("u", vehicles=1, vehicle_vendor="KIA")
    assert world.invalidate_credentials("u", "KIA") == ["KIA"]
    assert world.invalidate_credentials("u") == ["TESLA"]


def test_deauthorize_drops_only_own_sessions() -> None:
    world = _world()
    mine = world.create_link_session(
        "a",
        vendor_type="vehicle",
        vendor=None,
        scopes=["vehicle:read:data"],
        language="en-US",
        redirect_uri="https://x.test/",
        color_scheme="system",
    )
    theirs = world.create_link_session(
        "b",
        vendor_type="vehicle",
        vendor=None,
        scopes=["vehicle:read:data"],
        language="en-US",
        redirect_uri="https://x.test/",
        color_scheme="system",
    )
    world.deauthorize_user("a")
    assert mine.used
    assert not theirs.used


def test_pairing_survives_other_links() -> None:
    world = _world()
    vehicles, chargers = world.seed_user("u", vehicles=1, chargers=1, vehicle_vendor="TOYOTA")
    world.plug(vehicles[0].id, chargers[0].id)
    world.unplug(vehicles[0].id)
    world.seed_user("u", vehicles=1)
    assert vehicles[0].paired_charger_id == chargers[0].id


def test_pool_vehicle_is_never_reachable_through_enode() -> None:
    world = _world()
    vehicle = world.create_vehicle()
    assert not world.device_reachable(vehicle)
    assert world.paired_charger_id(vehicle) is None


def test_relink_candidates_of_vanished_asset() -> None:
    world = _world()
    vehicle = world.seed_user("u", vehicles=1)[0][0]
    session = world.create_relink_session(
        vehicle.id, language="en-US", redirect_uri="https://x.test/", color_scheme="system"
    )
    assert world.link_candidates(session) == [vehicle]
    session.relink_asset_id = "gone"
    assert world.link_candidates(session) == []


async def test_disconnect_fault_without_transport() -> None:
    request = Mock(spec=web.Request)
    request.transport = None
    response = await apply_fault(
        Fault(id="f", path="*", kind="disconnect"), request, AsyncMock(), Mock()
    )
    assert response.status == 204


async def test_dispatcher_edges() -> None:
    world = _world()
    dispatcher = WebhookDispatcher(world)
    hook = world.create_webhook(
        url="http://127.0.0.1:9/x", secret="secret", events=["*"], api_version=None, auth=None
    )
    dispatcher.enqueue({"event": "user:vehicle:updated"})
    assert dispatcher.pending(hook.id) == 1
    world.delete_webhook(hook.id)
    dispatcher.flush()
    assert dispatcher.pending(hook.id) == 0
    await dispatcher._deliver_batch(hook)  # nothing queued: nothing to do
    await dispatcher.drain()
    await dispatcher.close()

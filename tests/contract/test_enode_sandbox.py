"""Contract tests: the Enode client against the running local sandbox, over loopback.

The sandbox is an independent implementation of the same API, so these tests catch a client
and a server that agree with themselves but not with each other.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web

from custom_components.connected_ev.api.enode import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    EnodeClient,
    EnodeEndpoints,
    EnodeProvider,
    generate_webhook_secret,
    parse_delivery,
    verify_signature,
)
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ForbiddenError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    ActionState,
    ChargingCommand,
    DeviceKind,
    PowerDeliveryState,
    PushDelivery,
    PushEventKind,
    SmartChargingState,
    StatisticsResolution,
)
from sandbox.enode.payloads import SIMULATED_PRICE_PER_KWH
from sandbox.enode.server import SandboxServer

pytestmark = pytest.mark.usefixtures("socket_enabled")

USER = "contract-user"
ACTION_DELAY = 30.0
REDIRECT = "http://127.0.0.1:9/callback?state=signed-state"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def server(session: aiohttp.ClientSession) -> AsyncIterator[SandboxServer]:
    async with SandboxServer(action_delay=ACTION_DELAY, session=session) as server:
        yield server


@pytest.fixture
def client(server: SandboxServer, session: aiohttp.ClientSession) -> EnodeClient:
    return EnodeClient(
        session,
        server.client_id,
        server.client_secret,
        EnodeEndpoints.for_base_url(server.url),
        request_timeout=5,
    )


async def _admin(
    session: aiohttp.ClientSession, server: SandboxServer, method: str, route: str, **body: Any
) -> Any:
    async with session.request(method, f"{server.url}/_sandbox{route}", json=body) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json() if resp.content_type == "application/json" else None


async def _link_through_ui(
    session: aiohttp.ClientSession, link_url: str, action: str = "continue"
) -> str:
    """Do what a person does on the Link UI page; return where the browser is sent."""
    async with session.get(link_url) as page:
        assert page.status == 200
        html = await page.text()
    vendor = re.search(r'name="vendor"[^>]*value="([^"]+)"', html) or re.search(
        r'<option value="([^"]+)"', html
    )
    assert vendor is not None
    form = {"vendor": vendor.group(1), "device": "", "action": action}
    async with session.post(link_url, data=form, allow_redirects=False) as resp:
        assert resp.status == 302
        return resp.headers["Location"]


async def test_wrong_credentials_are_rejected(
    server: SandboxServer, session: aiohttp.ClientSession
) -> None:
    client = EnodeClient(
        session, server.client_id, "wrong", EnodeEndpoints.for_base_url(server.url)
    )
    with pytest.raises(AuthenticationError):
        await client.async_validate_credentials()


async def test_link_plug_charge_and_soc_rises(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    """Link a vehicle and a charger, plug in, START is confirmed and the SoC rises."""
    await client.async_validate_credentials()
    assert await client.async_list_vehicles(USER) == []

    link = await client.async_create_link_session(
        USER, vendor_type=DeviceKind.VEHICLE, language="en-US", redirect_uri=REDIRECT
    )
    back = await _link_through_ui(session, link.link_url)
    assert parse_qs(urlsplit(back).query) == {"state": ["signed-state"]}
    (vehicle,) = await client.async_list_vehicles(USER)
    assert vehicle.user_id == USER

    link = await client.async_create_link_session(
        USER, vendor_type=DeviceKind.CHARGER, language="en-US", redirect_uri=REDIRECT
    )
    await _link_through_ui(session, link.link_url)
    (charger,) = await client.async_list_chargers(USER)

    await _admin(session, server, "POST", f"/vehicles/{vehicle.id}/plug", chargerId=charger.id)
    vehicle = await client.async_get_vehicle(vehicle.id)
    assert vehicle.charge_state.plugged_in_charger_id == charger.id
    assert (await client.async_get_charger(charger.id)).charge_state.plugged_in_vehicle_id == (
        vehicle.id
    )
    provider = EnodeProvider(client, USER)
    action = await provider.async_set_charging(
        DeviceKind.VEHICLE, vehicle.id, ChargingCommand.START
    )
    assert action.state is ActionState.PENDING
    assert action.target_kind is DeviceKind.VEHICLE

    await server.advance(ACTION_DELAY + 1)
    confirmed = await provider.async_get_charge_action(DeviceKind.VEHICLE, action.id)
    assert confirmed.state is ActionState.CONFIRMED
    charging = await client.async_get_vehicle(vehicle.id)
    assert charging.charge_state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_CHARGING
    assert charging.charge_state.charge_rate_kw

    await server.advance(1800)
    later = await client.async_get_vehicle(vehicle.id)
    assert later.charge_state.battery_level is not None
    assert charging.charge_state.battery_level is not None
    assert later.charge_state.battery_level > charging.charge_state.battery_level
    assert later.charge_state.range_km is not None
    assert charging.charge_state.range_km is not None
    assert later.charge_state.range_km > charging.charge_state.range_km


async def test_cancelled_link_comes_back_with_error(
    session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    link = await client.async_create_link_session(
        USER, vendor_type=DeviceKind.VEHICLE, language="en-US", redirect_uri=REDIRECT
    )
    back = await _link_through_ui(session, link.link_url, action="cancel")
    query = parse_qs(urlsplit(back).query)
    assert query["state"] == ["signed-state"]
    assert "error" in query
    assert "error_message" in query
    assert await client.async_list_vehicles(USER) == []


async def test_cancelled_action_and_unknown_action(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    seeded = await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=1, chargers=1)
    vehicle_id, charger_id = seeded["vehicleIds"][0], seeded["chargerIds"][0]
    await _admin(session, server, "POST", f"/vehicles/{vehicle_id}/plug", chargerId=charger_id)
    action = await client.async_set_vehicle_charging(vehicle_id, ChargingCommand.START)
    cancelled = await client.async_cancel_vehicle_action(action.id)
    assert cancelled.state is ActionState.CANCELLED
    with pytest.raises(NotFoundError):
        await client.async_get_vehicle_action("00000000-0000-0000-0000-000000000000")


async def test_locations_and_charger_location(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    seeded = await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=0, chargers=1)
    charger_id = seeded["chargerIds"][0]
    home = await client.async_create_location(
        USER, name="Home", latitude=59.91, longitude=10.75, timezone="Europe/Oslo"
    )
    assert home.timezone == "Europe/Oslo"
    renamed = await client.async_update_location(home.id, name="Cottage")
    assert renamed.name == "Cottage"
    assert renamed.latitude == pytest.approx(59.91)
    assert [loc.id for loc in await client.async_list_locations(USER)] == [home.id]

    charger = await client.async_set_charger_location(charger_id, home.id)
    assert charger.location_id == home.id
    charger = await client.async_set_charger_location(charger_id, None)
    assert charger.location_id is None

    deleted = await client.async_delete_location(home.id)
    assert deleted.id == home.id
    assert await client.async_list_locations(USER) == []
    with pytest.raises(NotFoundError):
        await client.async_get_location(home.id)


async def test_smart_charging_policy_round_trip(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    seeded = await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=1, chargers=0)
    vehicle_id = seeded["vehicleIds"][0]
    policy = await client.async_update_smart_charging_policy(
        vehicle_id, is_enabled=True, deadline="07:30", minimum_charge_limit=20
    )
    assert (policy.is_enabled, policy.deadline, policy.minimum_charge_limit) == (
        True,
        "07:30",
        20,
    )
    partial = await client.async_update_smart_charging_policy(vehicle_id, is_enabled=False)
    assert (partial.deadline, partial.minimum_charge_limit) == ("07:30", 20)
    assert await client.async_get_smart_charging_policy(vehicle_id) == partial


async def test_pagination_lists_every_vehicle(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    seeded = await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=7, chargers=0)
    await _admin(session, server, "DELETE", "/requests")
    vehicles = await client.async_list_vehicles(USER, page_size=3)
    assert sorted(v.id for v in vehicles) == sorted(seeded["vehicleIds"])
    counts = await _admin(session, server, "GET", "/requests")
    assert counts["byRoute"] == {"POST /oauth2/token": 1, "GET /users/{userId}/vehicles": 3}


async def test_webhook_delivery_is_signed_and_parses(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    """A registered webhook receives signed deliveries the client's verifier accepts."""
    secret = generate_webhook_secret()
    received: list[PushDelivery] = []
    arrived = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        verify_signature(secret, body, request.headers.get(SIGNATURE_HEADER))
        received.append(parse_delivery(body, request.headers.get(DELIVERY_HEADER)))
        arrived.set()
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        hook = await client.async_create_webhook(f"http://127.0.0.1:{port}/hook", secret)
        result = await client.async_test_webhook(hook.id)
        assert result.success
        assert received[0].events[0].kind is PushEventKind.TEST

        arrived.clear()
        await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=1, chargers=0)
        await server.settle()
        await asyncio.wait_for(arrived.wait(), timeout=5)
        kinds = {event.kind for delivery in received[1:] for event in delivery.events}
        assert kinds & {PushEventKind.DISCOVERED, PushEventKind.UPDATED}
        assert all(delivery.delivery_id for delivery in received)
        assert len({d.delivery_id for d in received}) == len(received)

        await client.async_delete_webhook(hook.id)
        assert await client.async_list_webhooks() == []
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "rate_limit", "retryAfter": 42}, RateLimitedError),
        ({"kind": "error", "status": 503}, ProviderUnavailableError),
        ({"kind": "malformed"}, InvalidResponseError),
        # aiohttp retries an idempotent request once on a dropped keep-alive connection.
        ({"kind": "disconnect", "count": 2}, ProviderUnavailableError),
    ],
)
async def test_faults_become_typed_errors(
    server: SandboxServer,
    session: aiohttp.ClientSession,
    client: EnodeClient,
    fault: dict[str, Any],
    error: type[Exception],
) -> None:
    await _admin(session, server, "POST", "/faults", path=f"/users/{USER}/vehicles", **fault)
    with pytest.raises(error) as info:
        await client.async_list_vehicles(USER)
    if isinstance(info.value, RateLimitedError):
        assert info.value.retry_after == 42
    assert await client.async_list_vehicles(USER) == []


async def test_expired_token_is_refreshed_transparently(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    await client.async_list_vehicles(USER)
    await _admin(
        session, server, "POST", "/faults", path=f"/users/{USER}/chargers", kind="token_expiry"
    )
    assert await client.async_list_chargers(USER) == []


async def test_start_with_nothing_plugged_in_is_refused_with_a_reason(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    """START with no cable in is a precondition failure carrying the provider's reason."""
    seeded = await _admin(session, server, "POST", f"/users/{USER}/seed", vehicles=1, chargers=1)
    with pytest.raises(NotCapableError) as info:
        await client.async_set_vehicle_charging(seeded["vehicleIds"][0], ChargingCommand.START)
    assert info.value.detail
    with pytest.raises(NotCapableError):
        await client.async_set_charger_charging(seeded["chargerIds"][0], ChargingCommand.START)


async def test_lifetime_energy_grows_while_charging(
    server: SandboxServer, session: aiohttp.ClientSession, client: EnodeClient
) -> None:
    """The statistics request the provider sends is the one the sandbox answers with energy."""
    seeded = await _admin(
        session,
        server,
        "POST",
        f"/users/{USER}/seed",
        vehicles=1,
        chargers=1,
        vehicleVendor="TESLA",
    )
    vehicle_id, charger_id = seeded["vehicleIds"][0], seeded["chargerIds"][0]
    provider = EnodeProvider(client, USER)
    assert await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, vehicle_id) == 0

    await _admin(session, server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=40)
    await _admin(
        session,
        server,
        "POST",
        f"/vehicles/{vehicle_id}/plug",
        chargerId=charger_id,
        autoStart=True,
    )
    await server.advance(3600)
    # 16 A on three phases for an hour (the clock also runs in real time meanwhile).
    vehicle = await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, vehicle_id)
    charger = await provider.async_get_lifetime_energy(DeviceKind.CHARGER, charger_id)
    assert vehicle == pytest.approx(11.04, abs=0.05)
    assert charger == pytest.approx(vehicle, abs=0.05)
    quarters = await client.async_get_charging_statistics(
        USER,
        device_kind=DeviceKind.VEHICLE,
        device_id=vehicle_id,
        start=datetime.now(UTC) - timedelta(days=1),
        resolution=StatisticsResolution.QUARTER_HOUR,
    )
    assert math.fsum(entry.energy_kwh for entry in quarters) == pytest.approx(vehicle, abs=0.05)
    assert [entry.start.minute % 15 for entry in quarters] == [0] * len(quarters)
    # Hourly, with the cost of each hour: the sandbox's one price per kWh.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    hours = await provider.async_get_hourly_charging(
        DeviceKind.VEHICLE, vehicle_id, hour - timedelta(hours=1)
    )
    assert math.fsum(entry.energy_kwh for entry in hours) == pytest.approx(vehicle, abs=0.05)
    assert [entry.start.minute for entry in hours] == [0] * len(hours)
    for entry in hours:
        assert entry.cost == pytest.approx(entry.energy_kwh * SIMULATED_PRICE_PER_KWH, abs=0.01)
    # Without a device (no ``id``): every vehicle of the user added up, in one request.
    every = await provider.async_get_hourly_charging(
        DeviceKind.VEHICLE, None, hour - timedelta(hours=1)
    )
    assert math.fsum(entry.energy_kwh for entry in every) == pytest.approx(vehicle, abs=0.05)

    with pytest.raises(NotFoundError):
        await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, "no-such-vehicle")
    with pytest.raises(NotCapableError):  # 400: the id is a vehicle, not a charger
        await provider.async_get_lifetime_energy(DeviceKind.CHARGER, vehicle_id)


# --- smart-charging plans, 422 and 403, and a restart with a state file -----------------

PLAN_START = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
"""17:00 in Oslo: the sandbox's price peak, so plans wait for the night."""


@pytest.fixture
async def planning_server(session: aiohttp.ClientSession) -> AsyncIterator[SandboxServer]:
    """Run a sandbox whose clock stands still at a known time of day."""
    async with SandboxServer(
        action_delay=5,
        time_scale=0,
        start=PLAN_START.timestamp(),
        session=session,
        connections_limit=2,
    ) as server:
        yield server


def _client_for(server: SandboxServer, session: aiohttp.ClientSession) -> EnodeClient:
    return EnodeClient(
        session,
        server.client_id,
        server.client_secret,
        EnodeEndpoints.for_base_url(server.url),
        request_timeout=5,
    )


async def _plugged_in_at_home(
    session: aiohttp.ClientSession, server: SandboxServer, client: EnodeClient
) -> tuple[str, str]:
    """Seed a vehicle and a charger at a home location; plug in, charging from the start."""
    seeded = await _admin(
        session,
        server,
        "POST",
        f"/users/{USER}/seed",
        vehicles=1,
        chargers=1,
        vehicleVendor="TESLA",
    )
    vehicle_id, charger_id = seeded["vehicleIds"][0], seeded["chargerIds"][0]
    vehicle = await client.async_get_vehicle(vehicle_id)
    assert vehicle.location is not None
    assert vehicle.location.latitude is not None
    assert vehicle.location.longitude is not None
    home = await client.async_create_location(
        USER,
        name="Home",
        latitude=vehicle.location.latitude,
        longitude=vehicle.location.longitude,
        timezone="Europe/Oslo",
    )
    await client.async_set_charger_location(charger_id, home.id)
    await _admin(session, server, "PATCH", f"/vehicles/{vehicle_id}", batteryLevel=40)
    await _admin(
        session,
        server,
        "POST",
        f"/vehicles/{vehicle_id}/plug",
        chargerId=charger_id,
        autoStart=True,
    )
    return vehicle_id, home.id


async def test_smart_charging_plan_is_parsed(
    planning_server: SandboxServer, session: aiohttp.ClientSession
) -> None:
    """The plan the sensor shows: start, end, costs and currency, read by the real parser."""
    client = _client_for(planning_server, session)
    vehicle_id, home_id = await _plugged_in_at_home(session, planning_server, client)
    await client.async_update_smart_charging_policy(vehicle_id, is_enabled=True, deadline="07:00")
    status = await client.async_get_smart_charging_status(vehicle_id)
    assert status.state is SmartChargingState.PLAN_EXECUTING_STOPPING
    assert status.at_charging_location is True
    plan = status.plan
    assert plan is not None
    assert plan.id
    assert plan.location_id == home_id
    assert plan.stop_at == PLAN_START
    assert plan.start_at == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    assert plan.estimated_finish_at is not None
    assert plan.estimated_finish_at > plan.start_at
    assert (plan.currency, plan.smart_cost, plan.non_smart_cost) == ("NOK", 30.0, 90.0)
    assert plan.ended_at is None

    await planning_server.advance(5)
    stopped = await client.async_get_smart_charging_status(vehicle_id)
    assert stopped.state is SmartChargingState.PLAN_EXECUTING_STOPPED
    assert stopped.state_changed_at == PLAN_START + timedelta(seconds=5)


async def test_smart_charging_status_webhook_is_received_and_parsed(
    planning_server: SandboxServer, session: aiohttp.ClientSession
) -> None:
    client = _client_for(planning_server, session)
    secret = generate_webhook_secret()
    received: list[PushDelivery] = []

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        verify_signature(secret, body, request.headers.get(SIGNATURE_HEADER))
        received.append(parse_delivery(body, request.headers.get(DELIVERY_HEADER)))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await client.async_create_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/hook", secret)
        vehicle_id, _ = await _plugged_in_at_home(session, planning_server, client)
        await planning_server.settle()
        received.clear()
        await client.async_update_smart_charging_policy(
            vehicle_id, is_enabled=True, deadline="07:00"
        )
        await planning_server.advance(5)
        events = [
            event
            for delivery in received
            for event in delivery.events
            if event.kind is PushEventKind.SMART_CHARGING_STATUS_UPDATED
        ]
        assert len(events) == 1
        (event,) = events
        assert event.device_id == vehicle_id
        assert event.device_kind is DeviceKind.VEHICLE
        assert "state" in event.updated_fields
        status = event.smart_charging_status
        assert status is not None
        assert status.state is SmartChargingState.PLAN_EXECUTING_STOPPED
        assert status.plan is not None
        assert status.plan.smart_cost == 30.0
    finally:
        await runner.cleanup()


async def test_charging_under_an_active_plan_is_refused_with_422(
    planning_server: SandboxServer, session: aiohttp.ClientSession
) -> None:
    """Enode answers 422 while a plan controls charging: the client's "not capable now"."""
    client = _client_for(planning_server, session)
    vehicle_id, _ = await _plugged_in_at_home(session, planning_server, client)
    (charger,) = await client.async_list_chargers(USER)
    await client.async_update_smart_charging_policy(vehicle_id, is_enabled=True, deadline="07:00")
    with pytest.raises(NotCapableError) as info:
        await client.async_set_vehicle_charging(vehicle_id, ChargingCommand.START)
    assert info.value.status == 422
    assert info.value.detail == "The vehicle has an active smart charging plan."
    with pytest.raises(NotCapableError) as info:
        await client.async_set_charger_charging(charger.id, ChargingCommand.START)
    assert info.value.status == 422
    # A smart override is the documented way back to control.
    override = await client.async_create_smart_override(vehicle_id)
    assert override.target_id == vehicle_id
    status = await client.async_get_smart_charging_status(vehicle_id)
    assert status.state is SmartChargingState.PLAN_EXECUTING_OVERRIDDEN


async def test_link_beyond_the_connections_limit_is_forbidden(
    planning_server: SandboxServer, session: aiohttp.ClientSession
) -> None:
    client = _client_for(planning_server, session)
    await _admin(session, planning_server, "POST", f"/users/{USER}/seed", vehicles=1, chargers=1)
    with pytest.raises(ForbiddenError) as info:
        await client.async_create_link_session(
            USER, vendor_type=DeviceKind.VEHICLE, language="en-US", redirect_uri=REDIRECT
        )
    assert info.value.status == 403
    assert info.value.problem_type == "https://developers.enode.com/api/problems/forbidden"


async def test_restarted_sandbox_with_state_file_keeps_devices_and_token(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """Restarting the demo's sandbox must not make the integration lose its devices."""
    path = tmp_path / "sandbox-state.json"
    async with SandboxServer(session=session, state_path=path) as first:
        client = _client_for(first, session)
        link = await client.async_create_link_session(
            USER, vendor_type=DeviceKind.VEHICLE, language="en-US", redirect_uri=REDIRECT
        )
        await _link_through_ui(session, link.link_url)
        (vehicle,) = await client.async_list_vehicles(USER)
        port = first.port
    async with SandboxServer(session=session, state_path=path, port=port) as second:
        await _admin(session, second, "DELETE", "/requests")
        (again,) = await client.async_list_vehicles(USER)
        assert again.id == vehicle.id
        assert again.information == vehicle.information
        counts = await _admin(session, second, "GET", "/requests")
        assert "POST /oauth2/token" not in counts["byRoute"]  # the old token still works

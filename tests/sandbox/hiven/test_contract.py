"""The Hiven client against the Hiven sandbox over loopback: the whole connect flow."""

from __future__ import annotations

import re
from datetime import time

import aiohttp
import pytest
from yarl import URL

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.hiven import (
    AuthorizationMode,
    DeviceOwnedByAnotherUserError,
    HivenCapability,
    HivenChargingBehavior,
    HivenChargingStatus,
    HivenClient,
    HivenSocUnit,
    SocLevel,
)
from custom_components.connected_ev.api.models import ChargingBehavior, Weekday
from sandbox.hiven.server import HivenSandboxServer

from .conftest import REDIRECT

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def authorize(
    session: aiohttp.ClientSession,
    client: HivenClient,
    *,
    manufacturer: str = "VOLKSWAGEN",
    vehicle: str | None = None,
    action: str = "continue",
) -> URL:
    """Open the authorization URL, submit the form, return where the browser is sent."""
    url = await client.async_get_authorization_url(
        manufacturer=manufacturer,
        redirect_uri=REDIRECT,
        mode=AuthorizationMode.SIMULATED,
        state="flow-1",
    )
    async with session.get(url) as page:
        assert page.status == 200
        html = await page.text()
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    options = re.findall(r'<option value="([^"]+)"', html)
    form["vehicle"] = vehicle or options[0]
    form["action"] = action
    async with session.post(URL(url).with_query(None), data=form, allow_redirects=False) as sent:
        assert sent.status == 302
        return URL(sent.headers["Location"])


async def test_connect_flow(
    session: aiohttp.ClientSession,
    server: HivenSandboxServer,
    client: HivenClient,
    other_client: HivenClient,
) -> None:
    back = await authorize(session, client, vehicle="new")
    assert str(back.with_query(None)) == REDIRECT
    assert back.query["state"] == "flow-1"
    assert "virtual_key_url" not in back.query
    connected = await client.async_connect(auth_code=back.query["code"], redirect_url=REDIRECT)
    assert not connected.already_added

    # The code is single-use.
    with pytest.raises(NotCapableError, match="expired authorization code"):
        await client.async_connect(auth_code=back.query["code"], redirect_url=REDIRECT)

    [vehicle] = await client.async_list_devices()
    assert vehicle.id == connected.device_id
    assert vehicle.vendor == "VOLKSWAGEN"
    assert vehicle.information.brand == "Volkswagen"
    assert vehicle.information.model == "ID.4"
    assert vehicle.information.vin is not None
    assert (await client.async_get_device(vehicle.id)).id == vehicle.id

    server.world.cars[vehicle.id].charging_status = "CHARGING"
    before = await client.async_get_status(vehicle.id)
    assert before.charging_status is HivenChargingStatus.CHARGING
    assert before.battery_capacity_kwh == 77.0
    await server.advance(1800)
    after = await client.async_get_status(vehicle.id)
    assert after.soc is not None
    assert before.soc is not None
    assert after.soc == pytest.approx(min(100, before.soc + 10))
    assert after.to_charge_state().is_charging is (after.soc < 100)

    prefs = await client.async_get_ev_preferences(vehicle.id)
    assert prefs.charging_behavior is HivenChargingBehavior.SMART_CHARGE_OFF
    home = await client.async_create_location(
        latitude=60.17, longitude=24.94, country_code="FI", name="Home"
    )
    assert home.spot_price_area_id == "FI"
    await client.async_set_ev_preferences(
        vehicle.id,
        charging_behavior=ChargingBehavior.AT_LOCATION,
        charging_location_ids=[home.id],
        target_soc=SocLevel(80),
        ready_time=time(7, 0),
        default_spot_price_area_id=home.spot_price_area_id,
    )
    await client.async_set_ev_preferences(
        vehicle.id,
        minimal_soc=SocLevel(40, HivenSocUnit.KM),
        weekday_ready_times={Weekday.SATURDAY: time(10)},
    )
    prefs = await client.async_get_ev_preferences(vehicle.id)
    assert prefs.charging_behavior is HivenChargingBehavior.SMART_CHARGE_AT_LOCATION
    assert prefs.charging_location_ids == (home.id,)
    assert prefs.target_soc == SocLevel(80)
    assert prefs.minimal_soc == SocLevel(40, HivenSocUnit.KM)
    assert prefs.ready_time == time(7)
    assert prefs.weekday_ready_times == {Weekday.SATURDAY: time(10)}
    assert prefs.default_spot_price_area_id == "FI"
    [listed] = await client.async_list_devices()
    assert listed.charging_preferences is not None
    assert listed.charging_preferences.target_soc == 80

    # The device's preferences list the charging locations in the document's shape.
    [details] = await client.async_list_device_details()
    assert details.charging_preferences is not None
    [where] = details.charging_preferences.charging_locations or ()
    assert (where.id, where.spot_price_area_id) == (home.id, "FI")

    # Clearing a field that smart charging needs is refused before the PUT (A10), in the
    # user's words; the sandbox would refuse it too, in Hiven's.
    with pytest.raises(InvalidRequestError, match="target_soc is required"):
        await client.async_set_ev_preferences(vehicle.id, target_soc=None)
    assert (await client.async_get_ev_preferences(vehicle.id)).target_soc == SocLevel(80)

    # Capabilities of this car, refreshed on request (A14).
    car = server.world.cars[vehicle.id]
    assert await client.async_get_vehicle_capabilities(vehicle.id) == {
        HivenCapability(name) for name in car.model.capabilities
    }
    assert car.capability_refreshes == 0
    await client.async_get_vehicle_capabilities(vehicle.id, force_refresh=True)
    assert car.capability_refreshes == 1

    models = await client.async_list_vehicle_capabilities(
        supporting=[HivenCapability.EXECUTE_START_AND_STOP],
        not_supporting=[HivenCapability.READ_BATTERY_CAPACITY],
    )
    assert [m.make for m in models] == ["CITROEN"]
    assert "TESLA" in await client.async_list_supported_brands()

    # Connecting the same car again: 200, already added.
    again = await authorize(session, client, vehicle=vehicle.id)
    repeat = await client.async_connect(auth_code=again.query["code"], redirect_url=REDIRECT)
    assert repeat.already_added
    assert repeat.device_id == vehicle.id

    # Another user picks the same car: 409.
    stolen = await authorize(session, other_client, vehicle=vehicle.id)
    with pytest.raises(DeviceOwnedByAnotherUserError):
        await other_client.async_connect(auth_code=stolen.query["code"], redirect_url=REDIRECT)
    assert await other_client.async_list_devices() == []
    with pytest.raises(NotFoundError):
        await other_client.async_get_status(vehicle.id)

    # Removing the car, then the location.
    await client.async_delete_vehicle(vehicle.id)
    assert await client.async_list_devices() == []
    await client.async_delete_location(home.id)
    assert await client.async_list_locations() == []


async def test_tesla_virtual_key_and_cancel(
    session: aiohttp.ClientSession, client: HivenClient
) -> None:
    back = await authorize(session, client, manufacturer="TESLA", vehicle="new")
    key_url = back.query["virtual_key_url"]
    async with session.get(key_url) as page:
        assert page.status == 200
        assert "virtual key" in await page.text()
    cancelled = await authorize(session, client, action="cancel")
    assert cancelled.query["error"] == "access_denied"
    assert cancelled.query["state"] == "flow-1"
    assert "code" not in cancelled.query


async def test_locations_round_trip(client: HivenClient) -> None:
    created = await client.async_create_location(
        latitude=59.33, longitude=18.07, country_code="SE", postal_code="11120"
    )
    assert created.spot_price_area_id == "SE3"
    moved = await client.async_update_location(
        created.id, latitude=59.0, longitude=18.0, name="Hut"
    )
    assert (moved.latitude, moved.name, moved.postal_code) == (59.0, "Hut", "11120")
    assert [loc.id for loc in await client.async_list_locations()] == [created.id]
    with pytest.raises(NotFoundError):
        await client.async_update_location("missing", name="x")


async def test_errors_over_the_wire(
    session: aiohttp.ClientSession, server: HivenSandboxServer, client: HivenClient
) -> None:
    wrong = HivenClient(session, "wrong-key", "user-a", base_url=server.url)
    with pytest.raises(AuthenticationError):
        await wrong.async_list_devices()
    admin = f"{server.url}/_sandbox/faults"
    async with session.post(
        admin, json={"path": "/v2/hiven/devices", "kind": "rate_limit", "retryAfter": 7}
    ):
        pass
    with pytest.raises(RateLimitedError) as limited:
        await client.async_list_devices()
    assert limited.value.retry_after == 7
    async with session.post(admin, json={"path": "/v2/hiven/*", "kind": "error", "status": 502}):
        pass
    with pytest.raises(ProviderUnavailableError):
        await client.async_list_locations()
    async with session.post(admin, json={"path": "/v2/hiven/devices", "kind": "malformed"}):
        pass
    server.world.seed_user("user-a", vehicles=1)
    with pytest.raises(InvalidResponseError):
        await client.async_list_devices()
    async with session.post(
        admin, json={"path": "/v2/hiven/devices", "kind": "disconnect", "count": 2}
    ):
        pass
    with pytest.raises(ProviderUnavailableError):
        await client.async_list_devices()
    assert len(await client.async_list_devices()) == 1

"""The integration's Connected Cars client against the sandbox over loopback.

Everything a user's Home Assistant does with Connected Cars: discover the regions, log in once,
register a device token, read every vehicle in one request, survive an expired JWT, see the
distinct login errors and throttling, delete the device, and add a vehicle through the
workshop link.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from yarl import URL

from custom_components.connected_ev.api.connectedcars import (
    ConnectedCarsAuth,
    ConnectedCarsClient,
    InvalidEmailError,
    InvalidPasswordError,
    UnknownNamespaceError,
    add_vehicle_url,
    async_global_organizations,
)
from custom_components.connected_ev.api.errors import AuthenticationError, RateLimitedError
from custom_components.connected_ev.api.models import AddVehicleLink, Capability
from sandbox.connectedcars.server import ConnectedCarsSandboxServer
from sandbox.connectedcars.world import DEMO_EMAIL, DEMO_PASSWORD, EMPTY_EMAIL

from .conftest import NAMESPACE, Api


async def connect(
    session: aiohttp.ClientSession,
    server: ConnectedCarsSandboxServer,
    email: str = DEMO_EMAIL,
    namespace: str = NAMESPACE,
    organization: str = "semler",
) -> tuple[ConnectedCarsClient, str]:
    """Do what the config flow does; return a client that only knows the device token."""
    api_origin, auth_origin = (await async_global_organizations(session, server.url))[organization]
    login = ConnectedCarsAuth(session, auth_origin, namespace)
    access = await login.async_login_password(email, DEMO_PASSWORD)
    device = await login.async_register_device(access)
    auth = ConnectedCarsAuth(session, auth_origin, namespace, device.device_token)
    return ConnectedCarsClient(session, auth, api_origin), device.device_name


async def graphql_requests(api: Api) -> list[dict[str, Any]]:
    return [e for e in (await api.admin("GET", "/requests"))[1] if e["path"].endswith("/graphql")]


async def test_regions_point_back_at_the_sandbox(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer
) -> None:
    assert await async_global_organizations(session, server.url) == {
        "semler": (server.url, server.url),
        "vwaustralia": (server.url + "/au1", server.url + "/au1"),
    }


async def test_every_vehicle_in_one_request_per_refresh(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer, api: Api
) -> None:
    client, _ = await connect(session, server)
    await api.admin("POST", "/organizations/semler/vehicles/1/charge")
    await api.admin("POST", "/organizations/semler/vehicles/3/drive")
    await api.admin("PATCH", "/organizations/semler/vehicles/2", json={"lamps": {"engine": True}})
    await server.advance(1800)
    await api.admin("DELETE", "/requests")

    vehicles = {vehicle.id: vehicle for vehicle in await client.async_vehicles()}

    assert len(await graphql_requests(api)) == 1
    ev, phev, ice = vehicles["1"], vehicles["2"], vehicles["3"]
    assert ev.charge_state.is_charging is True
    assert ev.charge_state.charge_rate_kw == pytest.approx(11.0)
    assert ev.charge_state.battery_level == pytest.approx(64 + 5.5 / 77 * 100, abs=0.1)
    assert ev.charge_state.battery_capacity_kwh == 77.0
    assert ev.charging_session is not None
    assert ev.charging_session.start_level == 64.0
    assert ev.charging_session.energy_added_kwh == pytest.approx(5.5)
    assert ev.charging_session.minutes_to_80 is not None
    assert ev.condition is not None
    assert ev.condition.lifetime_charged_kwh is not None
    assert ev.condition.ignition_on is False
    assert Capability.BATTERY in ev.capabilities
    assert phev.condition is not None
    assert phev.condition.fuel_level_percent == 70.0
    assert phev.condition.warning_lamps == ("Engine warning",)
    assert phev.condition.healthy is False
    assert ice.charge_state.battery_level is None
    assert ice.condition is not None
    assert ice.condition.ignition_on is True
    assert ice.location is not None
    assert ice.odometer is not None
    assert Capability.BATTERY not in ice.capabilities
    assert ice.information.vin is not None
    assert len(ice.information.vin) == 17

    # A second refresh is a second request, not one per vehicle.
    await client.async_vehicles()
    assert len(await graphql_requests(api)) == 2


async def test_an_expired_jwt_is_renewed_once_from_the_device_token(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer, api: Api
) -> None:
    client, _ = await connect(session, server)
    await client.async_vehicles()
    # The sandbox's clock says the client's JWT has expired; the client's own does not.
    await server.advance(3600)
    await api.admin("DELETE", "/requests")
    assert len(await client.async_vehicles()) == 3
    _, log = await api.admin("GET", "/requests")
    assert [entry["path"] for entry in log] == [
        "/graphql",
        "/auth/login/deviceToken",
        "/graphql",
    ]

    # A revoked device token means re-authentication.
    await api.admin("POST", "/tokens/revoke", json={})
    with pytest.raises(AuthenticationError):
        await client.async_vehicles()


async def test_login_errors_are_distinct(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer, api: Api
) -> None:
    auth = ConnectedCarsAuth(session, server.url, NAMESPACE)
    with pytest.raises(InvalidEmailError):
        await auth.async_login_password("nobody@example.com", DEMO_PASSWORD)
    with pytest.raises(InvalidPasswordError):
        await auth.async_login_password(DEMO_EMAIL, "wrong")
    with pytest.raises(UnknownNamespaceError):
        await ConnectedCarsAuth(session, server.url, "semler:nope").async_login_password(
            DEMO_EMAIL, DEMO_PASSWORD
        )
    # Australia's namespace needs Australia's host.
    with pytest.raises(UnknownNamespaceError):
        await ConnectedCarsAuth(session, server.url, "vwaustralia:app").async_login_password(
            DEMO_EMAIL, DEMO_PASSWORD
        )
    # Throttling: a fresh window of one login per two minutes.
    await server.advance(120)
    await api.admin("PUT", "/login-limit", json={"limit": 1, "windowSeconds": 120})
    await auth.async_login_password(DEMO_EMAIL, DEMO_PASSWORD)
    with pytest.raises(RateLimitedError) as throttled:
        await auth.async_login_password(DEMO_EMAIL, DEMO_PASSWORD)
    assert throttled.value.retry_after is not None


async def test_australia_with_the_same_small_ids(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer
) -> None:
    danish, _ = await connect(session, server)
    australian, _ = await connect(
        session, server, namespace="vwaustralia:app", organization="vwaustralia"
    )
    (vehicle,) = await australian.async_vehicles()
    assert vehicle.id == "1"
    danish_one = next(v for v in await danish.async_vehicles() if v.id == "1")
    assert danish_one.information.vin != vehicle.information.vin


async def test_removing_the_entry_deletes_the_device(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer
) -> None:
    client, name = await connect(session, server)
    assert await client.auth.async_delete_devices_named(name) == 1
    assert server.world.accounts.devices == {}
    with pytest.raises(AuthenticationError):
        await client.async_vehicles()


async def test_the_workshop_link_adds_a_vehicle(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer
) -> None:
    client, _ = await connect(session, server, email=EMPTY_EMAIL)
    assert await client.async_vehicles() == []
    token = await client.auth.async_token()
    url = add_vehicle_url(
        AddVehicleLink(
            query_type="vin",
            source="Home Assistant",
            vehicle_vin="wvwzzze1zmp012345",
            vehicle_name="Family car",
            vehicle_fuel_type="electric",
            vehicle_brand="volkswagen",
            vehicle_year="2021",
            customer_firstname="New",
            customer_lastname="Owner",
            customer_email="new.owner+cars@example.com",
            customer_phone="+45 1234 5678",
        ),
        origin=server.url,
        token=token,
    )
    page_url = URL(url, encoded=True)
    async with session.get(page_url.with_fragment(None)) as page:
        assert page.status == 200, await page.text()
        html = await page.text()
    form = dict(re.findall(r'<input name="(\w+)" value="([^"]*)"', html))
    assert form["customerEmail"] == "new.owner+cars@example.com"
    assert form["customerPhone"] == "+45 1234 5678"
    assert form["vehicleVin"] == "WVWZZZE1ZMP012345"
    # What the page script does: the token from the fragment goes into the form.
    form["token"] = page_url.fragment.removeprefix("token=")
    async with session.post(server.url + "/integration/vehicle/add", data=form) as added:
        assert added.status == 201, await added.text()
    (vehicle,) = await client.async_vehicles()
    assert vehicle.information.vin == "WVWZZZE1ZMP012345"
    assert vehicle.information.display_name == "Family car"


@pytest.mark.parametrize("count", [1, 10, 100])
async def test_one_request_per_refresh_whatever_the_fleet_size(
    session: aiohttp.ClientSession, server: ConnectedCarsSandboxServer, api: Api, count: int
) -> None:
    kinds = ["electric", "hybrid", "gasoline"]
    status, _ = await api.admin(
        "POST",
        "/users",
        json={
            "email": "fleet@example.com",
            "password": DEMO_PASSWORD,
            "vehicles": [kinds[i % 3] for i in range(count)],
        },
    )
    assert status == 201
    client, _ = await connect(session, server, email="fleet@example.com")
    await api.admin("DELETE", "/requests")
    assert len(await client.async_vehicles()) == count
    assert len(await graphql_requests(api)) == 1

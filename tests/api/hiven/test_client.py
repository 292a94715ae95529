"""Every HivenClient call: method, path, query, headers, body and the parsed result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import normalize_url
from yarl import URL

from custom_components.connected_ev.api.errors import (
    InvalidRequestError,
    InvalidResponseError,
    NotFoundError,
)
from custom_components.connected_ev.api.hiven import (
    UNSET,
    AuthorizationMode,
    ConnectOutcome,
    HivenCapability,
    HivenChargingBehavior,
    HivenChargingStatus,
    HivenClient,
    HivenManufacturer,
    HivenSocUnit,
    HivenVehicleType,
    SocLevel,
)
from custom_components.connected_ev.api.models import (
    ChargingBehavior,
    DeviceInformation,
    MinimalSoc,
    PowerDeliveryState,
    SocUnit,
    Weekday,
)

from .conftest import API_KEY, BASE_URL, DEVICE_ID, LOCATION_ID, REDIRECT, USER_ID, load_fixture

type Call = Callable[[HivenClient], Awaitable[Any]]


def sent(mocked: aioresponses, method: str, url: str) -> list[Any]:
    """Return the requests sent to ``method url`` (url with its query)."""
    return list(mocked.requests.get((method, normalize_url(URL(url))), []))


USER_HEADERS = {"X-Api-Key": API_KEY, "X-User-Id": USER_ID, "Accept": "application/json"}
KEY_HEADERS = {"X-Api-Key": API_KEY, "Accept": "application/json"}

# call, method, path+query, headers, sent body, response payload, response status
CASES: list[Any] = [
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer=HivenManufacturer.TESLA,
            redirect_uri=REDIRECT,
            country_code="fi",
            mode=AuthorizationMode.TEST,
        ),
        "GET",
        "/v1/hiven/devices/smartcar/authorization-url?manufacturer=TESLA"
        f"&redirectUri={REDIRECT}&countryCode=FI&mode=test",
        USER_HEADERS,
        None,
        load_fixture("authorization_url.json"),
        200,
        id="authorization-url",
    ),
    pytest.param(
        lambda c: c.async_connect(auth_code="code-1", redirect_url=REDIRECT),
        "POST",
        "/v1/hiven/devices/smartcar/connect",
        USER_HEADERS,
        {"authCode": "code-1", "redirectUrl": REDIRECT},
        load_fixture("connect.json"),
        201,
        id="connect",
    ),
    pytest.param(
        lambda c: c.async_list_devices(),
        "GET",
        f"/v2/hiven/devices?userId={USER_ID}",
        USER_HEADERS,
        None,
        [load_fixture("device_ev.json"), load_fixture("device_charger.json")],
        200,
        id="list-devices",
    ),
    pytest.param(
        lambda c: c.async_get_device(DEVICE_ID),
        "GET",
        f"/v2/hiven/devices/{DEVICE_ID}",
        USER_HEADERS,
        None,
        load_fixture("device_ev.json"),
        200,
        id="get-device",
    ),
    pytest.param(
        lambda c: c.async_get_status(DEVICE_ID),
        "GET",
        f"/v1/hiven/devices/{DEVICE_ID}/status",
        USER_HEADERS,
        None,
        load_fixture("status.json"),
        200,
        id="status",
    ),
    pytest.param(
        lambda c: c.async_delete_vehicle(DEVICE_ID),
        "DELETE",
        f"/v2/hiven/devices/{DEVICE_ID}",
        USER_HEADERS,
        None,
        None,
        204,
        id="delete-vehicle",
    ),
    pytest.param(
        lambda c: c.async_get_ev_preferences(DEVICE_ID),
        "GET",
        f"/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences",
        USER_HEADERS,
        None,
        load_fixture("ev_preferences.json"),
        200,
        id="get-preferences",
    ),
    pytest.param(
        lambda c: c.async_list_vehicle_capabilities(
            supporting=[HivenCapability.READ_LOCATION, "EXECUTE_START_AND_STOP"],
            not_supporting=["READ_BATTERY_CAPACITY"],
        ),
        "GET",
        "/v2/hiven/vehicles/smartcar/capabilities?supporting=READ_LOCATION"
        "&supporting=EXECUTE_START_AND_STOP&not_supporting=READ_BATTERY_CAPACITY",
        KEY_HEADERS,
        None,
        load_fixture("capabilities.json"),
        200,
        id="capabilities",
    ),
    pytest.param(
        lambda c: c.async_get_vehicle_capabilities(DEVICE_ID, force_refresh=True),
        "GET",
        f"/v2/hiven/devices/{DEVICE_ID}/capabilities?forceRefresh=true",
        USER_HEADERS,
        None,
        {"capabilities": ["READ_LOCATION"]},
        200,
        id="vehicle-capabilities-refreshed",
    ),
    pytest.param(
        lambda c: c.async_get_vehicle_capabilities(DEVICE_ID),
        "GET",
        f"/v2/hiven/devices/{DEVICE_ID}/capabilities",
        USER_HEADERS,
        None,
        ["READ_LOCATION"],
        200,
        id="vehicle-capabilities",
    ),
    pytest.param(
        lambda c: c.async_list_supported_brands(),
        "GET",
        "/v2/hiven/vehicles/smartcar/brands",
        KEY_HEADERS,
        None,
        ["TESLA", "BMW", 3, ""],
        200,
        id="brands",
    ),
    pytest.param(
        lambda c: c.async_list_locations(),
        "GET",
        "/v2/hiven/users/locations",
        USER_HEADERS,
        None,
        [load_fixture("location.json")],
        200,
        id="list-locations",
    ),
    pytest.param(
        lambda c: c.async_create_location(
            latitude=60.1699, longitude=24.9384, country_code="FI", postal_code="00100", name="Home"
        ),
        "POST",
        "/v2/hiven/users/locations",
        USER_HEADERS,
        {
            "coordinates": {"latitude": 60.1699, "longitude": 24.9384},
            "countryCode": "FI",
            "postalCode": "00100",
            "name": "Home",
        },
        load_fixture("location.json"),
        201,
        id="create-location",
    ),
    pytest.param(
        lambda c: c.async_update_location(
            LOCATION_ID,
            latitude=60.2,
            longitude=24.9,
            country_code="SE",
            postal_code="11120",
            name="Cabin",
        ),
        "PUT",
        f"/v2/hiven/users/locations/{LOCATION_ID}",
        USER_HEADERS,
        {
            "coordinates": {"latitude": 60.2, "longitude": 24.9},
            "countryCode": "SE",
            "postalCode": "11120",
            "name": "Cabin",
        },
        load_fixture("location.json"),
        200,
        id="update-location",
    ),
    pytest.param(
        lambda c: c.async_delete_location(LOCATION_ID),
        "DELETE",
        f"/v2/hiven/users/locations/{LOCATION_ID}",
        USER_HEADERS,
        None,
        None,
        204,
        id="delete-location",
    ),
]


@pytest.mark.parametrize(("call", "method", "path", "headers", "body", "payload", "status"), CASES)
async def test_request_shape(
    mock_api: aioresponses,
    hiven: HivenClient,
    call: Call,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any,
    payload: Any,
    status: int,
) -> None:
    url = BASE_URL + path
    if payload is None:
        mock_api.add(URL(url), method, status=status)
    else:
        mock_api.add(URL(url), method, status=status, payload=payload)
    await call(hiven)
    requests = sent(mock_api, method, url)
    assert len(requests) == 1
    kwargs = requests[0].kwargs
    assert kwargs["headers"] == headers
    assert kwargs["json"] == body
    assert kwargs["timeout"].total == 20


async def test_authorization_url_and_state(mock_api: aioresponses, hiven: HivenClient) -> None:
    fixture = load_fixture("authorization_url.json")
    pattern = URL(BASE_URL + "/v1/hiven/devices/smartcar/authorization-url")
    mock_api.get(
        pattern.with_query(manufacturer="KIA", redirectUri=REDIRECT, countryCode="FI", mode="live"),
        payload=fixture,
        repeat=True,
    )
    url = await hiven.async_get_authorization_url(manufacturer="kia", redirect_uri=REDIRECT)
    assert url == fixture["authorizationUrl"]
    with_state = URL(
        await hiven.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, state="flow-1"
        )
    )
    assert with_state.query["state"] == "flow-1"
    assert with_state.query["make"] == "TESLA"


async def test_authorization_url_not_a_url(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        URL(BASE_URL + "/v1/hiven/devices/smartcar/authorization-url").with_query(
            manufacturer="KIA", redirectUri=REDIRECT, countryCode="FI", mode="live"
        ),
        payload={"authorizationUrl": "http://[bad"},
    )
    with pytest.raises(InvalidResponseError):
        await hiven.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, state="s"
        )


async def test_connect_outcomes(mock_api: aioresponses, hiven: HivenClient) -> None:
    url = BASE_URL + "/v1/hiven/devices/smartcar/connect"
    mock_api.post(url, status=201, payload=load_fixture("connect.json"))
    mock_api.post(url, status=200, payload={"deviceId": DEVICE_ID, "message": "already"})
    mock_api.post(url, status=200, payload={"deviceId": DEVICE_ID})
    added = await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)
    assert added.device_id == DEVICE_ID
    assert added.outcome is ConnectOutcome.ADDED
    assert not added.already_added
    assert added.message == "Vehicle has been successfully added"
    again = await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)
    assert again.already_added
    assert again.message == "already"
    bare = await hiven.async_connect(auth_code="c", redirect_url=REDIRECT)
    assert bare.message is None


async def test_list_devices_maps_vehicles_only(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        URL(BASE_URL + "/v2/hiven/devices").with_query(userId=USER_ID),
        payload=[load_fixture("device_ev.json"), load_fixture("device_charger.json")],
    )
    vehicles = await hiven.async_list_devices()
    assert len(vehicles) == 1
    vehicle = vehicles[0]
    assert vehicle.id == DEVICE_ID
    assert vehicle.user_id == USER_ID
    assert vehicle.vendor == "VOLKSWAGEN"
    assert vehicle.information == DeviceInformation(
        brand="Volkswagen",
        model="ID.4",
        year=2022,
        display_name="Family car",
        vin="WVWZZZE1ZMP000001",
    )
    prefs = vehicle.charging_preferences
    assert prefs is not None
    assert prefs.behavior is ChargingBehavior.AT_LOCATION
    assert prefs.target_soc == 80
    assert prefs.minimal_soc == MinimalSoc(50, SocUnit.KM)
    assert prefs.ready_time == time(7, 30)
    assert prefs.weekday_ready_times == {Weekday.MONDAY: time(6, 45), Weekday.SATURDAY: time(10)}
    assert prefs.battery_capacity_kwh == 77
    assert prefs.default_price_area == "FI"
    assert prefs.charging_location_ids == ("loc-1",)


async def test_device_details(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        BASE_URL + f"/v2/hiven/devices/{DEVICE_ID}", payload=load_fixture("device_ev.json")
    )
    device = await hiven.async_get_device_details(DEVICE_ID)
    assert device.is_vehicle
    assert device.integration == "SMARTCAR"
    assert device.associated_to_charger is True
    assert device.associated_charger_ids == ("c1a2b3c4-0000-4000-8000-000000000001",)
    assert device.created_at == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert device.location_supported is True
    assert device.engine_type == "BEV"
    assert device.partner_name == "Smartcar"
    assert device.external_id == "sc-vehicle-1"


async def test_get_device_refuses_other_types(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(BASE_URL + "/v2/hiven/devices/c1", payload=load_fixture("device_charger.json"))
    with pytest.raises(NotFoundError):
        await hiven.async_get_device("c1")


async def test_status(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        BASE_URL + f"/v1/hiven/devices/{DEVICE_ID}/status", payload=load_fixture("status.json")
    )
    status = await hiven.async_get_status(DEVICE_ID)
    assert status.id == DEVICE_ID
    assert status.soc == 64
    assert status.range_km == 331.5
    assert status.charging_status is HivenChargingStatus.CHARGING
    assert status.battery_capacity_kwh is None
    assert status.timestamp == datetime(2026, 3, 2, 18, 5, 12, tzinfo=UTC)
    state = status.to_charge_state()
    assert state.is_charging is True
    assert state.is_plugged_in is True
    assert state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_CHARGING
    assert state.battery_level == 64


async def test_preferences(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        BASE_URL + f"/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences",
        payload=load_fixture("ev_preferences.json"),
    )
    prefs = await hiven.async_get_ev_preferences(DEVICE_ID)
    assert prefs.charging_behavior is HivenChargingBehavior.SMART_CHARGE_ANYWHERE
    assert prefs.charging_location_ids == ("loc-1", "loc-2")
    assert prefs.target_soc == SocLevel(80, HivenSocUnit.PERCENT)
    assert prefs.minimal_soc == SocLevel(20)
    assert prefs.ready_time == time(8)
    assert prefs.weekday_ready_times is not None
    assert prefs.weekday_ready_times[Weekday.SUNDAY] == time(18)
    assert len(prefs.weekday_ready_times) == 7
    assert prefs.battery_capacity_kwh == 75
    assert prefs.default_spot_price_area_id == "FI"


PREFERENCES_URL = BASE_URL + f"/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences"
OFF_ONLY = {"chargingBehavior": "SMART_CHARGE_OFF"}

# call, the PUT body (the stored preferences are the documented example, ev_preferences.json)
SET_CASES: list[Any] = [
    pytest.param(
        lambda c: c.async_set_ev_preferences(
            DEVICE_ID,
            charging_behavior=ChargingBehavior.AT_LOCATION,
            charging_location_ids=[LOCATION_ID],
            minimal_soc=MinimalSoc(30, SocUnit.KM),
            target_soc=SocLevel(80),
            ready_time=time(7, 30),
            weekday_ready_times={Weekday.MONDAY: time(6, 0), "sunday": "18:15"},
            battery_capacity=77,
            default_spot_price_area_id="FI",
        ),
        {
            "chargingBehavior": "SMART_CHARGE_AT_LOCATION",
            "chargingLocationIds": [LOCATION_ID],
            "minimalSoC": {"value": 30, "unit": "KM"},
            "targetSoC": {"value": 80, "unit": "PERCENT"},
            "readyTime": "07:30",
            "weekDaySpecificReadyTimes": {"MONDAY": "06:00", "SUNDAY": "18:15"},
            "batteryCapacity": 77,
            "defaultSpotPriceAreaId": "FI",
        },
        id="set-preferences-all",
    ),
    pytest.param(
        lambda c: c.async_set_ev_preferences(
            DEVICE_ID,
            charging_behavior="SMART_CHARGE_OFF",
            charging_location_ids=None,
            minimal_soc=None,
            target_soc=None,
            ready_time="23:59",
            weekday_ready_times=None,
            battery_capacity=None,
            default_spot_price_area_id=None,
        ),
        {
            "chargingBehavior": "SMART_CHARGE_OFF",
            "chargingLocationIds": None,
            "minimalSoC": None,
            "targetSoC": None,
            "readyTime": "23:59",
            "weekDaySpecificReadyTimes": None,
            "batteryCapacity": None,
            "defaultSpotPriceAreaId": None,
        },
        id="set-preferences-clear",
    ),
    pytest.param(
        lambda c: c.async_set_ev_preferences(DEVICE_ID, minimal_soc=SocLevel(25)),
        {
            "chargingBehavior": "SMART_CHARGE_ANYWHERE",
            "minimalSoC": {"value": 25, "unit": "PERCENT"},
        },
        id="set-preferences-keeps-stored-behaviour",
    ),
    pytest.param(
        # Every day has its own ready time: readyTime is never the fallback, so it may go.
        lambda c: c.async_set_ev_preferences(DEVICE_ID, ready_time=None),
        {"chargingBehavior": "SMART_CHARGE_ANYWHERE", "readyTime": None},
        id="set-preferences-full-week-without-ready-time",
    ),
]


@pytest.mark.parametrize(("call", "body"), SET_CASES)
async def test_set_preferences_read_merge_write(
    mock_api: aioresponses, hiven: HivenClient, call: Call, body: dict[str, Any]
) -> None:
    """The stored preferences are read, then one PUT carries the change and the behaviour."""
    mock_api.get(PREFERENCES_URL, payload=load_fixture("ev_preferences.json"))
    mock_api.put(PREFERENCES_URL, body="")
    await call(hiven)
    assert len(sent(mock_api, "GET", PREFERENCES_URL)) == 1
    [request] = sent(mock_api, "PUT", PREFERENCES_URL)
    assert request.kwargs["headers"] == USER_HEADERS
    assert request.kwargs["json"] == body


def _stored(**changes: Any) -> dict[str, Any]:
    stored: dict[str, Any] = {**load_fixture("ev_preferences.json"), **changes}
    return {key: value for key, value in stored.items() if value is not None}


@pytest.mark.parametrize(
    ("stored", "call", "missing"),
    [
        pytest.param(
            OFF_ONLY,
            lambda c: c.async_set_ev_preferences(
                DEVICE_ID, charging_behavior="SMART_CHARGE_ANYWHERE"
            ),
            "target_soc and ready_time are required",
            id="anywhere-alone",
        ),
        pytest.param(
            {**OFF_ONLY, "targetSoC": {"value": 80, "unit": "PERCENT"}},
            lambda c: c.async_set_ev_preferences(
                DEVICE_ID, charging_behavior=ChargingBehavior.AT_LOCATION
            ),
            "ready_time is required",
            id="at-location-without-ready-time",
        ),
        pytest.param(
            {**OFF_ONLY, "readyTime": "07:00"},
            lambda c: c.async_set_ev_preferences(
                DEVICE_ID, charging_behavior="SMART_CHARGE_ANYWHERE", ready_time="08:00"
            ),
            "target_soc is required",
            id="anywhere-without-target",
        ),
        pytest.param(
            _stored(),
            lambda c: c.async_set_ev_preferences(DEVICE_ID, target_soc=None),
            "target_soc is required",
            id="clearing-the-target-while-smart",
        ),
        pytest.param(
            _stored(weekDaySpecificReadyTimes={"MONDAY": "07:00"}),
            lambda c: c.async_set_ev_preferences(DEVICE_ID, ready_time=None),
            "ready_time is required",
            id="clearing-ready-time-with-a-partial-week",
        ),
        pytest.param(
            _stored(readyTime=None),
            lambda c: c.async_set_ev_preferences(
                DEVICE_ID, weekday_ready_times={"MONDAY": "07:00"}
            ),
            "ready_time is required",
            id="partial-week-without-ready-time",
        ),
        pytest.param(
            _stored(chargingBehavior=None),
            lambda c: c.async_set_ev_preferences(DEVICE_ID, minimal_soc=SocLevel(25)),
            "charging_behavior is required",
            id="no-stored-behaviour",
        ),
        pytest.param(
            _stored(chargingBehavior="SMART_CHARGE_LATER"),
            lambda c: c.async_set_ev_preferences(DEVICE_ID, minimal_soc=SocLevel(25)),
            "charging_behavior is required",
            id="unknown-stored-behaviour",
        ),
    ],
)
async def test_set_preferences_refused_before_the_put(
    mock_api: aioresponses,
    hiven: HivenClient,
    stored: dict[str, Any],
    call: Call,
    missing: str,
) -> None:
    """What Hiven requires unless smart charging is off is checked on the merged result.

    The error names the user-facing fields to set; nothing is written.
    """
    mock_api.get(PREFERENCES_URL, payload=stored)
    mock_api.put(PREFERENCES_URL, body="")
    with pytest.raises(InvalidRequestError, match=missing) as excinfo:
        await call(hiven)
    assert sent(mock_api, "PUT", PREFERENCES_URL) == []
    assert "SMART_CHARGE" not in str(excinfo.value)
    assert "targetSoC" not in str(excinfo.value)


async def test_set_preferences_turning_smart_charging_off_needs_nothing(
    mock_api: aioresponses, hiven: HivenClient
) -> None:
    """Off is always accepted, even with neither target nor ready time stored."""
    mock_api.get(PREFERENCES_URL, payload={"chargingBehavior": "SMART_CHARGE_ANYWHERE"})
    mock_api.put(PREFERENCES_URL, body="")
    await hiven.async_set_ev_preferences(DEVICE_ID, charging_behavior=ChargingBehavior.OFF)
    [request] = sent(mock_api, "PUT", PREFERENCES_URL)
    assert request.kwargs["json"] == {"chargingBehavior": "SMART_CHARGE_OFF"}


async def test_capabilities_and_brands(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        BASE_URL + "/v2/hiven/vehicles/smartcar/capabilities",
        payload=load_fixture("capabilities.json"),
    )
    mock_api.get(BASE_URL + "/v2/hiven/vehicles/smartcar/brands", payload=["TESLA", 1])
    models = await hiven.async_list_vehicle_capabilities()
    assert models[0].make == "TESLA"
    assert models[0].model == "Model 3"
    assert models[0].year_range.start == 2017
    assert models[0].year_range.end == 2025
    assert models[0].type is HivenVehicleType.BEV
    assert models[0].capabilities == frozenset(HivenCapability) - {HivenCapability.UNKNOWN}
    assert models[1].type is HivenVehicleType.PHEV
    assert models[1].capabilities == {HivenCapability.READ_LOCATION}
    assert await hiven.async_list_supported_brands() == ["TESLA"]


async def test_locations(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(BASE_URL + "/v2/hiven/users/locations", payload=[load_fixture("location.json")])
    mock_api.put(
        BASE_URL + f"/v2/hiven/users/locations/{LOCATION_ID}",
        payload=load_fixture("location.json"),
        repeat=True,
    )
    [location] = await hiven.async_list_locations()
    assert location.id == LOCATION_ID
    assert (location.latitude, location.longitude) == (60.1699, 24.9384)
    assert location.spot_price_area_id == "FI"
    assert location.country_code == "FI"
    assert location.postal_code == "00100"
    assert location.name == "Home"
    assert "60.1699" not in repr(location)
    await hiven.async_update_location(LOCATION_ID, country_code="FI")
    updated = await hiven.async_update_location(LOCATION_ID, name="Home")
    assert updated.id == LOCATION_ID
    request = sent(mock_api, "PUT", BASE_URL + f"/v2/hiven/users/locations/{LOCATION_ID}")[1]
    assert request.kwargs["json"] == {"name": "Home"}


async def test_ids_are_encoded(mock_api: aioresponses, hiven: HivenClient) -> None:
    mock_api.get(
        URL(BASE_URL + "/v1/hiven/devices/a%20b%25/status", encoded=True),
        payload=load_fixture("status.json"),
    )
    # A space is refused by the id check before sending; a percent sign is encoded.

    with pytest.raises(InvalidRequestError):
        await hiven.async_get_status("a b")
    mock_api.get(
        URL(BASE_URL + "/v1/hiven/devices/a%25b/status", encoded=True),
        payload=load_fixture("status.json"),
    )
    status = await hiven.async_get_status("a%b")
    assert status.soc == 64


def test_repr_hides_the_key(hiven: HivenClient) -> None:
    assert API_KEY not in repr(hiven)
    assert hiven.user_id == USER_ID
    assert UNSET.value == "UNSET"

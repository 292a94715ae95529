"""Invalid input is refused with InvalidRequestError before anything is sent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import time
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.errors import InvalidRequestError
from custom_components.connected_ev.api.hiven import (
    HivenCapability,
    HivenChargingBehavior,
    HivenClient,
    HivenManufacturer,
    HivenSocUnit,
    SocLevel,
)
from custom_components.connected_ev.api.models import ChargingBehavior, MinimalSoc, SocUnit

from .conftest import API_KEY, DEVICE_ID, REDIRECT, USER_ID, load_fixture

type Call = Callable[[HivenClient], Awaitable[Any]]


def _prefs(**kwargs: Any) -> Call:
    return lambda c: c.async_set_ev_preferences(DEVICE_ID, **kwargs)


INVALID: list[Any] = [
    pytest.param(
        lambda c: c.async_get_authorization_url(manufacturer="tesla motors", redirect_uri=REDIRECT),
        id="manufacturer-pattern",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer=HivenManufacturer.UNKNOWN, redirect_uri=REDIRECT
        ),
        id="manufacturer-unknown",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(manufacturer=5, redirect_uri=REDIRECT),
        id="manufacturer-type",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(manufacturer="KIA", redirect_uri="ftp://x/y"),
        id="redirect-scheme",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer="KIA", redirect_uri="https://ha.example/cb#frag"
        ),
        id="redirect-fragment",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, country_code="FIN"
        ),
        id="country",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, country_code=3
        ),
        id="country-type",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, mode="production"
        ),
        id="mode",
    ),
    pytest.param(
        lambda c: c.async_get_authorization_url(
            manufacturer="KIA", redirect_uri=REDIRECT, state=" "
        ),
        id="state",
    ),
    pytest.param(lambda c: c.async_connect(auth_code="", redirect_url=REDIRECT), id="code"),
    pytest.param(lambda c: c.async_connect(auth_code="c", redirect_url="/cb"), id="redirect-url"),
    pytest.param(lambda c: c.async_get_device("../users"), id="device-id-dots"),
    pytest.param(lambda c: c.async_get_status("a/b"), id="device-id-slash"),
    pytest.param(lambda c: c.async_delete_vehicle(""), id="device-id-empty"),
    pytest.param(_prefs(), id="prefs-empty"),
    pytest.param(lambda c: c.async_set_ev_preferences("a?b", battery_capacity=5), id="prefs-id"),
    pytest.param(_prefs(charging_behavior="SOMETIMES"), id="behavior-text"),
    pytest.param(_prefs(charging_behavior=ChargingBehavior.UNKNOWN), id="behavior-shared"),
    pytest.param(_prefs(charging_behavior=HivenChargingBehavior.UNKNOWN), id="behavior-hiven"),
    pytest.param(_prefs(charging_behavior=None), id="behavior-none"),
    pytest.param(_prefs(charging_location_ids="loc-1"), id="location-ids-str"),
    pytest.param(_prefs(charging_location_ids=["ok", ""]), id="location-ids-empty"),
    pytest.param(_prefs(minimal_soc=SocLevel(101)), id="soc-percent"),
    pytest.param(_prefs(minimal_soc=SocLevel(2001, HivenSocUnit.KM)), id="soc-km"),
    pytest.param(_prefs(target_soc=SocLevel(50, HivenSocUnit.UNKNOWN)), id="soc-unit"),
    pytest.param(_prefs(target_soc=MinimalSoc(50, SocUnit.UNKNOWN)), id="soc-shared-unit"),
    pytest.param(_prefs(target_soc=80), id="soc-type"),
    pytest.param(_prefs(target_soc=SocLevel(float("nan"))), id="soc-nan"),
    pytest.param(_prefs(ready_time="24:00"), id="ready-24"),
    pytest.param(_prefs(ready_time="7:30"), id="ready-pattern"),
    pytest.param(_prefs(ready_time=time(7, 30, 15)), id="ready-seconds"),
    pytest.param(_prefs(ready_time=730), id="ready-type"),
    pytest.param(_prefs(weekday_ready_times={"MONDAY": "25:00"}), id="weekday-time"),
    pytest.param(_prefs(weekday_ready_times={"FUNDAY": "08:00"}), id="weekday-day"),
    pytest.param(_prefs(weekday_ready_times=["MONDAY"]), id="weekday-type"),
    pytest.param(_prefs(battery_capacity=0), id="battery-zero"),
    pytest.param(_prefs(battery_capacity=True), id="battery-bool"),
    pytest.param(_prefs(battery_capacity=5000), id="battery-high"),
    pytest.param(_prefs(default_spot_price_area_id=""), id="price-area"),
    pytest.param(
        lambda c: c.async_list_vehicle_capabilities(supporting="READ_LOCATION"),
        id="capabilities-str",
    ),
    pytest.param(
        lambda c: c.async_list_vehicle_capabilities(not_supporting=["FLY"]),
        id="capabilities-unknown",
    ),
    pytest.param(
        lambda c: c.async_list_vehicle_capabilities(supporting=[HivenCapability.UNKNOWN]),
        id="capabilities-unknown-member",
    ),
    pytest.param(
        lambda c: c.async_create_location(latitude=91, longitude=0, country_code="FI"),
        id="latitude",
    ),
    pytest.param(
        lambda c: c.async_create_location(latitude=0, longitude=-181, country_code="FI"),
        id="longitude",
    ),
    pytest.param(
        lambda c: c.async_create_location(latitude=0, longitude=0, country_code="F1"),
        id="location-country",
    ),
    pytest.param(
        lambda c: c.async_create_location(latitude=0, longitude=0, country_code="FI", name=""),
        id="location-name",
    ),
    pytest.param(
        lambda c: c.async_create_location(
            latitude=0, longitude=0, country_code="FI", postal_code=" "
        ),
        id="location-postal",
    ),
    pytest.param(lambda c: c.async_update_location("loc"), id="update-empty"),
    pytest.param(lambda c: c.async_update_location("loc", latitude=1), id="update-half"),
    pytest.param(lambda c: c.async_update_location("a/b", name="x"), id="update-id"),
    pytest.param(lambda c: c.async_delete_location("."), id="delete-location-id"),
]


@pytest.mark.parametrize("call", INVALID)
async def test_refused_without_request(
    mock_api: aioresponses, hiven: HivenClient, call: Call
) -> None:
    with pytest.raises(InvalidRequestError):
        await call(hiven)
    assert not mock_api.requests


async def test_shared_and_hiven_values_accepted(mock_api: aioresponses, hiven: HivenClient) -> None:
    url = f"https://api.hiven.example/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences"
    mock_api.get(url, payload=load_fixture("ev_preferences.json"), repeat=True)
    mock_api.put(url, payload="", repeat=True)
    await hiven.async_set_ev_preferences(
        DEVICE_ID,
        charging_behavior=HivenChargingBehavior.SMART_CHARGE_ANYWHERE,
        minimal_soc=MinimalSoc(20),
    )
    await hiven.async_set_ev_preferences(DEVICE_ID, charging_behavior=ChargingBehavior.OFF)
    bodies = [
        call.kwargs["json"]
        for (method, _url), calls in mock_api.requests.items()
        for call in calls
        if method == "PUT"
    ]
    assert bodies == [
        {
            "chargingBehavior": "SMART_CHARGE_ANYWHERE",
            "minimalSoC": {"value": 20, "unit": "PERCENT"},
        },
        {"chargingBehavior": "SMART_CHARGE_OFF"},
    ]


@pytest.mark.parametrize(
    ("api_key", "user_id", "kwargs"),
    [
        ("", USER_ID, {}),
        (API_KEY, "user id", {}),
        (API_KEY, "u\n", {}),
        (API_KEY, USER_ID, {"base_url": "api.hiven.energy"}),
        (API_KEY, USER_ID, {"request_timeout": 0}),
    ],
)
async def test_constructor_checks(
    session: aiohttp.ClientSession, api_key: str, user_id: str, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(InvalidRequestError):
        HivenClient(session, api_key, user_id, **kwargs)

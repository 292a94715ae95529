"""HivenProvider: the Provider protocol over a mocked Hiven."""

from __future__ import annotations

import copy
from datetime import time
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import normalize_url
from yarl import URL

from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotCapableError,
    NotFoundError,
)
from custom_components.connected_ev.api.hiven import (
    HIVEN_FEATURES,
    DeviceOwnedByAnotherUserError,
    HivenClient,
    HivenProvider,
)
from custom_components.connected_ev.api.models import (
    Capability,
    ChargingBehavior,
    ChargingPreferencesUpdate,
    DeviceKind,
    LinkOptions,
    MinimalSoc,
    PowerDeliveryState,
    PreferenceField,
    SocUnit,
    Weekday,
)
from custom_components.connected_ev.api.provider import (
    Provider,
    ProviderFeature,
    as_chargers,
    as_charging_control,
    as_code_linking,
    as_locations,
    as_preferences,
    as_push,
    as_refresh_hints,
    as_statistics,
    as_status_reader,
)

from .conftest import BASE_URL, DEVICE_ID, LOCATION_ID, REDIRECT, USER_ID, load_fixture

DEVICES = URL(BASE_URL + "/v2/hiven/devices").with_query(userId=USER_ID)
STATUS = f"{BASE_URL}/v1/hiven/devices/{DEVICE_ID}/status"
CAPABILITIES = f"{BASE_URL}/v2/hiven/vehicles/smartcar/capabilities"
VEHICLE_CAPABILITIES = URL(f"{BASE_URL}/v2/hiven/devices/{DEVICE_ID}/capabilities").with_query(
    forceRefresh="true"
)
PREFERENCES = f"{BASE_URL}/v2/hiven/devices/{DEVICE_ID}/smart-charging/ev-preferences"
LOCATIONS = f"{BASE_URL}/v2/hiven/users/locations"
LOCATION = f"{LOCATIONS}/{LOCATION_ID}"


@pytest.fixture
def provider(hiven: HivenClient) -> HivenProvider:
    """Provide the provider of one Hiven user in Finland."""
    return HivenProvider(hiven, country_code="FI", timezone="Europe/Helsinki")


def sent(mocked: aioresponses, method: str, url: str | URL) -> list[Any]:
    """Return the requests sent to ``method url``."""
    return list(mocked.requests.get((method, normalize_url(URL(str(url)))), []))


def device(**changes: Any) -> dict[str, Any]:
    """Return the documented EV device with some attributes changed."""
    data: dict[str, Any] = copy.deepcopy(load_fixture("device_ev.json"))
    data["attributes"].update(changes)
    return data


def test_protocol_and_identity(provider: HivenProvider, hiven: HivenClient) -> None:
    """Code linking and locations, keyed by the Hiven user id."""
    as_protocol: Provider = provider
    assert as_protocol.account_id == USER_ID
    assert as_protocol.features == HIVEN_FEATURES
    assert frozenset({ProviderFeature.LINK_CODE, ProviderFeature.LOCATIONS}) == HIVEN_FEATURES
    assert ProviderFeature.PUSH not in HIVEN_FEATURES
    assert ProviderFeature.CHARGING_CONTROL not in HIVEN_FEATURES
    assert ProviderFeature.CHARGING_STATISTICS not in HIVEN_FEATURES
    assert provider.client is hiven
    assert provider.supported_preference_fields == frozenset(PreferenceField)
    assert ChargingBehavior.ANYWHERE in provider.supported_charging_behaviors
    assert provider.supported_minimal_soc_units == {SocUnit.PERCENT, SocUnit.KM}


async def test_validate(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Validation lists the devices; a rejected key is an authentication error."""
    mock_api.get(DEVICES, payload=[])
    assert (await provider.async_validate()).id == USER_ID
    mock_api.get(DEVICES, status=401, payload={"statusCode": 401, "message": "Unauthorized"})
    with pytest.raises(AuthenticationError):
        await provider.async_validate()


async def test_list_vehicles(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Devices plus one status each; the vehicle's own capabilities once, refreshed."""
    tesla = device(manufacturer="TESLA", model="Model 3", year=2021)
    tesla["settings"]["locationSupported"] = False
    mock_api.get(
        DEVICES,
        payload=[tesla, load_fixture("device_charger.json")],
        repeat=True,
    )
    mock_api.get(STATUS, payload=load_fixture("status.json"), repeat=True)
    mock_api.get(
        VEHICLE_CAPABILITIES,
        payload={"capabilities": ["READ_LOCATION", "EXECUTE_START_AND_STOP"]},
    )

    [vehicle] = await provider.async_list_vehicles()
    await provider.async_list_vehicles()

    assert len(sent(mock_api, "GET", VEHICLE_CAPABILITIES)) == 1
    assert sent(mock_api, "GET", CAPABILITIES) == []
    assert len(sent(mock_api, "GET", STATUS)) == 2
    assert vehicle.id == DEVICE_ID
    assert vehicle.charge_state.battery_level == 64
    assert vehicle.charge_state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_CHARGING
    assert vehicle.last_seen is not None
    assert vehicle.can(Capability.CHARGE_STATE)
    assert vehicle.can(Capability.SMART_CHARGING)
    assert vehicle.can(Capability.LOCATION)
    assert vehicle.can(Capability.START_CHARGING)
    assert vehicle.can(Capability.STOP_CHARGING)


@pytest.mark.parametrize(
    ("changes", "location_supported", "expected"),
    [
        ({"manufacturer": "BMW", "model": "330E", "year": 2018}, True, {Capability.LOCATION}),
        ({"manufacturer": "BMW", "model": "330e", "year": 2018}, False, set()),
        ({"manufacturer": "BMW", "model": "330e", "year": None}, False, {Capability.LOCATION}),
        ({"manufacturer": "KIA", "model": "EV6", "year": 2023}, False, set()),
        ({"manufacturer": None, "model": None, "year": None}, False, set()),
    ],
)
async def test_capability_matching(
    provider: HivenProvider,
    mock_api: aioresponses,
    changes: dict[str, Any],
    location_supported: bool,
    expected: set[Capability],
) -> None:
    """Without the per-vehicle call (404), the model list answers.

    Make and model match case-insensitively, the year within the range if known.
    """
    data = device(**changes)
    data["settings"]["locationSupported"] = location_supported
    mock_api.get(DEVICES, payload=[data])
    mock_api.get(STATUS, payload=load_fixture("status.json"))
    mock_api.get(VEHICLE_CAPABILITIES, status=404, payload={"statusCode": 404})
    mock_api.get(CAPABILITIES, payload=load_fixture("capabilities.json"))
    [vehicle] = await provider.async_list_vehicles()
    optional = {Capability.LOCATION, Capability.START_CHARGING, Capability.STOP_CHARGING}
    assert {c for c in optional if vehicle.can(c)} == expected


async def test_capabilities_refreshed_once_per_setup(
    hiven: HivenClient, mock_api: aioresponses
) -> None:
    """Each new provider (a setup of the entry) asks once with ``forceRefresh``; polls don't.

    What the car can do now wins over the model list: a start/stop capability that appeared
    (a Tesla virtual key added, say) shows at the next setup.
    """
    mock_api.get(DEVICES, payload=[device()], repeat=True)
    mock_api.get(STATUS, payload=load_fixture("status.json"), repeat=True)
    mock_api.get(VEHICLE_CAPABILITIES, payload={"capabilities": []})
    mock_api.get(VEHICLE_CAPABILITIES, payload=["EXECUTE_START_AND_STOP"])

    first = HivenProvider(hiven, country_code="FI", timezone="Europe/Helsinki")
    [before] = await first.async_list_vehicles()
    [polled] = await first.async_list_vehicles()
    second = HivenProvider(hiven, country_code="FI", timezone="Europe/Helsinki")
    [after] = await second.async_list_vehicles()

    assert not before.can(Capability.START_CHARGING)
    assert not polled.can(Capability.START_CHARGING)
    assert after.can(Capability.START_CHARGING)
    assert after.can(Capability.LOCATION)  # locationSupported
    assert len(sent(mock_api, "GET", VEHICLE_CAPABILITIES)) == 2
    assert sent(mock_api, "GET", CAPABILITIES) == []


async def test_model_list_fallback_read_once(
    provider: HivenProvider, mock_api: aioresponses
) -> None:
    """Two vehicles without the per-vehicle call share one model-list request."""
    tesla = device(manufacturer="TESLA", model="Model 3", year=2021)
    other = {**tesla, "id": "second-car"}
    mock_api.get(DEVICES, payload=[tesla, other])
    mock_api.get(STATUS, payload=load_fixture("status.json"))
    mock_api.get(
        f"{BASE_URL}/v1/hiven/devices/second-car/status", payload=load_fixture("status.json")
    )
    mock_api.get(VEHICLE_CAPABILITIES, status=404, payload={"statusCode": 404})
    mock_api.get(
        URL(f"{BASE_URL}/v2/hiven/devices/second-car/capabilities").with_query(forceRefresh="true"),
        status=404,
        payload={"statusCode": 404},
    )
    mock_api.get(CAPABILITIES, payload=load_fixture("capabilities.json"))
    vehicles = await provider.async_list_vehicles()
    assert [vehicle.can(Capability.START_CHARGING) for vehicle in vehicles] == [True, True]
    assert len(sent(mock_api, "GET", CAPABILITIES)) == 1


async def test_capabilities_failure_is_not_hidden(
    provider: HivenProvider, mock_api: aioresponses
) -> None:
    """Other failures of the capabilities call fail the listing (retried next poll)."""
    mock_api.get(DEVICES, payload=[device()], repeat=True)
    mock_api.get(STATUS, payload=load_fixture("status.json"), repeat=True)
    mock_api.get(VEHICLE_CAPABILITIES, status=401, payload={"statusCode": 401})
    mock_api.get(VEHICLE_CAPABILITIES, payload={"capabilities": ["READ_LOCATION"]})
    with pytest.raises(AuthenticationError):
        await provider.async_list_vehicles()
    [vehicle] = await provider.async_list_vehicles()
    assert vehicle.can(Capability.LOCATION)
    assert len(sent(mock_api, "GET", VEHICLE_CAPABILITIES)) == 2


async def test_list_vehicles_empty(provider: HivenProvider, mock_api: aioresponses) -> None:
    """No vehicles: one request, no capability list."""
    mock_api.get(DEVICES, payload=[load_fixture("device_charger.json")])
    assert await provider.async_list_vehicles() == []
    assert sent(mock_api, "GET", CAPABILITIES) == []


async def test_link(provider: HivenProvider, mock_api: aioresponses) -> None:
    """The authorization URL carries the options; the code is redeemed through connect."""
    url = URL(BASE_URL + "/v1/hiven/devices/smartcar/authorization-url")
    mock_api.get(
        url.with_query(
            manufacturer="TESLA", redirectUri=REDIRECT, countryCode="SE", mode="simulated"
        ),
        payload=load_fixture("authorization_url.json"),
    )
    mock_api.get(
        url.with_query(manufacturer="KIA", redirectUri=REDIRECT, countryCode="FI", mode="live"),
        payload=load_fixture("authorization_url.json"),
    )
    session = await provider.async_create_link_session(
        DeviceKind.VEHICLE,
        REDIRECT,
        "en",
        LinkOptions(manufacturer="TESLA", country_code="SE", mode="simulated", state="s-1"),
    )
    assert URL(session.link_url).query["state"] == "s-1"
    session = await provider.async_create_link_session(
        DeviceKind.VEHICLE, REDIRECT, "en", LinkOptions(manufacturer="KIA")
    )
    assert "state" not in URL(session.link_url).query

    connect = BASE_URL + "/v1/hiven/devices/smartcar/connect"
    mock_api.post(connect, status=201, payload=load_fixture("connect.json"))
    mock_api.post(connect, status=200, payload=load_fixture("connect.json"))
    mock_api.post(connect, status=409, payload={"statusCode": 409, "message": "owned"})
    added = await provider.async_complete_link("code-1", REDIRECT)
    assert (added.device_id, added.already_linked) == (DEVICE_ID, False)
    assert (await provider.async_complete_link("code-2", REDIRECT)).already_linked
    with pytest.raises(DeviceOwnedByAnotherUserError):
        await provider.async_complete_link("code-3", REDIRECT)


async def test_link_refusals(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Chargers and a missing manufacturer are refused without a request."""
    with pytest.raises(NotCapableError):
        await provider.async_create_link_session(DeviceKind.CHARGER, REDIRECT, "en")
    with pytest.raises(NotCapableError):
        await provider.async_create_link_session(DeviceKind.VEHICLE, REDIRECT, "en")
    assert not mock_api.requests


async def test_not_capable(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Control, chargers, status, statistics and push are not Hiven's: refused, no request."""
    for part in (
        as_charging_control,
        as_refresh_hints,
        as_status_reader,
        as_statistics,
        as_chargers,
        as_push,
    ):
        with pytest.raises(NotCapableError):
            part(provider)
    assert as_code_linking(provider) is provider
    assert as_preferences(provider) is provider
    assert as_locations(provider) is provider
    assert not mock_api.requests


async def test_preferences_round_trip(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Read, one partial PUT that always carries the behaviour, then read back."""
    mock_api.get(PREFERENCES, payload=load_fixture("ev_preferences.json"), repeat=True)
    mock_api.put(PREFERENCES, body="", repeat=True)

    prefs = await provider.async_get_charging_preferences(DEVICE_ID)
    assert prefs.behavior is ChargingBehavior.ANYWHERE
    assert prefs.weekday_ready_times is not None
    assert prefs.weekday_ready_times[Weekday.SUNDAY] == time(18)

    update = ChargingPreferencesUpdate(
        behavior=ChargingBehavior.AT_LOCATION,
        target_soc=85,
        minimal_soc=MinimalSoc(40, SocUnit.KM),
        ready_time=time(7),
        weekday_ready_times={Weekday.SATURDAY: time(10)},
        battery_capacity_kwh=77,
        default_price_area="FI",
        charging_location_ids=(LOCATION_ID,),
    )
    assert (await provider.async_set_charging_preferences(DEVICE_ID, update)) == prefs
    assert sent(mock_api, "PUT", PREFERENCES)[0].kwargs["json"] == {
        "chargingBehavior": "SMART_CHARGE_AT_LOCATION",
        "chargingLocationIds": [LOCATION_ID],
        "minimalSoC": {"value": 40, "unit": "KM"},
        "targetSoC": {"value": 85, "unit": "PERCENT"},
        "readyTime": "07:00",
        "weekDaySpecificReadyTimes": {"SATURDAY": "10:00"},
        "batteryCapacity": 77,
        "defaultSpotPriceAreaId": "FI",
    }

    # An empty schedule clears it; one field only is sent.
    await provider.async_set_charging_preferences(
        DEVICE_ID, ChargingPreferencesUpdate(weekday_ready_times={})
    )
    assert sent(mock_api, "PUT", PREFERENCES)[1].kwargs["json"] == {
        "chargingBehavior": "SMART_CHARGE_ANYWHERE",
        "weekDaySpecificReadyTimes": None,
    }
    await provider.async_set_charging_preferences(
        DEVICE_ID, ChargingPreferencesUpdate(minimal_soc=MinimalSoc(20))
    )
    assert sent(mock_api, "PUT", PREFERENCES)[2].kwargs["json"] == {
        "chargingBehavior": "SMART_CHARGE_ANYWHERE",
        "minimalSoC": {"value": 20, "unit": "PERCENT"},
    }
    # Nothing to change: read only.
    await provider.async_set_charging_preferences(DEVICE_ID, ChargingPreferencesUpdate())
    assert len(sent(mock_api, "PUT", PREFERENCES)) == 3
    # GET before each PUT, and after each change to read back (plus the first read).
    assert len(sent(mock_api, "GET", PREFERENCES)) == 1 + 3 * 2 + 1
    with pytest.raises(NotCapableError):
        await provider.async_set_charging_preferences(
            DEVICE_ID, ChargingPreferencesUpdate(behavior=ChargingBehavior.UNKNOWN)
        )


async def test_preferences_hiven_would_reject(
    provider: HivenProvider, mock_api: aioresponses
) -> None:
    """Smart charging anywhere with neither target nor ready time: refused, named, not sent."""
    mock_api.get(PREFERENCES, payload={"chargingBehavior": "SMART_CHARGE_OFF"}, repeat=True)
    mock_api.put(PREFERENCES, body="", repeat=True)
    with pytest.raises(InvalidRequestError) as excinfo:
        await provider.async_set_charging_preferences(
            DEVICE_ID, ChargingPreferencesUpdate(behavior=ChargingBehavior.ANYWHERE)
        )
    assert "target_soc and ready_time" in str(excinfo.value)
    assert excinfo.value.detail == str(excinfo.value)
    assert sent(mock_api, "PUT", PREFERENCES) == []

    # With both in the same change it is accepted.
    await provider.async_set_charging_preferences(
        DEVICE_ID,
        ChargingPreferencesUpdate(
            behavior=ChargingBehavior.ANYWHERE, target_soc=80, ready_time=time(7)
        ),
    )
    assert sent(mock_api, "PUT", PREFERENCES)[0].kwargs["json"] == {
        "chargingBehavior": "SMART_CHARGE_ANYWHERE",
        "targetSoC": {"value": 80, "unit": "PERCENT"},
        "readyTime": "07:00",
    }


async def test_locations(provider: HivenProvider, mock_api: aioresponses) -> None:
    """Locations map to the shared model, in the account's country and time zone."""
    unnamed = dict(load_fixture("location.json"), locationId="loc-2")
    del unnamed["name"]
    mock_api.get(LOCATIONS, payload=[load_fixture("location.json"), unnamed], repeat=True)
    mock_api.post(LOCATIONS, payload=load_fixture("location.json"))
    mock_api.put(LOCATION, payload=load_fixture("location.json"))
    mock_api.delete(LOCATION, body="")

    home, other = await provider.async_list_locations()
    assert (home.id, home.name, home.timezone, home.price_area) == (
        LOCATION_ID,
        "Home",
        "Europe/Helsinki",
        "FI",
    )
    assert home.user_id == USER_ID
    assert other.name == ""

    created = await provider.async_create_location("Home", 60.1699, 24.9384, "Europe/Helsinki")
    assert created.id == LOCATION_ID
    assert sent(mock_api, "POST", LOCATIONS)[0].kwargs["json"] == {
        "coordinates": {"latitude": 60.1699, "longitude": 24.9384},
        "countryCode": "FI",
        "name": "Home",
    }
    assert (await provider.async_update_location(LOCATION_ID, name="Home")).id == LOCATION_ID
    # A time zone alone changes nothing Hiven keeps: the location as it is.
    assert await provider.async_update_location(LOCATION_ID, timezone="UTC") == home
    with pytest.raises(NotFoundError):
        await provider.async_update_location("missing", timezone="UTC")
    assert await provider.async_delete_location(LOCATION_ID) == home
    with pytest.raises(NotFoundError):
        await provider.async_delete_location("missing")
    assert len(sent(mock_api, "DELETE", LOCATION)) == 1


@pytest.mark.parametrize(
    ("status_capacity", "preferences", "expected"),
    [
        (60, True, 60),  # the car's own figure wins
        (None, True, 77),  # else the preference (the fixture's 77 kWh)
        (None, False, None),  # else unknown (the coordinator raises a repair issue)
    ],
)
async def test_battery_capacity_source(
    provider: HivenProvider,
    mock_api: aioresponses,
    status_capacity: float | None,
    preferences: bool,
    expected: float | None,
) -> None:
    """The status's capacity, else the preference's."""
    data = device()
    if not preferences:
        del data["settings"]["chargingPreferences"]
    mock_api.get(DEVICES, payload=[data])
    mock_api.get(
        STATUS, payload={**load_fixture("status.json"), "batteryCapacity": status_capacity}
    )
    mock_api.get(VEHICLE_CAPABILITIES, payload={"capabilities": []})
    [vehicle] = await provider.async_list_vehicles()
    assert vehicle.charge_state.battery_capacity_kwh == expected

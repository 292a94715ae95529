"""EnodeProvider: the Provider protocol delegates to the right Enode endpoints."""

from __future__ import annotations

from datetime import time

import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.enode import ENODE_FEATURES, EnodeClient, EnodeProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
)
from custom_components.connected_ev.api.models import (
    ChargingBehavior,
    ChargingCommand,
    ChargingPreferences,
    ChargingPreferencesUpdate,
    DeviceKind,
    MinimalSoc,
    PreferenceField,
    SocUnit,
    UserInfo,
)
from custom_components.connected_ev.api.provider import Provider, ProviderFeature, as_code_linking

from .conftest import (
    ACTION_ID,
    API_URL,
    CHARGER_ID,
    TOKEN_URL,
    USER_ID,
    VEHICLE_ID,
    load_fixture,
    mock_token,
    request_count,
    requests_to,
)


@pytest.fixture
def provider(client: EnodeClient) -> EnodeProvider:
    """Provide the provider of one Enode user."""
    return EnodeProvider(client, USER_ID)


def test_protocol_and_identity(provider: EnodeProvider, client: EnodeClient) -> None:
    """The provider is a ``Provider`` with every feature, keyed by the user id."""
    as_protocol: Provider = provider  # checked by mypy as well
    assert as_protocol.account_id == USER_ID
    assert as_protocol.features == ENODE_FEATURES
    # Every feature but those of parts only other providers have.
    assert (
        frozenset(ProviderFeature)
        - {
            ProviderFeature.LINK_CODE,
            ProviderFeature.LIVE_UPDATES,
            ProviderFeature.DEVICE_REMOVAL,
            ProviderFeature.GROUP_TIMESTAMPS,
            ProviderFeature.CREDENTIAL_REVOCATION,
            ProviderFeature.ADD_VEHICLE_LINK,
            ProviderFeature.REMOTES,
        }
        == ENODE_FEATURES
    )
    assert provider.client is client


async def test_validate_returns_user(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Validation reads the user, proving the credentials."""
    mock_token(mock_api)
    mock_api.get(f"{API_URL}/users/{USER_ID}", payload=load_fixture("user.json"))

    user = await provider.async_validate()

    assert user.id == USER_ID
    assert [vendor.is_valid for vendor in user.linked_vendors] == [True, False]


async def test_validate_new_user(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """A user id Enode does not know yet is an account without devices."""
    mock_token(mock_api)
    mock_api.get(
        f"{API_URL}/users/{USER_ID}", status=404, payload=load_fixture("problem_not_found.json")
    )

    assert await provider.async_validate() == UserInfo(id=USER_ID)


async def test_validate_bad_credentials(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Rejected credentials surface as ``AuthenticationError``."""
    mock_api.post(TOKEN_URL, status=401, payload={"error": "invalid_client"})

    with pytest.raises(AuthenticationError):
        await provider.async_validate()


async def test_lists(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Vehicles and chargers come from the user's lists."""
    mock_token(mock_api)
    paired = load_fixture("paired.json")
    empty = {"after": None, "before": None}
    mock_api.get(
        f"{API_URL}/users/{USER_ID}/vehicles?pageSize=200",
        payload={"data": [paired["vehicle"]], "pagination": empty},
    )
    mock_api.get(
        f"{API_URL}/users/{USER_ID}/chargers?pageSize=200",
        payload={"data": [paired["charger"]], "pagination": empty},
    )

    vehicles = await provider.async_list_vehicles()
    chargers = await provider.async_list_chargers()

    assert [vehicle.id for vehicle in vehicles] == [VEHICLE_ID]
    assert [charger.id for charger in chargers] == [CHARGER_ID]


@pytest.mark.parametrize(
    ("kind", "scopes"),
    [
        (
            DeviceKind.VEHICLE,
            ["vehicle:read:data", "vehicle:read:location", "vehicle:control:charging"],
        ),
        (DeviceKind.CHARGER, ["charger:read:data", "charger:control:charging"]),
    ],
)
async def test_link_session(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, scopes: list[str]
) -> None:
    """A link session per device kind, with that kind's scopes."""
    mock_token(mock_api)
    url = f"{API_URL}/users/{USER_ID}/link"
    mock_api.post(url, payload=load_fixture("link_session.json"))

    session = await provider.async_create_link_session(kind, "https://ha.example/cb", "en-GB")

    assert session.link_url.startswith("https://link.enode.com/")
    (call,) = requests_to(mock_api, "POST", url)
    assert call.kwargs["json"] == {
        "vendorType": kind.value,
        "scopes": scopes,
        "language": "en-GB",
        "redirectUri": "https://ha.example/cb",
    }


@pytest.mark.parametrize(
    ("kind", "path", "fixture"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{VEHICLE_ID}/charging", "charge_actions.json"),
        (DeviceKind.CHARGER, f"/chargers/{VEHICLE_ID}/charging", "charger_action.json"),
    ],
)
async def test_set_charging(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str, fixture: str
) -> None:
    """Charging commands go to the vehicle or the charger endpoint."""
    mock_token(mock_api)
    payload = load_fixture(fixture)
    mock_api.post(API_URL + path, payload=payload.get("PENDING", payload))

    action = await provider.async_set_charging(kind, VEHICLE_ID, ChargingCommand.STOP)

    assert action.id == ACTION_ID
    (call,) = requests_to(mock_api, "POST", API_URL + path)
    assert call.kwargs["json"] == {"action": "STOP"}


@pytest.mark.parametrize(
    ("kind", "path", "fixture"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/actions/{ACTION_ID}", "charge_actions.json"),
        (DeviceKind.CHARGER, f"/chargers/actions/{ACTION_ID}", "charger_action.json"),
    ],
)
async def test_get_charge_action(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str, fixture: str
) -> None:
    """Actions are read from the endpoint of their device kind."""
    mock_token(mock_api)
    payload = load_fixture(fixture)
    mock_api.get(API_URL + path, payload=payload.get("CONFIRMED", payload))

    action = await provider.async_get_charge_action(kind, ACTION_ID)

    assert action.id == ACTION_ID
    assert action.is_final


async def test_get_charge_action_that_is_max_current(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """An action id of a max-current action is not a charging action."""
    mock_token(mock_api)
    mock_api.get(
        f"{API_URL}/chargers/actions/{ACTION_ID}", payload=load_fixture("max_current_action.json")
    )

    with pytest.raises(InvalidResponseError):
        await provider.async_get_charge_action(DeviceKind.CHARGER, ACTION_ID)


async def test_unknown_device_kind(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """A device kind Enode cannot control is refused without a request."""
    with pytest.raises(InvalidRequestError):
        await provider.async_set_charging(DeviceKind.UNKNOWN, VEHICLE_ID, ChargingCommand.START)
    with pytest.raises(InvalidRequestError):
        await provider.async_get_charge_action(DeviceKind.UNKNOWN, ACTION_ID)
    with pytest.raises(InvalidRequestError):
        await provider.async_create_link_session(DeviceKind.UNKNOWN, "https://x/cb", "en-US")
    with pytest.raises(InvalidRequestError):
        await provider.async_refresh_hint(DeviceKind.UNKNOWN, VEHICLE_ID)
    with pytest.raises(InvalidRequestError):
        await provider.async_set_max_current(DeviceKind.UNKNOWN, CHARGER_ID, 16)
    with pytest.raises(NotCapableError):  # Enode links through sessions, not codes
        as_code_linking(provider)

    assert request_count(mock_api) == 0


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{VEHICLE_ID}/refresh-hint"),
        (DeviceKind.CHARGER, f"/chargers/{VEHICLE_ID}/refresh-hint"),
    ],
)
async def test_refresh_hint(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str
) -> None:
    """Refresh hints go to the endpoint of the device kind."""
    mock_token(mock_api)
    mock_api.post(API_URL + path, status=204)

    await provider.async_refresh_hint(kind, VEHICLE_ID)

    assert len(requests_to(mock_api, "POST", API_URL + path)) == 1


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (DeviceKind.VEHICLE, f"/vehicles/{CHARGER_ID}/max-current"),
        (DeviceKind.CHARGER, f"/chargers/{CHARGER_ID}/max-current"),
    ],
)
async def test_set_max_current(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, path: str
) -> None:
    """Max current goes to the endpoint of the device kind and returns the action."""
    mock_token(mock_api)
    mock_api.post(API_URL + path, payload=load_fixture("max_current_action.json"))

    action = await provider.async_set_max_current(kind, CHARGER_ID, 10)

    assert action.max_current_a == 10
    (call,) = requests_to(mock_api, "POST", API_URL + path)
    assert call.kwargs["json"] == {"maxCurrent": 10}


# --- charging preferences and locations -------------------------------------------------------

POLICY_URL = f"{API_URL}/vehicles/{VEHICLE_ID}/smart-charging-policy"
LOCATION_ID = "8d90101b-3f2f-462a-bbb4-1ed320d33bbe"


def test_preference_support(provider: EnodeProvider) -> None:
    """The policy has behaviour (off / at location), a percent minimum and one deadline."""
    assert provider.supported_preference_fields == {
        PreferenceField.CHARGING_BEHAVIOR,
        PreferenceField.MINIMAL_SOC,
        PreferenceField.READY_TIME,
    }
    assert provider.supported_charging_behaviors == {
        ChargingBehavior.OFF,
        ChargingBehavior.AT_LOCATION,
    }
    assert provider.supported_minimal_soc_units == {SocUnit.PERCENT}


async def test_get_preferences(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """The policy maps to shared preferences."""
    mock_token(mock_api)
    mock_api.get(POLICY_URL, payload=load_fixture("smart_charging_policy.json"))
    assert await provider.async_get_charging_preferences(VEHICLE_ID) == ChargingPreferences(
        behavior=ChargingBehavior.AT_LOCATION,
        minimal_soc=MinimalSoc(20, SocUnit.PERCENT),
        ready_time=time(7, 0),
    )


@pytest.mark.parametrize(
    ("update", "body"),
    [
        (
            ChargingPreferencesUpdate(
                behavior=ChargingBehavior.OFF,
                ready_time=time(6, 45),
                minimal_soc=MinimalSoc(30, SocUnit.PERCENT),
            ),
            {"isEnabled": False, "deadline": "06:45", "minimumChargeLimit": 30},
        ),
        (ChargingPreferencesUpdate(behavior=ChargingBehavior.AT_LOCATION), {"isEnabled": True}),
        (
            ChargingPreferencesUpdate(minimal_soc=MinimalSoc(10, SocUnit.PERCENT)),
            {"minimumChargeLimit": 10},
        ),
    ],
)
async def test_set_preferences(
    provider: EnodeProvider,
    mock_api: aioresponses,
    update: ChargingPreferencesUpdate,
    body: dict[str, object],
) -> None:
    """Only the given fields are sent, in one partial PUT of the policy."""
    mock_token(mock_api)
    mock_api.put(POLICY_URL, payload=load_fixture("smart_charging_policy.json"))
    result = await provider.async_set_charging_preferences(VEHICLE_ID, update)
    assert result.ready_time == time(7, 0)
    (call,) = requests_to(mock_api, "PUT", POLICY_URL)
    assert call.kwargs["json"] == body


async def test_set_nothing_reads(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """An empty update sends nothing and returns the policy as it is."""
    mock_token(mock_api)
    mock_api.get(POLICY_URL, payload={"isEnabled": False, "deadline": "24:00"})
    result = await provider.async_set_charging_preferences(VEHICLE_ID, ChargingPreferencesUpdate())
    assert result.behavior is ChargingBehavior.OFF
    assert result.ready_time == time(0, 0)
    assert result.minimal_soc == MinimalSoc(0, SocUnit.PERCENT)


@pytest.mark.parametrize(
    ("update", "detail"),
    [
        (ChargingPreferencesUpdate(target_soc=80), "target_soc"),
        (ChargingPreferencesUpdate(battery_capacity_kwh=75), "battery_capacity"),
        (ChargingPreferencesUpdate(weekday_ready_times={}), "weekday_ready_times"),
        (ChargingPreferencesUpdate(behavior=ChargingBehavior.ANYWHERE), "anywhere"),
        (ChargingPreferencesUpdate(minimal_soc=MinimalSoc(50, SocUnit.KM)), "km"),
    ],
)
async def test_set_unsupported(
    provider: EnodeProvider,
    mock_api: aioresponses,
    update: ChargingPreferencesUpdate,
    detail: str,
) -> None:
    """What the policy cannot hold is refused before any request."""
    with pytest.raises(NotCapableError) as err:
        await provider.async_set_charging_preferences(VEHICLE_ID, update)
    assert err.value.detail == detail
    assert request_count(mock_api) == 0


async def test_status_and_locations(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """Status, location CRUD and charger placement delegate to the client."""
    mock_token(mock_api)
    mock_api.get(
        f"{API_URL}/vehicles/{VEHICLE_ID}/smart-charging-status",
        payload=load_fixture("smart_charging_status.json"),
    )
    location = load_fixture("location.json")
    users_url = f"{API_URL}/users/{USER_ID}/locations"
    mock_api.get(f"{users_url}?pageSize=200", payload={"data": [location], "pagination": {}})
    mock_api.post(users_url, payload=location)
    mock_api.put(f"{API_URL}/locations/{LOCATION_ID}", payload=location)
    mock_api.delete(f"{API_URL}/locations/{LOCATION_ID}", payload=location)
    mock_api.put(f"{API_URL}/chargers/{CHARGER_ID}", payload=load_fixture("charger.json"))

    status = await provider.async_get_smart_charging_status(VEHICLE_ID)
    assert status.state is not None
    assert [loc.id for loc in await provider.async_list_locations()] == [LOCATION_ID]
    created = await provider.async_create_location("Home", 59.9, 10.7, "Europe/Oslo")
    assert created.timezone == "Europe/Oslo"
    (call,) = requests_to(mock_api, "POST", users_url)
    assert call.kwargs["json"] == {
        "name": "Home",
        "latitude": 59.9,
        "longitude": 10.7,
        "timezoneName": "Europe/Oslo",
    }
    await provider.async_update_location(LOCATION_ID, name="House")
    (call,) = requests_to(mock_api, "PUT", f"{API_URL}/locations/{LOCATION_ID}")
    assert call.kwargs["json"] == {"name": "House"}
    assert (await provider.async_delete_location(LOCATION_ID)).id == LOCATION_ID
    await provider.async_set_charger_location(CHARGER_ID, LOCATION_ID)
    (call,) = requests_to(mock_api, "PUT", f"{API_URL}/chargers/{CHARGER_ID}")
    assert call.kwargs["json"] == {"locationId": LOCATION_ID}

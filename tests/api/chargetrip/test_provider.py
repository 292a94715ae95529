"""ChargetripProvider: one request per refresh, partial responses, linking and removal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from custom_components.connected_ev.api.chargetrip import ChargetripProvider
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import (
    Capability,
    DeviceKind,
    LinkOptions,
    PowerDeliveryState,
)
from custom_components.connected_ev.api.provider import ProviderFeature
from tests.api.chargetrip.conftest import (
    CONNECTED_ID,
    GRAPHQL_URL,
    MODEL_ID,
    NAMING,
    VIN,
    data_payload,
    error,
    listed,
)
from tests.api.conftest import request_count, requests_to


def _refresh(vehicles: list[dict[str, Any]], **aliases: Any) -> dict[str, Any]:
    return {"data": {"vehicles": vehicles, **aliases}}


async def _first_refresh(provider: ChargetripProvider, mock_api: aioresponses) -> None:
    """Run the first refresh: the list, then the data of the vehicles it found."""
    mock_api.post(GRAPHQL_URL, payload=_refresh([listed()]))
    mock_api.post(GRAPHQL_URL, payload=_refresh([listed()], d0=data_payload(), m0=NAMING))
    await provider.async_list_vehicles()


def test_features_follow_the_parts(provider: ChargetripProvider) -> None:
    """Read-only: linking by code, live updates, removal; no control or preferences."""
    assert provider.features == {
        ProviderFeature.LINK_CODE,
        ProviderFeature.LIVE_UPDATES,
        ProviderFeature.DEVICE_REMOVAL,
        ProviderFeature.CHARGE_LIMIT,
        ProviderFeature.GROUP_TIMESTAMPS,
    }


async def test_validate_returns_the_hashed_account(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Chargetrip names no user: the account is the hash the entry was made with."""
    mock_api.post(GRAPHQL_URL, payload={"data": {"connectedVehicleList": []}})
    assert (await provider.async_validate()).id == "account-hash"
    assert provider.account_id == "account-hash"


async def test_a_vehicle_with_every_group(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Units and order as chosen in const: %, km, kWh, kW, [lon, lat]."""
    await _first_refresh(provider, mock_api)
    mock_api.post(GRAPHQL_URL, payload=_refresh([listed()], d0=data_payload(), m0=NAMING))
    (vehicle,) = await provider.async_list_vehicles()
    assert vehicle.id == CONNECTED_ID
    assert vehicle.information.brand == "Tesla"
    assert vehicle.information.model == "Model 3 Long Range"
    assert vehicle.information.display_name == "My EV"
    assert vehicle.information.vin == VIN
    state = vehicle.charge_state
    assert (state.battery_level, state.range_km, state.battery_capacity_kwh) == (64, 301.5, 75)
    assert (state.charge_rate_kw, state.charge_limit, state.charge_time_remaining_min) == (
        11,
        80,
        95,
    )
    assert state.power_delivery_state is PowerDeliveryState.PLUGGED_IN_CHARGING
    assert state.last_updated == datetime(2026, 12, 4, 8, 1, tzinfo=UTC)
    assert vehicle.location is not None
    assert (vehicle.location.latitude, vehicle.location.longitude) == (59.9139, 10.7522)
    assert vehicle.odometer is not None
    assert vehicle.odometer.distance_km == 12345.6
    assert vehicle.last_seen == datetime(2026, 12, 4, 8, 1, tzinfo=UTC)
    assert all(vehicle.can(c) for c in (Capability.CHARGE_STATE, Capability.LOCATION))


async def test_one_request_per_refresh_whatever_the_number(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Known vehicles are read under aliases of one document: one request for 25."""
    ids = [f"cv-{i}" for i in range(25)]
    vehicles = [listed(i) for i in ids]
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles))
    everything = {f"d{i}": data_payload() for i in range(25)} | {f"m{i}": NAMING for i in range(25)}
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles, **everything))
    assert len(await provider.async_list_vehicles()) == 25
    assert request_count(mock_api) == 2  # the first refresh learns the ids

    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles, **everything))
    assert len(await provider.async_list_vehicles()) == 25
    assert request_count(mock_api) == 3
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    assert body["variables"]["c24"] == "cv-24"
    assert body["variables"]["v24"] == MODEL_ID


async def test_only_authorized_vehicles_are_devices(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Pending, removing and removed vehicles are listed but are no devices."""
    vehicles = [
        listed("a"),
        listed("p", status="pending_authorization"),
        listed("r", status="pending_removal"),
        listed("x", status="removed"),
        listed("u", status="something_new"),
    ]
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles))
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles, d0=data_payload(), m0=NAMING))
    assert [v.id for v in await provider.async_list_vehicles()] == ["a"]


async def test_a_group_outside_the_scopes_is_not_read(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Without the location scope: no position and no location capability."""
    vehicles = [listed(scope=["charge_state", "odometer"])]
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles))
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles, d0=data_payload(), m0=NAMING))
    (vehicle,) = await provider.async_list_vehicles()
    assert vehicle.location is None
    assert not vehicle.can(Capability.LOCATION)
    assert vehicle.can(Capability.ODOMETER)


async def test_partial_data_keeps_what_arrived(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """One vehicle's data failing keeps its last values; the other's new values show."""
    vehicles = [listed("a"), listed("b")]
    both = {"d0": data_payload(), "m0": NAMING, "d1": data_payload(), "m1": NAMING}
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles))
    mock_api.post(GRAPHQL_URL, payload=_refresh(vehicles, **both))
    await provider.async_list_vehicles()

    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "vehicles": vehicles,
                "d0": None,
                "m0": NAMING,
                "d1": data_payload(percentage=90),
                "m1": NAMING,
            },
            "errors": [error("ENODE_PROXY_EXCEPTION", ["d0"])],
        },
    )
    read = {v.id: v for v in await provider.async_list_vehicles()}
    assert read["a"].charge_state.battery_level == 64
    assert read["b"].charge_state.battery_level == 90


async def test_partial_failure_of_a_new_vehicle_leaves_it_out(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """A vehicle never read before whose data fails is not shown empty."""
    mock_api.post(GRAPHQL_URL, payload=_refresh([listed()]))
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {"vehicles": [listed()], "d0": None, "m0": NAMING},
            "errors": [error("CONNECTED_VEHICLE_FORBIDDEN", ["d0"])],
        },
    )
    assert await provider.async_list_vehicles() == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [("AUTH_TOKEN_EXPIRED", AuthenticationError), ("RATE_LIMIT_EXCEEDED", RateLimitedError)],
)
async def test_authentication_and_rate_limits_fail_the_refresh(
    provider: ChargetripProvider, mock_api: aioresponses, code: str, expected: type[Exception]
) -> None:
    """Even when some data resolved: these are about the whole account."""
    await _first_refresh(provider, mock_api)
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {"vehicles": [listed()], "d0": None, "m0": NAMING},
            "errors": [error(code, ["d0"])],
        },
    )
    with pytest.raises(expected):
        await provider.async_list_vehicles()


async def test_a_failed_list_fails_the_refresh(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Without the list nothing is known: the list's own error is raised."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {"vehicles": None},
            "errors": [error("OPERATION_NOT_ALLOWED", ["vehicles"])],
        },
    )
    with pytest.raises(Exception, match="operation_not_allowed"):
        await provider.async_list_vehicles()
    mock_api.post(GRAPHQL_URL, payload={"data": {"other": 1}})
    with pytest.raises(InvalidResponseError):
        await provider.async_list_vehicles()
    mock_api.post(
        GRAPHQL_URL, payload={"data": {"other": 1}, "errors": [error("VEHICLE_NOT_FOUND")]}
    )
    with pytest.raises(NotFoundError):
        await provider.async_list_vehicles()


async def test_a_vanished_vehicle_is_no_longer_queried(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """A known vehicle missing from the list is dropped (its alias ignored)."""
    await _first_refresh(provider, mock_api)
    mock_api.post(GRAPHQL_URL, payload=_refresh([], d0=data_payload(), m0=NAMING))
    assert await provider.async_list_vehicles() == []
    mock_api.post(GRAPHQL_URL, payload=_refresh([]))
    assert await provider.async_list_vehicles() == []
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    assert "variables" not in body


async def test_link_session_carries_state_in_the_redirect(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Enode's Link UI echoes no state: it rides in the redirect URI's query."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "createConnectedVehicle": {
                    "id": CONNECTED_ID,
                    "status": "pending_authorization",
                    "authorization_url": "https://link.example/s",
                }
            }
        },
    )
    session = await provider.async_create_link_session(
        DeviceKind.VEHICLE,
        "https://ha.example/cb",
        "en",
        LinkOptions(model_id=MODEL_ID, label="Mine", state="st-1"),
    )
    assert session.link_url == "https://link.example/s"
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    redirect = URL(body["variables"]["input"]["options"]["redirect_uri"])
    assert redirect.query["state"] == "st-1"
    assert body["variables"]["input"]["label"] == "Mine"

    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {"authorizeConnectedVehicle": {"id": CONNECTED_ID, "status": "authorized"}}
        },
    )
    result = await provider.async_complete_link("", "https://ha.example/cb")
    assert result.device_id == CONNECTED_ID
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    assert body["variables"]["input"] == {"id": CONNECTED_ID, "options": {}}
    with pytest.raises(NotCapableError):  # nothing being linked any more
        await provider.async_complete_link("c", "")


async def test_linking_needs_a_catalogue_model(provider: ChargetripProvider) -> None:
    """Chargers, or no model picked: refused before anything is sent."""
    with pytest.raises(NotCapableError):
        await provider.async_create_link_session(DeviceKind.CHARGER, "https://h/cb", "en")
    with pytest.raises(NotCapableError):
        await provider.async_create_link_session(DeviceKind.VEHICLE, "https://h/cb", "en")


async def test_no_authorization_page_is_refused(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """A created vehicle without authorization_url cannot be linked."""
    mock_api.post(
        GRAPHQL_URL,
        payload={"data": {"createConnectedVehicle": {"id": CONNECTED_ID, "status": "authorized"}}},
    )
    with pytest.raises(NotCapableError):
        await provider.async_create_link_session(
            DeviceKind.VEHICLE, "https://h/cb", "en", LinkOptions(model_id=MODEL_ID)
        )


async def test_linked_only_when_authorized(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Refuse the link when authorizeConnectedVehicle answers another status."""
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "createConnectedVehicle": {
                    "id": CONNECTED_ID,
                    "status": "pending_authorization",
                    "authorization_url": "https://link.example/s",
                }
            }
        },
    )
    await provider.async_create_link_session(
        DeviceKind.VEHICLE, "https://h/cb", "en", LinkOptions(model_id=MODEL_ID)
    )
    mock_api.post(
        GRAPHQL_URL,
        payload={
            "data": {
                "authorizeConnectedVehicle": {
                    "id": CONNECTED_ID,
                    "status": "pending_authorization",
                }
            }
        },
    )
    with pytest.raises(NotCapableError) as caught:
        await provider.async_complete_link("code-1", "")
    assert caught.value.problem_type == "not_authorized"
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    assert body["variables"]["input"]["options"] == {"code": "code-1"}


async def test_remove_forgets_the_vehicle(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """After removal the vehicle is no longer queried by alias."""
    await _first_refresh(provider, mock_api)
    mock_api.post(
        GRAPHQL_URL,
        payload={"data": {"removeConnectedVehicle": {"id": CONNECTED_ID, "status": "removed"}}},
    )
    await provider.async_remove_device(DeviceKind.VEHICLE, CONNECTED_ID)
    mock_api.post(GRAPHQL_URL, payload=_refresh([]))
    assert await provider.async_list_vehicles() == []
    body = requests_to(mock_api, "POST", GRAPHQL_URL)[-1].kwargs["json"]
    assert "variables" not in body


def _created() -> dict[str, Any]:
    return {
        "data": {
            "createConnectedVehicle": {
                "id": "cv-new",
                "status": "pending_authorization",
                "authorization_url": "https://link.example/new",
            }
        }
    }


async def test_an_abandoned_link_is_replaced(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """The same model left pending by a cancelled link: removed, then created again."""
    conflict = {"data": None, "errors": [error("VEHICLE_ALREADY_CONNECTED")]}
    mock_api.post(GRAPHQL_URL, payload=conflict)
    pending = [
        listed("cv-old", status="pending_authorization"),
        listed("cv-other", status="pending_authorization", model_id="another"),
    ]
    mock_api.post(GRAPHQL_URL, payload=_refresh(pending))
    mock_api.post(
        GRAPHQL_URL,
        payload={"data": {"removeConnectedVehicle": {"id": "cv-old", "status": "removed"}}},
    )
    mock_api.post(GRAPHQL_URL, payload=_created())
    session = await provider.async_create_link_session(
        DeviceKind.VEHICLE, "https://h/cb", "en", LinkOptions(model_id=MODEL_ID)
    )
    assert session.link_url == "https://link.example/new"
    sent = [call.kwargs["json"] for call in requests_to(mock_api, "POST", GRAPHQL_URL)]
    assert [body["operationName"] for body in sent] == [
        "CreateConnectedVehicle",
        "Refresh",
        "RemoveConnectedVehicle",
        "CreateConnectedVehicle",
    ]
    assert sent[2]["variables"] == {"input": {"id": "cv-old"}}


async def test_a_connected_model_is_not_removed(
    provider: ChargetripProvider, mock_api: aioresponses
) -> None:
    """Already connected and authorized: the refusal stands, nothing is removed."""
    mock_api.post(
        GRAPHQL_URL, payload={"data": None, "errors": [error("VEHICLE_ALREADY_CONNECTED")]}
    )
    mock_api.post(GRAPHQL_URL, payload=_refresh([listed()]))
    with pytest.raises(ConflictError):
        await provider.async_create_link_session(
            DeviceKind.VEHICLE, "https://h/cb", "en", LinkOptions(model_id=MODEL_ID)
        )
    assert request_count(mock_api) == 2

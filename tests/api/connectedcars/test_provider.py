"""The Connected Cars provider: its parts, one request per refresh, revocation, the page link."""

from __future__ import annotations

import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.connectedcars import (
    ConnectedCarsClient,
    ConnectedCarsProvider,
    WorkshopLinkError,
    account_key,
)
from custom_components.connected_ev.api.models import AddVehicleLink
from custom_components.connected_ev.api.provider import ProviderFeature

from ..conftest import request_count, requests_to
from .conftest import AUTH, DEVICE_LOGIN, GRAPHQL, load_fixture, token_body

LINK = AddVehicleLink(query_type="vin", source="ha", vehicle_vin="WVWZZZ1KZAW123456")


def _provider(
    client: ConnectedCarsClient, name: str | None = "Home Assistant 1a2b3c4d"
) -> ConnectedCarsProvider:
    return ConnectedCarsProvider(client, "semler", name, workshop_origin="http://127.0.0.1:9")


def test_features_are_its_parts() -> None:
    """Read-only: revocation and the add-vehicle page, nothing else."""
    features = ConnectedCarsProvider(None, "semler", None).features  # type: ignore[arg-type]
    assert features == frozenset(
        {ProviderFeature.CREDENTIAL_REVOCATION, ProviderFeature.ADD_VEHICLE_LINK}
    )


async def test_one_request_per_refresh_whatever_the_number_of_vehicles(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """Listing three vehicles twice is one token and two GraphQL requests."""
    mock_api.post(DEVICE_LOGIN, payload=token_body())
    mock_api.post(GRAPHQL, payload=load_fixture("vehicles.json"), repeat=True)
    provider = _provider(client)
    assert len(await provider.async_list_vehicles()) == 3
    assert len(await provider.async_list_vehicles()) == 3
    assert len(requests_to(mock_api, "POST", GRAPHQL)) == 2
    assert request_count(mock_api) == 3
    assert provider.account_id == account_key("semler", "1042")


async def test_validate_reads_the_user(mock_api: aioresponses, client: ConnectedCarsClient) -> None:
    """Validation is one cheap query; the account id is the hashed organization and user."""
    mock_api.post(DEVICE_LOGIN, payload=token_body())
    mock_api.post(GRAPHQL, payload={"data": {"viewer": {"id": 7, "vehicles": []}}})
    provider = _provider(client)
    assert (await provider.async_validate()).id == "7"
    assert provider.account_id == account_key("semler", "7")
    assert account_key("semler", "7") != account_key("vwaustralia", "7")


async def test_revocation_deletes_the_device(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """Removing the entry deletes the registered device; without a name nothing is sent."""
    mock_api.post(DEVICE_LOGIN, payload=token_body())
    mock_api.get(
        f"{AUTH}/user/devices",
        payload=[{"deviceExternalId": 5, "deviceName": "Home Assistant 1a2b3c4d"}],
    )
    mock_api.post(f"{AUTH}/user/deleteDevice", payload={})
    await _provider(client).async_revoke_credential()
    (call,) = requests_to(mock_api, "POST", f"{AUTH}/user/deleteDevice")
    assert call.kwargs["json"] == {"deviceExternalId": 5}
    mock_api.requests.clear()
    await _provider(client, None).async_revoke_credential()
    assert not mock_api.requests


async def test_page_link_with_and_without_token(
    mock_api: aioresponses, client: ConnectedCarsClient
) -> None:
    """The token is minted only when asked for, and never for an invalid link."""
    provider = _provider(client)
    url = await provider.async_add_vehicle_url(LINK, with_token=False)
    assert url.startswith("http://127.0.0.1:9/integration/vehicle/add?queryType=vin")
    assert not mock_api.requests
    with pytest.raises(WorkshopLinkError):
        await provider.async_add_vehicle_url(
            AddVehicleLink(query_type="vin", source="ha"), with_token=True
        )
    assert not mock_api.requests
    mock_api.post(DEVICE_LOGIN, payload=token_body("jwt-page"))
    url = await provider.async_add_vehicle_url(LINK, with_token=True)
    assert url.endswith("#token=jwt-page")

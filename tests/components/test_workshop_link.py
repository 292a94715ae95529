"""The add_vehicle_link action: the workshop page's link from its fields, checked, nothing sent."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker

from custom_components.connected_ev.const import DOMAIN

from .test_connectedcars_entities import ORIGIN, set_up

FIELDS = {
    "query_type": "vin",
    "vehicle_vin": "WVWZZZ1KZAW123456",
    "vehicle_year": "2018",
    "customer_email": "johnsmith@example.com",
    "customer_phone": "+45 1234 5678",
}


@pytest.fixture
async def cc_setup(hass: HomeAssistant, aioclient_mock: AiohttpClientMocker) -> MockConfigEntry:
    """Provide a Connected Cars entry set up against recorded payloads."""
    return await set_up(hass, aioclient_mock)


async def _call(hass: HomeAssistant, entry: MockConfigEntry, **fields: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "add_vehicle_link",
        {"config_entry_id": entry.entry_id, **fields},
        blocking=True,
        return_response=True,
    )


def _device_logins(aioclient_mock: AiohttpClientMocker) -> int:
    return sum(1 for call in aioclient_mock.mock_calls if "deviceToken" in str(call[1]))


async def test_link_without_token(
    hass: HomeAssistant, cc_setup: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """The link is returned, every component encoded; no token is made or sent."""
    logins = _device_logins(aioclient_mock)
    response = await _call(hass, cc_setup, **FIELDS)
    assert response == {
        "url": f"{ORIGIN}/integration/vehicle/add?queryType=vin&source=home_assistant"
        "&vehicleVin=WVWZZZ1KZAW123456&vehicleYear=2018"
        "&customerEmail=johnsmith%40example.com&customerPhone=%2B45%201234%205678"
    }
    assert _device_logins(aioclient_mock) == logins


async def test_link_with_token_in_the_fragment(
    hass: HomeAssistant, cc_setup: MockConfigEntry
) -> None:
    """Asked for, a fresh JWT signs the page in, in the fragment only."""
    response = await _call(hass, cc_setup, **FIELDS, include_token=True, source="garage x")
    base, fragment = response["url"].split("#")
    assert fragment == "token=jwt-1"
    assert "source=garage%20x" in base
    assert "jwt-1" not in base


async def test_invalid_fields_are_named(
    hass: HomeAssistant, cc_setup: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """Every invalid field is named in one translated error; nothing is sent."""
    calls = len(aioclient_mock.mock_calls)
    with pytest.raises(ServiceValidationError) as caught:
        await _call(
            hass,
            cc_setup,
            query_type="license_plate",
            vehicle_vin="WVWZZZ1KZAO123456",
            customer_phone="45 1234",
            include_token=True,
        )
    assert caught.value.translation_key == "add_vehicle_link_invalid"
    assert caught.value.translation_placeholders == {
        "fields": "vehicle_vin, vehicle_license_plate, customer_phone"
    }
    assert len(aioclient_mock.mock_calls) == calls


async def test_query_type_must_be_known(hass: HomeAssistant, cc_setup: MockConfigEntry) -> None:
    """The action's schema refuses an unknown query type before anything runs."""
    with pytest.raises(Exception, match="query_type"):
        await _call(hass, cc_setup, query_type="licensePlate")


async def test_provider_without_a_page(hass: HomeAssistant, cc_setup: MockConfigEntry) -> None:
    """An account whose provider has no add-vehicle page is told so."""
    cc_setup.runtime_data.provider = MagicMock(features=frozenset())
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, cc_setup, **FIELDS)
    assert caught.value.translation_key == "add_vehicle_link_not_supported"


async def test_token_refused_starts_reauth(
    hass: HomeAssistant, cc_setup: MockConfigEntry, aioclient_mock: AiohttpClientMocker
) -> None:
    """A device token Connected Cars no longer accepts: translated error and reauth."""
    provider = cc_setup.runtime_data.provider
    provider.client.auth.invalidate("jwt-1")  # type: ignore[attr-defined]
    aioclient_mock.clear_requests()
    aioclient_mock.post(f"{ORIGIN}/auth/login/deviceToken?expiresIn=3600", status=401)
    with pytest.raises(HomeAssistantError) as caught:
        await _call(hass, cc_setup, **FIELDS, include_token=True)
    assert caught.value.translation_key == "authentication_failed"
    await hass.async_block_till_done()
    assert any(
        flow["context"]["source"] == "reauth"
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )

"""Charging statistics: the documented request, strict parsing, errors, and lifetime energy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import merge_params

from custom_components.connected_ev.api.enode import EnodeClient, EnodeProvider
from custom_components.connected_ev.api.enode.parse import parse_charging_statistics
from custom_components.connected_ev.api.enode.provider import HISTORY_START
from custom_components.connected_ev.api.errors import (
    InvalidRequestError,
    InvalidResponseError,
    NotFoundError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.models import (
    ChargingStatisticsEntry,
    DeviceKind,
    StatisticsResolution,
)

from .conftest import (
    API_URL,
    CHARGER_ID,
    LOCATION_ID,
    USER_ID,
    VEHICLE_ID,
    load_fixture,
    mock_token,
    request_count,
    requests_to,
)

URL = f"{API_URL}/users/{USER_ID}/statistics/charging"
LIFETIME_QUERY = {"startDate": "2018-01-01T00:00:00.000Z", "resolution": "YEAR"}


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = load_fixture("charging_statistics.json")[0]
    return {**entry, **changes}


async def test_request_with_every_parameter(client: EnodeClient, mock_api: aioresponses) -> None:
    """The spec's parameter names and formats: UTC date-times, lower-case type, enum value."""
    mock_token(mock_api)
    query = {
        "startDate": "2025-03-01T00:00:00.000Z",
        "endDate": "2025-03-02T00:00:00.000Z",
        "type": "charger",
        "id": CHARGER_ID,
        "locationId": LOCATION_ID,
        "resolution": "QUARTER_HOUR",
    }
    mock_api.get(merge_params(URL, query), payload=load_fixture("charging_statistics.json"))
    oslo = timezone(timedelta(hours=1))

    entries = await client.async_get_charging_statistics(
        USER_ID,
        device_kind=DeviceKind.CHARGER,
        start=datetime(2025, 3, 1, 1, 0, tzinfo=oslo),
        end=datetime(2025, 3, 2, tzinfo=UTC),
        device_id=CHARGER_ID,
        location_id=LOCATION_ID,
        resolution=StatisticsResolution.QUARTER_HOUR,
    )

    (call,) = requests_to(mock_api, "GET", URL, query)
    assert call.kwargs["params"] == query
    assert entries == [
        ChargingStatisticsEntry(datetime(2024, 1, 1, tzinfo=UTC), 1520.5),
        ChargingStatisticsEntry(datetime(2025, 1, 1, tzinfo=UTC), 120.0),
    ]


async def test_default_resolution_is_sent(client: EnodeClient, mock_api: aioresponses) -> None:
    """Without optional parameters only the required ones and DAY (the default) are sent."""
    mock_token(mock_api)
    query = {"startDate": "2025-03-01T00:00:00.000Z", "type": "vehicle", "resolution": "DAY"}
    mock_api.get(merge_params(URL, query), payload=[])

    entries = await client.async_get_charging_statistics(
        USER_ID, device_kind=DeviceKind.VEHICLE, start=datetime(2025, 3, 1, tzinfo=UTC)
    )

    assert entries == []
    assert len(requests_to(mock_api, "GET", URL, query)) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"device_kind": DeviceKind.UNKNOWN},
        {"start": datetime(2025, 3, 1)},  # noqa: DTZ001 (the naive datetime is the point)
        {"end": datetime(2025, 2, 1, tzinfo=UTC)},
        {"device_id": "../vehicles"},
        {"location_id": ""},
    ],
)
async def test_invalid_input_sends_nothing(
    client: EnodeClient, mock_api: aioresponses, changes: dict[str, Any]
) -> None:
    """A kind without statistics, a naive or reversed range, a bad id: refused locally."""
    arguments: dict[str, Any] = {
        "device_kind": DeviceKind.VEHICLE,
        "start": datetime(2025, 3, 1, tzinfo=UTC),
        **changes,
    }
    with pytest.raises(InvalidRequestError):
        await client.async_get_charging_statistics(USER_ID, **arguments)

    assert request_count(mock_api) == 0


def test_parse_entries() -> None:
    """Each bucket's start and kWh; prices, power and savings are not needed."""
    assert parse_charging_statistics(load_fixture("charging_statistics.json"))[1] == (
        ChargingStatisticsEntry(datetime(2025, 1, 1, tzinfo=UTC), 120.0)
    )
    assert parse_charging_statistics([]) == []


@pytest.mark.parametrize(
    "data",
    [
        {"data": []},
        [_entry(kwhSum=None)],
        [_entry(kwhSum="12")],
        [{key: value for key, value in _entry().items() if key != "kwhSum"}],
        [_entry(date=None)],
        [_entry(date="last year")],
        ["not an object"],
    ],
    ids=[
        "not-an-array",
        "null-kwh",
        "string-kwh",
        "missing-kwh",
        "null-date",
        "bad-date",
        "not-an-object",
    ],
)
def test_parse_refuses_what_would_falsify_a_sum(data: Any) -> None:
    """A bucket without its kWh or its date makes the whole answer invalid, not zero."""
    with pytest.raises(InvalidResponseError) as excinfo:
        parse_charging_statistics(data)

    assert "1520.5" not in str(excinfo.value)


@pytest.fixture
def provider(client: EnodeClient) -> EnodeProvider:
    """Provide the provider of one Enode user."""
    return EnodeProvider(client, USER_ID)


@pytest.mark.parametrize(
    ("kind", "device_id"), [(DeviceKind.VEHICLE, VEHICLE_ID), (DeviceKind.CHARGER, CHARGER_ID)]
)
async def test_lifetime_energy_sums_yearly_buckets(
    provider: EnodeProvider, mock_api: aioresponses, kind: DeviceKind, device_id: str
) -> None:
    """One request from the fixed history start, in YEAR buckets, added up."""
    mock_token(mock_api)
    query = {**LIFETIME_QUERY, "type": kind.value, "id": device_id}
    mock_api.get(merge_params(URL, query), payload=load_fixture("charging_statistics.json"))

    assert await provider.async_get_lifetime_energy(kind, device_id) == 1640.5
    assert len(requests_to(mock_api, "GET", URL, query)) == 1
    assert datetime(2018, 1, 1, tzinfo=UTC) == HISTORY_START


async def test_lifetime_energy_of_a_device_without_history(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """An empty series (nothing charged yet) is zero kWh."""
    mock_token(mock_api)
    query = {**LIFETIME_QUERY, "type": "vehicle", "id": VEHICLE_ID}
    mock_api.get(merge_params(URL, query), payload=[])

    assert await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, VEHICLE_ID) == 0.0


async def test_lifetime_energy_errors(provider: EnodeProvider, mock_api: aioresponses) -> None:
    """404 asset not found, a body that is not JSON, a null kWh and a 503: typed errors."""
    mock_token(mock_api)
    query = {**LIFETIME_QUERY, "type": "vehicle", "id": VEHICLE_ID}
    url = merge_params(URL, query)
    mock_api.get(url, status=404, payload=load_fixture("problem_not_found.json"))
    mock_api.get(url, body="[{", content_type="application/json")
    mock_api.get(url, payload=[_entry(kwhSum=None)])
    mock_api.get(url, status=503, headers={"Retry-After": "30"})

    with pytest.raises(NotFoundError) as not_found:
        await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, VEHICLE_ID)
    assert not_found.value.detail == "The requested asset wasn't found."
    assert VEHICLE_ID not in str(not_found.value)
    with pytest.raises(InvalidResponseError):
        await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, VEHICLE_ID)
    with pytest.raises(InvalidResponseError):
        await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, VEHICLE_ID)
    with pytest.raises(ProviderUnavailableError) as unavailable:
        await provider.async_get_lifetime_energy(DeviceKind.VEHICLE, VEHICLE_ID)
    assert unavailable.value.retry_after == 30

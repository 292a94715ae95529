"""Charging statistics: the documented request, strict parsing, errors, and lifetime energy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import merge_params

from custom_components.connected_ev.api.enode import EnodeClient, EnodeProvider
from custom_components.connected_ev.api.enode.parse import parse_charging_statistics
from custom_components.connected_ev.api.enode.provider import HISTORY_START, HOURLY_HISTORY
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
        ChargingStatisticsEntry(datetime(2024, 1, 1, tzinfo=UTC), 1520.5, 3193.05),
        ChargingStatisticsEntry(datetime(2025, 1, 1, tzinfo=UTC), 120.0, 3.14),
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
    """Each bucket's start, kWh and cost; prices, power and savings are not needed."""
    assert parse_charging_statistics(load_fixture("charging_statistics.json"))[1] == (
        ChargingStatisticsEntry(datetime(2025, 1, 1, tzinfo=UTC), 120.0, 3.14)
    )
    assert parse_charging_statistics([]) == []


@pytest.mark.parametrize("cost", [None, "3.14"], ids=["null", "string"])
def test_parse_entry_without_a_cost(cost: Any) -> None:
    """A bucket whose ``costSum`` is unreadable still counts its energy, with no cost."""
    (entry,) = parse_charging_statistics([_entry(costSum=cost)])

    assert entry == ChargingStatisticsEntry(datetime(2024, 1, 1, tzinfo=UTC), 1520.5, None)


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


async def test_hourly_charging_reads_hours_since_start(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """One HOUR request from the given start; buckets before it are dropped."""
    mock_token(mock_api)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    stamp = start.strftime("%Y-%m-%dT%H:00:00.000Z")
    query = {"startDate": stamp, "type": "charger", "id": CHARGER_ID, "resolution": "HOUR"}
    early = (start - timedelta(hours=1)).isoformat()
    mock_api.get(
        merge_params(URL, query),
        payload=[_entry(date=early), _entry(date=start.isoformat(), kwhSum=7.5, costSum=15)],
    )

    entries = await provider.async_get_hourly_charging(DeviceKind.CHARGER, CHARGER_ID, start)

    assert entries == [ChargingStatisticsEntry(start, 7.5, 15.0)]
    assert len(requests_to(mock_api, "GET", URL, query)) == 1


async def test_hourly_charging_of_every_device_of_a_kind(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """Without a device the request has no ``id``: Enode adds up every vehicle (one request)."""
    mock_token(mock_api)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    query = {
        "startDate": start.strftime("%Y-%m-%dT%H:00:00.000Z"),
        "type": "vehicle",
        "resolution": "HOUR",
    }
    mock_api.get(merge_params(URL, query), payload=[_entry(date=start.isoformat(), kwhSum=3)])

    entries = await provider.async_get_hourly_charging(DeviceKind.VEHICLE, None, start)

    assert [entry.energy_kwh for entry in entries] == [3.0]
    assert len(requests_to(mock_api, "GET", URL, query)) == 1  # the exact query: no ``id``


async def test_hourly_charging_reaches_back_30_days_at_most(
    provider: EnodeProvider, mock_api: aioresponses
) -> None:
    """An older start is moved to the whole hour 30 days back: still one request."""
    mock_token(mock_api)
    earliest = (datetime.now(UTC) - HOURLY_HISTORY).replace(minute=0, second=0, microsecond=0)
    query = {
        "startDate": earliest.strftime("%Y-%m-%dT%H:00:00.000Z"),
        "type": "vehicle",
        "id": VEHICLE_ID,
        "resolution": "HOUR",
    }
    mock_api.get(merge_params(URL, query), payload=[])

    entries = await provider.async_get_hourly_charging(
        DeviceKind.VEHICLE, VEHICLE_ID, datetime(2020, 1, 1, tzinfo=UTC)
    )

    assert entries == []
    assert len(requests_to(mock_api, "GET", URL, query)) == 1
    assert timedelta(days=30) == HOURLY_HISTORY


@pytest.mark.parametrize(
    ("country", "currency"),
    [("NO", "NOK"), ("DK", "NOK"), ("LT", "NOK"), ("DE", "EUR"), ("ES", "EUR"), ("US", None)],
)
def test_cost_currency_by_country(
    provider: EnodeProvider, country: str, currency: str | None
) -> None:
    """NOK in the Nordics and Baltics, EUR in the documented euro countries, else unknown."""
    assert provider.cost_currency(country) == currency
    assert provider.cost_currency(None) is None

"""The provider over a mocked API: nothing it returns has a PIN; claims check first."""

from __future__ import annotations

import re

import aiohttp
import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.connectors import (
    ApiKeyAuth,
    ConnectorsClient,
    ConnectorsProvider,
)
from custom_components.connected_ev.api.connectors.provider import (
    MAX_WRONG_PINS,
    WRONG_PIN_WINDOW,
)
from custom_components.connected_ev.api.errors import InvalidRequestError
from custom_components.connected_ev.api.models import (
    ClaimRefusal,
    ConnectorAssignment,
    ConnectorFilter,
    ConnectorType,
)
from custom_components.connected_ev.api.provider import ClaimRefusedError, ProviderFeature

from ..conftest import request_count
from .test_client import BASE, page
from .test_parse import CONNECTOR

LIST = re.compile(r"^https://partner\.example/v2/customers/connectors\?.*$")
CUSTOMER = CONNECTOR["customer_id"]
OTHER = "00000000-0000-4000-8000-00000000000a"


@pytest.fixture
def provider(session: aiohttp.ClientSession) -> ConnectorsProvider:
    return ConnectorsProvider(ConnectorsClient(session, BASE, ApiKeyAuth("k")), CUSTOMER.upper())


def connector(index: int, **changes: object) -> dict[str, object]:
    return {**CONNECTOR, "id": f"00000000-0000-4000-8000-{index:012d}", **changes}


async def test_features_and_account(provider: ConnectorsProvider) -> None:
    assert provider.features == frozenset({ProviderFeature.REMOTES})
    assert provider.account_id == CUSTOMER
    assert await provider.async_list_vehicles() == []


async def test_search_tells_assignment_without_pins(
    mock_api: aioresponses, provider: ConnectorsProvider
) -> None:
    items = [connector(1), connector(2, customer_id=OTHER), connector(3, customer_id=None)]
    mock_api.get(LIST, payload=page(items, 3))
    found = await provider.async_search_remotes(ConnectorFilter(types=(ConnectorType.VIRTUAL,)))
    assert [c.assignment for c in found] == [
        ConnectorAssignment.THIS_CUSTOMER,
        ConnectorAssignment.OTHER_CUSTOMER,
        ConnectorAssignment.UNASSIGNED,
    ]
    assert all("pin" not in type(c).__dataclass_fields__ for c in found)


async def test_claim_compares_names_exactly_and_takes_the_matching_pin(
    mock_api: aioresponses, provider: ConnectorsProvider
) -> None:
    """The server's ``name`` filter may be partial; two units may share a name."""
    items = [
        connector(1, name="10051230", customer_id=None, pin="11111"),
        connector(2, name="1005123", customer_id=None, pin=None),
        connector(3, name="1005123", customer_id=None, pin="22222"),
    ]
    mock_api.get(LIST, payload=page(items, 3))
    one = f"{BASE}/v2/customers/connectors/{items[2]['id']}"
    mock_api.put(one, payload={**items[2], "customer_id": CUSTOMER})
    claimed = await provider.async_claim_remote("1005123", "22222")
    assert claimed.id == items[2]["id"]
    assert claimed.assignment is ConnectorAssignment.THIS_CUSTOMER


@pytest.mark.parametrize(("name", "pin"), [("", "12345"), ("1005123", "1234"), ("x", "abcde")])
async def test_claim_input_is_checked_first(
    mock_api: aioresponses, provider: ConnectorsProvider, name: str, pin: str
) -> None:
    with pytest.raises(InvalidRequestError):
        await provider.async_claim_remote(name, pin)
    assert request_count(mock_api) == 0


async def test_wrong_pins_are_limited_per_name(
    mock_api: aioresponses, session: aiohttp.ClientSession
) -> None:
    """Five wrong PINs within 15 minutes: the name is refused without asking the API."""
    now = [1000.0]
    provider = ConnectorsProvider(
        ConnectorsClient(session, BASE, ApiKeyAuth("k")), CUSTOMER, clock=lambda: now[0]
    )
    free = connector(1, name="1005123", customer_id=None, pin="24680")
    mock_api.get(LIST, payload=page([free], 1), repeat=True)
    for _ in range(MAX_WRONG_PINS):
        with pytest.raises(ClaimRefusedError) as refused:
            await provider.async_claim_remote("1005123", "13579")
        assert refused.value.reason is ClaimRefusal.WRONG_PIN
        now[0] += 60
    sent = request_count(mock_api)
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("1005123", "24680")
    assert refused.value.reason is ClaimRefusal.TOO_MANY_ATTEMPTS
    assert request_count(mock_api) == sent
    # Other names are not held back, and the oldest wrong PIN ages out of the window.
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("1005124", "24680")
    assert refused.value.reason is not ClaimRefusal.TOO_MANY_ATTEMPTS
    now[0] = 1000.0 + WRONG_PIN_WINDOW + 1
    one = f"{BASE}/v2/customers/connectors/{free['id']}"
    mock_api.put(one, payload={**free, "customer_id": CUSTOMER})
    claimed = await provider.async_claim_remote("1005123", "24680")
    assert claimed.assignment is ConnectorAssignment.THIS_CUSTOMER
    now[0] += WRONG_PIN_WINDOW + 1
    assert provider._recent_wrong_pins("1005123") == []  # forgotten entirely

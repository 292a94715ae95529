"""The real connectors client and provider against the sandbox over loopback."""

from __future__ import annotations

import aiohttp
import pytest

from custom_components.connected_ev.api.connectors import (
    ClientCredentials,
    ConnectorsClient,
    ConnectorsProvider,
)
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.http import observe_requests
from custom_components.connected_ev.api.models import (
    ClaimRefusal,
    ConnectorAssignment,
    ConnectorFilter,
    ConnectorType,
)
from custom_components.connected_ev.api.provider import ClaimRefusedError
from sandbox.connectors.server import ConnectorsSandboxServer

from .conftest import CUSTOMER

LIST = "/v2/customers/connectors"


def api_requests(server: ConnectorsSandboxServer) -> list[dict[str, object]]:
    return [r for r in server.sandbox.requests if r["path"] != "/oauth2/token"]


async def test_listing_3255_connectors_takes_4_requests(
    client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    sent: list[None] = []
    with observe_requests(lambda: sent.append(None)):
        connectors = await client.async_list_all()
    assert len(connectors) == 3255
    assert len({c.id for c in connectors}) == 3255
    assert len(api_requests(server)) == 4
    assert len(sent) == 5  # the four pages and one token request
    assert [r["query"] for r in api_requests(server)] == [
        f"limit=1000&offset={offset}" for offset in (0, 1000, 2000, 3000)
    ]


async def test_filters_are_applied_by_the_server(
    key_client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    virtual = await key_client.async_list_all(
        ConnectorFilter(assigned=False, types=(ConnectorType.VIRTUAL,))
    )
    expected = [
        c for c in server.world.connectors.values() if c.type == "virtual" and c.customer_id is None
    ]
    assert len(virtual) == len(expected) > 0
    assert api_requests(server)[-1]["query"] == "assigned=false&type=virtual&limit=1000&offset=0"
    mine = await key_client.async_list_all(ConnectorFilter(customer_id=CUSTOMER))
    assert {c.customer_id for c in mine} == {CUSTOMER}
    named = await key_client.async_list_all(ConnectorFilter(name=mine[0].name))
    assert [c.id for c in named] == [mine[0].id]
    both = ConnectorFilter(types=(ConnectorType.PHYSICAL, ConnectorType.VIRTUAL))
    assert (await key_client.async_list_page(both, limit=0)).total == 3255


async def test_single_connector_and_assignment(
    key_client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    free = next(c for c in server.world.connectors.values() if c.customer_id is None)
    record = await key_client.async_get(free.id.upper())
    assert (record.id, record.name, record.pin) == (free.id, free.name, free.pin)
    assert "pin" not in repr(record)
    assert (await key_client.async_set_customer(free.id, CUSTOMER)).customer_id == CUSTOMER
    assert (await key_client.async_set_customer(free.id, None)).customer_id is None
    with pytest.raises(NotFoundError):
        await key_client.async_get("00000000-0000-4000-8000-000000000000")


async def test_local_validation_sends_nothing(
    key_client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    with pytest.raises(InvalidRequestError):
        await key_client.async_list_page(limit=1001)
    with pytest.raises(InvalidRequestError):
        await key_client.async_list_all(ConnectorFilter(customer_id="nope"))
    assert server.sandbox.requests == []


async def test_oauth_token_is_reused_and_renewed(
    client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    await client.async_count()
    await client.async_count()
    tokens = [r for r in server.sandbox.requests if r["path"] == "/oauth2/token"]
    assert len(tokens) == 1
    server.sandbox.tokens.clear()  # revoked early: one new token, the request repeated
    assert await client.async_count() == 3255
    tokens = [r for r in server.sandbox.requests if r["path"] == "/oauth2/token"]
    assert len(tokens) == 2


async def test_wrong_credentials(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer
) -> None:
    auth = ClientCredentials(
        session, server.token_url, "sandbox-client", "wrong", timeout=aiohttp.ClientTimeout(10)
    )
    with pytest.raises(AuthenticationError):
        await ConnectorsClient(session, server.url, auth).async_count()


async def add_fault(
    session: aiohttp.ClientSession, server: ConnectorsSandboxServer, **fault: object
) -> None:
    async with session.post(server.url + "/_sandbox/faults", json=fault) as response:
        assert response.status == 201


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "error", "status": 503}, ProviderUnavailableError),
        ({"kind": "error", "status": 409}, ConflictError),
        ({"kind": "error", "status": 422}, NotCapableError),
        ({"kind": "rate_limit", "retryAfter": 30}, RateLimitedError),
        ({"kind": "malformed"}, InvalidResponseError),
        # aiohttp repeats an idempotent request once on a dropped keep-alive connection.
        ({"kind": "disconnect", "count": 2}, ProviderUnavailableError),
    ],
)
async def test_faults_become_typed_errors(
    session: aiohttp.ClientSession,
    key_client: ConnectorsClient,
    server: ConnectorsSandboxServer,
    fault: dict[str, object],
    error: type[Exception],
) -> None:
    await add_fault(session, server, path=LIST, **fault)
    with pytest.raises(error) as raised:
        await key_client.async_list_all()
    if isinstance(raised.value, RateLimitedError):
        assert raised.value.retry_after == 30


async def test_provider_claims_and_releases(
    key_client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    provider = ConnectorsProvider(key_client, CUSTOMER)
    assert (await provider.async_validate()).id == CUSTOMER
    assert len(await provider.async_list_remotes()) == 3
    created = server.world.create(name="7000001", pin="24680")
    server.sandbox.requests.clear()
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("7000001", "13579")
    assert refused.value.reason is ClaimRefusal.WRONG_PIN
    assert created.customer_id is None
    assert all(r["method"] == "GET" for r in server.sandbox.requests)

    claimed = await provider.async_claim_remote("7000001", "24680")
    assert claimed.assignment is ConnectorAssignment.THIS_CUSTOMER
    assert created.customer_id == CUSTOMER
    assert len(await provider.async_list_remotes()) == 4

    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("7000001", "24680")
    assert refused.value.reason is ClaimRefusal.ALREADY_ASSIGNED
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("9999999", "24680")
    assert refused.value.reason is ClaimRefusal.UNKNOWN_CONNECTOR

    released = await provider.async_release_remote(created.id)
    assert released.assignment is ConnectorAssignment.UNASSIGNED
    assert created.customer_id is None
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_release_remote(created.id)
    assert refused.value.reason is ClaimRefusal.NOT_ASSIGNED_HERE


async def test_a_connector_without_pin_cannot_be_claimed(
    key_client: ConnectorsClient, server: ConnectorsSandboxServer
) -> None:
    server.world.create(name="7000002", pin=None)
    provider = ConnectorsProvider(key_client, CUSTOMER)
    with pytest.raises(ClaimRefusedError) as refused:
        await provider.async_claim_remote("7000002", "00000")
    assert refused.value.reason is ClaimRefusal.WRONG_PIN


async def test_a_customer_without_connectors_is_refused(key_client: ConnectorsClient) -> None:
    provider = ConnectorsProvider(key_client, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError):
        await provider.async_validate()

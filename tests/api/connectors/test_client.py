"""The client over a mocked HTTP layer: requests as documented, errors typed, tokens shared."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from custom_components.connected_ev.api.connectors import (
    ApiKeyAuth,
    ClientCredentials,
    ConnectorsClient,
    checked_base_url,
)
from custom_components.connected_ev.api.connectors import client as client_module
from custom_components.connected_ev.api.errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    ProviderUnavailableError,
    RateLimitedError,
)
from custom_components.connected_ev.api.models import ConnectorFilter, ConnectorType

from ..conftest import FakeClock, request_count
from .test_parse import CONNECTOR

BASE = "https://partner.example"
TOKEN_URL = BASE + "/oauth2/token"
LIST = re.compile(r"^https://partner\.example/v2/customers/connectors\?.*$")
ONE = BASE + "/v2/customers/connectors/" + CONNECTOR["id"]
CUSTOMER = CONNECTOR["customer_id"]


def page(items: list[dict[str, Any]], total: int, limit: int = 1000, offset: int = 0) -> Any:
    return {"query": {"limit": limit, "offset": offset}, "result": items, "total": total}


def item(index: int) -> dict[str, Any]:
    return {**CONNECTOR, "id": f"00000000-0000-4000-8000-{index:012d}", "name": str(index)}


@pytest.fixture
def key_client(session: aiohttp.ClientSession) -> ConnectorsClient:
    return ConnectorsClient(session, BASE + "/", ApiKeyAuth("key-1"))


@pytest.fixture
def oauth(session: aiohttp.ClientSession, clock: FakeClock) -> ClientCredentials:
    return ClientCredentials(
        session, TOKEN_URL, "id-1", "secret-1", timeout=aiohttp.ClientTimeout(10), clock=clock
    )


@pytest.fixture
def oauth_client(session: aiohttp.ClientSession, oauth: ClientCredentials) -> ConnectorsClient:
    return ConnectorsClient(session, BASE, oauth)


def sent(mock_api: aioresponses) -> list[tuple[str, str, Any]]:
    return [
        (method, str(url), call.kwargs)
        for (method, url), calls in mock_api.requests.items()
        for call in calls
    ]


async def test_filters_and_paging_parameters(
    mock_api: aioresponses, key_client: ConnectorsClient
) -> None:
    mock_api.get(LIST, payload=page([CONNECTOR], 1, limit=1000, offset=0))
    filters = ConnectorFilter(
        assigned=True,
        customer_id=CUSTOMER.upper(),
        name="1005123",
        types=(ConnectorType.PHYSICAL, ConnectorType.VIRTUAL),
    )
    await key_client.async_list_page(filters)
    ((method, url, kwargs),) = sent(mock_api)
    assert method == "GET"
    query = URL(url).query
    assert sorted(query.items()) == [
        ("assigned", "true"),
        ("customer_id", CUSTOMER),
        ("limit", "1000"),
        ("name", "1005123"),
        ("offset", "0"),
        ("type", "physical"),
        ("type", "virtual"),
    ]
    assert kwargs["headers"]["X-Api-Key"] == "key-1"
    mock_api.get(LIST, payload=page([], 0, limit=25, offset=0))
    await key_client.async_list_page(ConnectorFilter(assigned=False), limit=25)


async def test_every_page_until_total(
    mock_api: aioresponses, key_client: ConnectorsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of the largest size until ``total``: 32 connectors in pages of 10 take 4 requests.

    (The sandbox contract test reads 3,255 connectors in pages of 1000; mocked bodies that
    large are more than the mock transport buffers.)
    """
    monkeypatch.setattr(client_module, "MAX_LIMIT", 10)
    for offset in (0, 10, 20, 30):
        items = [item(offset + i) for i in range(min(10, 32 - offset))]
        mock_api.get(LIST, payload=page(items, 32, limit=10, offset=offset))
    connectors = await key_client.async_list_all()
    assert len(connectors) == 32
    assert request_count(mock_api) == 4
    assert [URL(url).query["offset"] for _, url, _ in sent(mock_api)] == ["0", "10", "20", "30"]


async def test_listing_stops_at_an_empty_page_and_drops_repeats(
    mock_api: aioresponses, key_client: ConnectorsClient
) -> None:
    """A shrinking list: ``total`` says 5 but the second page is empty."""
    mock_api.get(LIST, payload=page([item(1), item(1), item(2)], 5))
    mock_api.get(LIST, payload=page([], 5, offset=3))
    assert [c.name for c in await key_client.async_list_all()] == ["1", "2"]


async def test_listing_is_bounded(
    mock_api: aioresponses, key_client: ConnectorsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server whose ``total`` keeps ahead is read for ``MAX_PAGES`` pages at most."""
    monkeypatch.setattr(client_module, "MAX_PAGES", 2)
    monkeypatch.setattr(client_module, "MAX_LIMIT", 1)
    mock_api.get(LIST, payload=page([item(1)], 10**9, limit=1, offset=0))
    mock_api.get(LIST, payload=page([item(2)], 10**9, limit=1, offset=1))
    assert len(await key_client.async_list_all()) == 2
    assert request_count(mock_api) == 2


@pytest.mark.parametrize(
    "body",
    [page([item(1), item(2)], 2, limit=1), page([item(1)], 1, offset=7), b"{", {"result": []}],
)
async def test_a_page_that_is_not_what_was_asked_for(
    mock_api: aioresponses, key_client: ConnectorsClient, body: Any
) -> None:
    if isinstance(body, bytes):
        mock_api.get(LIST, body=body)
    else:
        mock_api.get(LIST, payload=body)
    with pytest.raises(InvalidResponseError):
        await key_client.async_list_page(limit=1)


async def test_get_and_put(mock_api: aioresponses, key_client: ConnectorsClient) -> None:
    mock_api.get(ONE, payload=CONNECTOR)
    assert (await key_client.async_get(CONNECTOR["id"])).name == "1005123"
    mock_api.put(ONE, payload={**CONNECTOR, "customer_id": None})
    assert (await key_client.async_set_customer(CONNECTOR["id"], None)).customer_id is None
    mock_api.put(ONE, payload=CONNECTOR)
    await key_client.async_set_customer(CONNECTOR["id"], CUSTOMER)
    bodies = [kwargs["json"] for method, _, kwargs in sent(mock_api) if method == "PUT"]
    assert bodies == [{"customer_id": None}, {"customer_id": CUSTOMER}]


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.async_get("nope"),
        lambda c: c.async_set_customer(CONNECTOR["id"], "nope"),
        lambda c: c.async_list_page(offset=-1),
        lambda c: c.async_list_all(ConnectorFilter(types=(ConnectorType.UNKNOWN,))),
        lambda c: c.async_count(ConnectorFilter(name="")),
    ],
)
async def test_invalid_input_sends_nothing(
    mock_api: aioresponses, key_client: ConnectorsClient, call: Any
) -> None:
    with pytest.raises(InvalidRequestError):
        await call(key_client)
    assert request_count(mock_api) == 0


@pytest.mark.parametrize(
    "url", ["ftp://x", "https://", "https://x/?a=1", "https://x/#f", "not a url"]
)
def test_base_url_must_be_http(url: str) -> None:
    with pytest.raises(InvalidRequestError):
        checked_base_url(url)


def test_secrets_stay_out_of_repr(key_client: ConnectorsClient, oauth: ClientCredentials) -> None:
    assert "key-1" not in repr(key_client)
    assert repr(key_client.__dict__["_auth"]) == "ApiKeyAuth()"
    assert "secret" not in repr(oauth)


@pytest.mark.parametrize("key", ["", " key", "key\n"])
def test_malformed_api_key(key: str) -> None:
    with pytest.raises(AuthenticationError):
        ApiKeyAuth(key)


async def test_api_key_rejected_is_not_retried(
    mock_api: aioresponses, key_client: ConnectorsClient
) -> None:
    mock_api.get(LIST, status=401, payload={"type": "about:blank", "status": 401})
    with pytest.raises(AuthenticationError):
        await key_client.async_count()
    assert request_count(mock_api) == 1


async def test_errors_carry_the_problem(
    mock_api: aioresponses, key_client: ConnectorsClient
) -> None:
    mock_api.get(
        LIST,
        status=422,
        payload={"title": "Unprocessable", "invalid-params": [{"name": "type"}]},
        content_type="application/problem+json",
    )
    with pytest.raises(NotCapableError) as raised:
        await key_client.async_count()
    assert raised.value.detail == "type: Unprocessable"


async def test_token_is_shared_and_renewed(
    mock_api: aioresponses, oauth_client: ConnectorsClient, clock: FakeClock
) -> None:
    mock_api.post(TOKEN_URL, payload={"access_token": "t1", "expires_in": 600}, repeat=False)
    mock_api.get(LIST, payload=page([], 0, limit=1), repeat=True)
    await asyncio.gather(oauth_client.async_count(), oauth_client.async_count())
    tokens = [k for m, u, k in sent(mock_api) if m == "POST"]
    assert len(tokens) == 1
    assert tokens[0]["data"] == {
        "grant_type": "client_credentials",
        "client_id": "id-1",
        "client_secret": "secret-1",
    }
    gets = [k for m, _, k in sent(mock_api) if m == "GET"]
    assert gets[0]["headers"]["Authorization"] == "Bearer t1"
    clock.advance(600 - 59)  # inside the refresh margin
    mock_api.post(TOKEN_URL, payload={"access_token": "t2"})
    await oauth_client.async_count()
    assert sum(1 for m, _, _ in sent(mock_api) if m == "POST") == 2


async def test_rejected_token_is_replaced_once(
    mock_api: aioresponses, oauth_client: ConnectorsClient
) -> None:
    mock_api.post(TOKEN_URL, payload={"access_token": "t1"})
    mock_api.get(LIST, status=401)
    mock_api.post(TOKEN_URL, payload={"access_token": "t2"})
    mock_api.get(LIST, payload=page([], 7, limit=1))
    assert await oauth_client.async_count() == 7
    mock_api.post(TOKEN_URL, payload={"access_token": "t3"})
    mock_api.get(LIST, status=401)
    mock_api.post(TOKEN_URL, payload={"access_token": "t4"})
    mock_api.get(LIST, status=401)
    with pytest.raises(AuthenticationError):
        await oauth_client.async_count()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, {"error": "invalid_client"}, AuthenticationError),
        (400, {"error": "invalid_request"}, AuthenticationError),
        (429, {}, RateLimitedError),
        (500, {}, ProviderUnavailableError),
        (200, {"token_type": "Bearer"}, InvalidResponseError),
        (200, [], InvalidResponseError),
    ],
)
async def test_token_errors(
    mock_api: aioresponses,
    oauth_client: ConnectorsClient,
    status: int,
    body: Any,
    error: type[Exception],
) -> None:
    mock_api.post(TOKEN_URL, status=status, payload=body, headers={"Retry-After": "5"})
    with pytest.raises(error):
        await oauth_client.async_count()


@pytest.mark.parametrize(
    ("expires_in", "renewed_after"),
    [(None, 3540), ("600", 3540), (float("inf"), 3540), (True, 3540), (1, 15), (10**9, 86340)],
)
async def test_token_lifetime_is_clamped(
    mock_api: aioresponses,
    oauth: ClientCredentials,
    clock: FakeClock,
    expires_in: object,
    renewed_after: float,
) -> None:
    token: dict[str, Any] = {"access_token": "t"}
    if expires_in is not None:
        token["expires_in"] = expires_in
    mock_api.post(TOKEN_URL, body=json.dumps(token), repeat=True)
    await oauth.async_headers()
    clock.advance(renewed_after - 1)
    await oauth.async_headers()
    assert request_count(mock_api) == 1
    clock.advance(1)
    await oauth.async_headers()
    assert request_count(mock_api) == 2


async def test_empty_client_credentials(session: aiohttp.ClientSession) -> None:
    auth = ClientCredentials(session, TOKEN_URL, "", "", timeout=aiohttp.ClientTimeout(1))
    with pytest.raises(AuthenticationError):
        await auth.async_headers()

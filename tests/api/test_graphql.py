"""The shared GraphQL POST helper: body, errors, partial data, status mapping."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from gql import gql
from yarl import URL

from custom_components.connected_ev.api.errors import (
    InvalidResponseError,
    NotFoundError,
    ProviderError,
)
from custom_components.connected_ev.api.graphql import (
    GraphQLError,
    async_post_graphql,
    operation_name,
)
from custom_components.connected_ev.api.http import RawResponse

from .conftest import requests_to

URL_ = "https://graphql.example/graphql"
QUERY = gql("query Thing($id: ID!) { thing(id: $id) { id } }")


def _mapped(response: RawResponse, operation: str) -> ProviderError:
    return NotFoundError(f"{operation} {response.status}", status=response.status)


async def _post(session: aiohttp.ClientSession, **kwargs: Any) -> Any:
    return await async_post_graphql(
        session,
        URL(URL_),
        QUERY,
        provider="Example",
        headers={"X-Key": "k"},
        client_timeout=aiohttp.ClientTimeout(total=5),
        error_for_status=_mapped,
        **kwargs,
    )


async def test_body_and_data(mock_api: aioresponses, session: aiohttp.ClientSession) -> None:
    """The printed document, its operation name and the variables are posted."""
    mock_api.post(URL_, payload={"data": {"thing": {"id": "1"}}})
    response = await _post(session, variables={"id": "1"})
    assert response.data == {"thing": {"id": "1"}}
    assert response.errors == ()
    (call,) = requests_to(mock_api, "POST", URL_)
    body = call.kwargs["json"]
    assert body["operationName"] == "Thing"
    assert body["variables"] == {"id": "1"}
    assert "thing(id: $id)" in body["query"]
    assert call.kwargs["headers"]["X-Key"] == "k"
    assert call.kwargs["headers"]["Content-Type"] == "application/json"


async def test_errors_with_codes(mock_api: aioresponses, session: aiohttp.ClientSession) -> None:
    """Codes come from extensions.code, else extensions.exception.code; data is kept."""
    mock_api.post(
        URL_,
        payload={
            "data": {"thing": None},
            "errors": [
                {"message": "a", "extensions": {"code": "A"}, "path": ["thing", 0, {}]},
                {"message": "b", "extensions": {"exception": {"code": "B"}}},
                {"message": "c", "extensions": {"exception": "x"}},
                "plain",
            ],
        },
    )
    response = await _post(session)
    assert response.data == {"thing": None}
    assert response.errors == (
        GraphQLError("a", "A", ("thing", 0)),
        GraphQLError("b", "B"),
        GraphQLError("c"),
        GraphQLError("plain"),
    )


@pytest.mark.parametrize(
    "payload",
    [[], {"data": []}, {"data": None, "errors": {}}, {"data": None}, {}],
)
async def test_malformed_responses(
    mock_api: aioresponses, session: aiohttp.ClientSession, payload: Any
) -> None:
    """Anything but an object with data and/or a list of errors is invalid."""
    mock_api.post(URL_, payload=payload)
    with pytest.raises(InvalidResponseError):
        await _post(session)


async def test_status_goes_to_the_provider_mapping(
    mock_api: aioresponses, session: aiohttp.ClientSession
) -> None:
    """A non-2xx status is mapped by the provider, named by the operation."""
    mock_api.post(URL_, status=404, payload={})
    with pytest.raises(NotFoundError, match="Thing 404"):
        await _post(session)


def test_documents_must_name_their_operation() -> None:
    """An anonymous document cannot be sent (logs and errors name the operation)."""
    with pytest.raises(ValueError, match="name"):
        operation_name(gql("{ thing(id: 1) { id } }"))

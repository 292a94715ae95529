"""GraphQL over HTTP POST on an injected aiohttp session, for every GraphQL provider.

Documents are written with ``gql()`` (parsed once, validated against each provider's schema
file in the tests) and sent here as ``{"query", "variables", "operationName"}``. gql 3.5's
own ``AIOHTTPTransport`` opens its own ``aiohttp.ClientSession``; Home Assistant wants the
shared session injected, so only gql's document handling is used, not its transport.

A non-2xx status goes to the provider's own mapping (its error bodies differ); a 2xx body is
read as a GraphQL response: ``data`` (possibly partial) and ``errors``. What a provider does
with errors next to data is its own choice, so both are returned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from graphql import DocumentNode, OperationDefinitionNode, print_ast
from yarl import URL

from .errors import InvalidResponseError, ProviderError
from .http import RawResponse, async_send, decode_json

__all__ = ["GraphQLError", "GraphQLResponse", "async_post_graphql", "operation_name"]


@dataclass(frozen=True, slots=True)
class GraphQLError:
    """One entry of a response's ``errors``: its message, code and path, where given."""

    message: str
    code: str | None = None
    path: tuple[str | int, ...] = ()


@dataclass(frozen=True, slots=True)
class GraphQLResponse:
    """A 2xx GraphQL response: ``data`` (``None`` when nothing resolved) and ``errors``."""

    data: dict[str, Any] | None
    errors: tuple[GraphQLError, ...] = ()


def operation_name(document: DocumentNode) -> str:
    """Return the name of the document's (first) operation; documents here always name one."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name is not None:
            return definition.name.value
    raise ValueError("a GraphQL document sent by a client must name its operation")


def _error(item: Any) -> GraphQLError:
    """Read one ``errors`` entry leniently (``extensions.code`` is where servers put codes)."""
    if not isinstance(item, dict):
        return GraphQLError(message=str(item)[:300])
    extensions = item.get("extensions")
    code = extensions.get("code") if isinstance(extensions, dict) else None
    if code is None and isinstance(extensions, dict):
        # Apollo Server 2 style (Chargetrip): ``extensions.exception.code``.
        exception = extensions.get("exception")
        code = exception.get("code") if isinstance(exception, dict) else None
    path = item.get("path")
    return GraphQLError(
        message=str(item.get("message") or "")[:300],
        code=code if isinstance(code, str) else None,
        path=tuple(p for p in path if isinstance(p, (str, int))) if isinstance(path, list) else (),
    )


def parse_response(response: RawResponse, provider: str, operation: str) -> GraphQLResponse:
    """Read a 2xx body as a GraphQL response; anything else is an invalid response."""
    document = decode_json(response, provider, operation)
    if not isinstance(document, dict):
        raise InvalidResponseError(f"{provider} {operation} did not return a JSON object")
    data = document.get("data")
    errors = document.get("errors")
    if (data is not None and not isinstance(data, dict)) or (
        errors is not None and not isinstance(errors, list)
    ):
        raise InvalidResponseError(f"{provider} {operation} returned a malformed response")
    if data is None and not errors:
        raise InvalidResponseError(f"{provider} {operation} returned neither data nor errors")
    return GraphQLResponse(data=data, errors=tuple(_error(item) for item in errors or ()))


async def async_post_graphql(
    session: aiohttp.ClientSession,
    url: URL,
    document: DocumentNode,
    *,
    provider: str,
    headers: Mapping[str, str],
    client_timeout: aiohttp.ClientTimeout,
    error_for_status: Callable[[RawResponse, str], ProviderError],
    variables: Mapping[str, Any] | None = None,
) -> GraphQLResponse:
    """POST one document; a non-2xx status raises ``error_for_status(response, operation)``.

    Logs and error messages name the operation only, never variables (ids) or the body.
    """
    operation = operation_name(document)
    body: dict[str, Any] = {"query": print_ast(document), "operationName": operation}
    if variables:
        body["variables"] = dict(variables)
    response = await async_send(
        session,
        "POST",
        url,
        provider=provider,
        operation=operation,
        client_timeout=client_timeout,
        headers={"Content-Type": "application/json", **headers},
        json_body=body,
    )
    if not 200 <= response.status < 300:
        raise error_for_status(response, operation)
    return parse_response(response, provider, operation)

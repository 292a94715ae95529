"""Typed asyncio client of Chargetrip's connected-vehicle GraphQL API.

Transport: gql 3.5's ``AIOHTTPTransport`` and ``WebsocketsTransport`` open their own
connections (an own ``aiohttp.ClientSession`` or the ``websockets`` package), while Home
Assistant wants its shared aiohttp session injected (quality rule ``inject-websession``).
So the documents are written with ``gql()`` (``documents``) and validated against the
schema in the tests, queries and mutations are POSTed over the injected session
(``api/http``), and the ``connectedVehicle`` subscription speaks ``graphql-transport-ws``
over ``session.ws_connect`` on the same session: ``connection_init`` with the three header
values as payload, ``subscribe`` per vehicle, ``next``/``error``/``complete``,
``ping``/``pong``.

Errors arrive as HTTP 200 with codes in ``errors[].extensions.exception.code``; ``parse``
maps them, case-insensitively, to ``api.errors``. Messages and logs name the operation
only: never ids, the token, the VIN or coordinates.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from functools import cache
from typing import Any, Final

import aiohttp
from graphql import DocumentNode, print_ast
from yarl import URL

from ..errors import (
    AuthenticationError,
    InvalidRequestError,
    InvalidResponseError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..graphql import operation_name
from ..http import RawResponse, async_send, decode_json, parse_retry_after
from ..models import DeviceStatusChange, LinkStatus
from . import documents
from .const import (
    APP_ID_HEADER,
    AUTHORIZATION_HEADER,
    CATALOGUE_PAGE_SIZE,
    CLIENT_ID_HEADER,
    CONNECT_PROVIDER,
    DEFAULT_BASE_URL,
    DEFAULT_REQUEST_TIMEOUT,
    GRAPHQL_PATH,
    PROVIDER_NAME,
    SCOPES,
    SUBSCRIPTION_PATH,
    WS_ACK_TIMEOUT,
    WS_IDLE,
    WS_PROTOCOL,
)
from .parse import (
    CatalogueModel,
    ConnectedVehicle,
    Envelope,
    parse_catalogue,
    parse_connected_vehicle,
    parse_envelope,
    parse_failure,
    parse_status,
)

_LOGGER = logging.getLogger(__name__)

_WS_AUTH_CLOSE_CODES: Final = frozenset({4401, 4403})
"""graphql-transport-ws closes: unauthorized (no init) and forbidden (rejected init)."""


def _error_for_status(response: RawResponse, operation: str) -> ProviderError:
    """Chargetrip answers 200 even for errors; anything else came from in front of it.

    So this is not ``api.errors.error_for_status``: a 404, 408, 409 or other 4xx from a
    gateway says nothing about a vehicle or an action (an invalid response, not "gone" or
    "not capable"), and a gateway's 5xx ``Retry-After`` is not Chargetrip's to keep.
    """
    message = f"{PROVIDER_NAME} {operation} returned HTTP {response.status}"
    if response.status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(message, retry_after=retry_after, status=429)
    if response.status >= 500:
        return ProviderUnavailableError(message, status=response.status)
    if response.status in (401, 403):
        return AuthenticationError(message, status=response.status)
    return InvalidResponseError(message, status=response.status)


@cache
def _text(document: DocumentNode) -> str:
    """Return a fixed document's text, printed once."""
    return print_ast(document)


def _credential(value: str, name: str) -> str:
    """Return a header value: stripped, non-empty, one line."""
    value = value.strip()
    if not value or any(char in value for char in "\r\n"):
        raise InvalidRequestError(f"{name} must be a non-empty single line")
    return value


class ChargetripClient:
    """One Chargetrip user (project client id, app id and the user's token)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        app_id: str,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._session = session
        self._headers = {
            CLIENT_ID_HEADER: _credential(client_id, "client_id"),
            APP_ID_HEADER: _credential(app_id, "app_id"),
            AUTHORIZATION_HEADER: _credential(token, "token"),
        }
        base = URL(base_url.rstrip("/"))
        self._graphql_url = base.with_path(base.path.rstrip("/") + GRAPHQL_PATH)
        ws_scheme = "wss" if base.scheme == "https" else "ws"
        self._ws_url = base.with_scheme(ws_scheme).with_path(
            base.path.rstrip("/") + SUBSCRIPTION_PATH
        )
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)

    def __repr__(self) -> str:
        """Never show the token."""
        return f"ChargetripClient(url={str(self._graphql_url)!r})"

    async def async_execute(
        self, document: DocumentNode, variables: dict[str, Any] | None = None
    ) -> Envelope:
        """POST one document; return what resolved and what failed (both may be there)."""
        return await self._async_post(_text(document), operation_name(document), variables)

    async def _async_post(
        self, query: str, operation: str, variables: dict[str, Any] | None
    ) -> Envelope:
        """POST a query's text under its operation name."""
        body: dict[str, Any] = {"query": query, "operationName": operation}
        if variables:
            body["variables"] = variables
        response = await async_send(
            self._session,
            "POST",
            self._graphql_url,
            provider=PROVIDER_NAME,
            operation=operation,
            client_timeout=self._timeout,
            headers={"Content-Type": "application/json", **self._headers},
            json_body=body,
        )
        if response.status != 200:
            raise _error_for_status(response, operation)
        return parse_envelope(decode_json(response, PROVIDER_NAME, operation), operation)

    async def _async_field(
        self, document: DocumentNode, field: str, variables: dict[str, Any] | None = None
    ) -> Any:
        """Run a document and return its one top-level field, or raise its error."""
        envelope = await self.async_execute(document, variables)
        if envelope.failures:
            raise envelope.worst(operation_name(document))
        return envelope.data.get(field)

    async def async_validate(self) -> None:
        """Check all three credentials with the cheapest request that needs the token."""
        await self._async_field(documents.VALIDATE, "connectedVehicleList")

    async def async_search(self, search: str | None, page: int = 0) -> list[CatalogueModel]:
        """One page of the catalogue's models connectable through Enode."""
        variables = {"search": search or None, "page": page, "size": CATALOGUE_PAGE_SIZE}
        return parse_catalogue(
            await self._async_field(documents.CATALOGUE, "vehicleList", variables)
        )

    async def async_create(
        self, model_id: str, redirect_uri: str, label: str | None = None
    ) -> ConnectedVehicle:
        """Create a connected vehicle with every scope; its ``authorization_url`` links it."""
        vehicle_input: dict[str, Any] = {
            "vehicle_id": model_id,
            "provider": CONNECT_PROVIDER,
            "options": {"redirect_uri": redirect_uri, "scope": list(SCOPES)},
        }
        if label:
            vehicle_input["label"] = label
        return self._connected(
            await self._async_field(
                documents.CREATE, "createConnectedVehicle", {"input": vehicle_input}
            ),
            "createConnectedVehicle",
        )

    async def async_authorize(self, connected_id: str, code: str | None) -> ConnectedVehicle:
        """Finish linking after the redirect; ``code`` only when the redirect carried one."""
        options = {"code": code} if code else {}
        return self._connected(
            await self._async_field(
                documents.AUTHORIZE,
                "authorizeConnectedVehicle",
                {"input": {"id": connected_id, "options": options}},
            ),
            "authorizeConnectedVehicle",
        )

    async def async_remove(self, connected_id: str) -> None:
        """Revoke and remove a connected vehicle (no subscription on it may be open)."""
        await self._async_field(
            documents.REMOVE, "removeConnectedVehicle", {"input": {"id": connected_id}}
        )

    async def async_refresh(self, known: Sequence[tuple[str, str]]) -> Envelope:
        """Read the list plus data and naming of ``known`` (connected id, catalogue id)."""
        variables: dict[str, Any] = {}
        for index, (connected_id, model_id) in enumerate(known):
            variables[f"c{index}"] = connected_id
            variables[f"v{index}"] = model_id
        query = documents.refresh_query(len(known))
        return await self._async_post(query, documents.REFRESH, variables)

    @staticmethod
    def _connected(value: Any, field: str) -> ConnectedVehicle:
        if (vehicle := parse_connected_vehicle(value)) is None:
            raise InvalidResponseError(f"{PROVIDER_NAME} {field} returned no vehicle")
        return vehicle

    # --- the subscription ---------------------------------------------------------------

    async def async_watch(self, connected_ids: Sequence[str]) -> AsyncIterator[DeviceStatusChange]:
        """Yield status changes of the vehicles until every subscription completes.

        One socket, one ``subscribe`` per vehicle. A refused ``connection_init`` raises
        ``AuthenticationError``; a lost connection ``ProviderUnavailableError`` (the
        caller reconnects).
        """
        query = _text(documents.WATCH)
        operation = operation_name(documents.WATCH)
        try:
            async with self._session.ws_connect(
                self._ws_url,
                protocols=(WS_PROTOCOL,),
                timeout=aiohttp.ClientWSTimeout(ws_close=WS_ACK_TIMEOUT),
            ) as socket:
                await socket.send_json({"type": "connection_init", "payload": self._headers})
                await self._async_ack(socket)
                pending = {str(index): cid for index, cid in enumerate(connected_ids)}
                for sub_id, connected_id in pending.items():
                    await socket.send_json(
                        {
                            "id": sub_id,
                            "type": "subscribe",
                            "payload": {
                                "query": query,
                                "operationName": operation,
                                "variables": {"id": connected_id},
                            },
                        }
                    )
                while pending:
                    message = await self._async_receive(socket)
                    if (change := await self._async_handle(socket, message, pending)) is not None:
                        yield change
        except (aiohttp.ClientError, TimeoutError) as err:
            _LOGGER.debug("%s subscription failed: %s", PROVIDER_NAME, type(err).__name__)
            raise ProviderUnavailableError(
                f"{PROVIDER_NAME} subscription failed: {type(err).__name__}"
            ) from err

    async def _async_ack(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        """Wait for ``connection_ack`` (pings may come first)."""
        async with asyncio.timeout(WS_ACK_TIMEOUT):
            while True:
                message = await self._async_receive(socket)
                if message.get("type") == "connection_ack":
                    return
                if message.get("type") == "ping":
                    await socket.send_json({"type": "pong"})

    @staticmethod
    async def _async_receive(socket: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
        """Return the next JSON message; a close becomes the error its code stands for.

        After ``WS_IDLE`` seconds of silence the client pings (the protocol's own ``ping``);
        a second silence means the connection is dead (``TimeoutError``: reconnect).
        """
        try:
            message = await socket.receive(timeout=WS_IDLE)
        except TimeoutError:
            await socket.send_json({"type": "ping"})
            message = await socket.receive(timeout=WS_IDLE)
        if message.type is aiohttp.WSMsgType.TEXT:
            try:
                decoded = json.loads(message.data)
            except ValueError as err:
                raise InvalidResponseError(
                    f"{PROVIDER_NAME} sent a message that is not JSON"
                ) from err
            if not isinstance(decoded, dict):
                raise InvalidResponseError(f"{PROVIDER_NAME} sent a message that is not an object")
            return decoded
        code = socket.close_code
        if code in _WS_AUTH_CLOSE_CODES:
            raise AuthenticationError(f"{PROVIDER_NAME} subscription refused ({code})")
        raise ProviderUnavailableError(f"{PROVIDER_NAME} subscription closed ({code})")

    @staticmethod
    async def _async_handle(
        socket: aiohttp.ClientWebSocketResponse, message: dict[str, Any], pending: dict[str, str]
    ) -> DeviceStatusChange | None:
        """Apply one protocol message; return the status change it carries, if any."""
        kind, sub_id = message.get("type"), message.get("id")
        if kind == "ping":
            await socket.send_json({"type": "pong"})
            return None
        if not isinstance(sub_id, str) or sub_id not in pending:
            return None
        payload = message.get("payload")
        if kind == "complete":
            del pending[sub_id]
        elif kind == "error":
            # The subscription ended; a vanished vehicle is removed, other codes retried.
            connected_id = pending.pop(sub_id)
            errors = payload if isinstance(payload, list) else []
            codes = {parse_failure(item).code for item in errors}
            if codes & {"auth_token_expired", "auth_token_invalid"}:
                raise AuthenticationError(f"{PROVIDER_NAME} subscription: token rejected")
            if "connected_vehicle_not_found" in codes:
                return DeviceStatusChange(connected_id, LinkStatus.REMOVED)
        elif kind == "next" and isinstance(payload, dict):
            data = payload.get("data")
            vehicle = data.get("connectedVehicle") if isinstance(data, dict) else None
            if isinstance(vehicle, dict):
                return DeviceStatusChange(pending[sub_id], parse_status(vehicle.get("status")))
        return None

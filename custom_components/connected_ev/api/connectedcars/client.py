"""Connected Cars GraphQL pull API over the injected aiohttp session.

Requests go through ``api.graphql`` (documents from ``documents``), each with a JWT from
``ConnectedCarsAuth``. An HTTP 401 means the JWT is no longer accepted: it is dropped and the
request sent once more with a freshly minted one (as Connected Cars' own sample client does);
a second 401, or a device token the Auth API refuses, is an ``AuthenticationError`` and the
user re-authenticates. GraphQL error codes are not documented: errors without data are an
unavailable provider, errors next to data keep the data that arrived.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from graphql import DocumentNode
from yarl import URL

from ..errors import AuthenticationError, ProviderUnavailableError
from ..graphql import GraphQLResponse, async_post_graphql
from ..models import Vehicle
from .auth import ConnectedCarsAuth
from .const import (
    DEFAULT_API_ORIGIN,
    DEFAULT_REQUEST_TIMEOUT,
    GRAPHQL_PATH,
    NAMESPACE_HEADER,
    PROVIDER_NAME,
    USER_AGENT,
)
from .documents import GLOBAL_ORGANIZATIONS, VEHICLES, VIEWER
from .errors import error_for_status
from .parse import parse_organizations, parse_vehicles

_LOGGER = logging.getLogger(__name__)


def _graphql_url(api_origin: str) -> URL:
    origin = URL(api_origin)
    return origin.with_path(origin.path.rstrip("/") + GRAPHQL_PATH)


def _data(response: GraphQLResponse, operation: str) -> dict[str, Any]:
    """Return the data; errors without any data mean the provider could not answer."""
    if response.errors:
        # Codes and messages only: paths can hold ids.
        _LOGGER.debug(
            "%s %s answered %d error(s): %s",
            PROVIDER_NAME,
            operation,
            len(response.errors),
            ", ".join(sorted({error.code or "no code" for error in response.errors})),
        )
    if response.data is None:
        raise ProviderUnavailableError(f"{PROVIDER_NAME} {operation} answered only errors")
    return response.data


async def async_global_organizations(
    session: aiohttp.ClientSession, api_origin: str = DEFAULT_API_ORIGIN
) -> dict[str, tuple[str, str]]:
    """Read the regions: organization key → (API origin, Auth API origin). Needs no token."""
    response = await async_post_graphql(
        session,
        _graphql_url(api_origin),
        GLOBAL_ORGANIZATIONS,
        provider=PROVIDER_NAME,
        headers={"User-Agent": USER_AGENT},
        client_timeout=DEFAULT_REQUEST_TIMEOUT,
        error_for_status=error_for_status,
    )
    return parse_organizations(_data(response, "GlobalOrganizations"))


class ConnectedCarsClient:
    """One account's GraphQL requests in one region and namespace."""

    def __init__(
        self, session: aiohttp.ClientSession, auth: ConnectedCarsAuth, api_origin: str
    ) -> None:
        self._session = session
        self.auth = auth
        self._url = _graphql_url(api_origin)

    async def _async_query(
        self, document: DocumentNode, variables: Mapping[str, Any] | None = None
    ) -> GraphQLResponse:
        """Send with a JWT; on a 401 once more with a new one, then give up (reauth)."""
        token = await self.auth.async_token()
        try:
            return await self._async_post(document, variables, token)
        except AuthenticationError as err:
            if err.status != 401:
                raise
            _LOGGER.debug("%s refused the access token; minting a new one", PROVIDER_NAME)
            self.auth.invalidate(token)
        return await self._async_post(document, variables, await self.auth.async_token())

    async def _async_post(
        self, document: DocumentNode, variables: Mapping[str, Any] | None, token: str
    ) -> GraphQLResponse:
        return await async_post_graphql(
            self._session,
            self._url,
            document,
            provider=PROVIDER_NAME,
            headers={
                "Authorization": f"Bearer {token}",
                NAMESPACE_HEADER: self.auth.namespace,
                "User-Agent": USER_AGENT,
            },
            client_timeout=DEFAULT_REQUEST_TIMEOUT,
            error_for_status=error_for_status,
            variables=variables,
        )

    async def async_viewer(self) -> tuple[str, int]:
        """Read the user id and the number of vehicles (one cheap request)."""
        data = _data(await self._async_query(VIEWER), "Viewer")
        user_id, vehicles = parse_vehicles(data)
        return user_id, len(vehicles)

    async def async_vehicles(self) -> list[Vehicle]:
        """Every vehicle of the user with all its data, in one request."""
        data = _data(await self._async_query(VEHICLES), "Vehicles")
        return parse_vehicles(data)[1]

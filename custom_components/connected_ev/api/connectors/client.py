"""Typed asyncio client of the three documented connector endpoints.

Every method checks its input first (``InvalidRequestError``, nothing sent), then sends
through ``_request``. A rejected OAuth token is replaced once and the request repeated;
everything else non-2xx becomes a typed error (``errors.error_for_status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp
from yarl import URL

from ..errors import AuthenticationError, InvalidRequestError, InvalidResponseError
from ..http import RawResponse, async_send, decode_json
from ..models import ConnectorFilter
from . import validation as check
from .auth import Auth
from .const import (
    CONNECTOR_PATH,
    CONNECTORS_PATH,
    DEFAULT_REQUEST_TIMEOUT,
    MAX_LIMIT,
    MAX_PAGES,
    PROVIDER_NAME,
)
from .errors import error_for_status
from .models import ConnectorPage, ConnectorRecord
from .parse import parse_connector, parse_page


def checked_base_url(base_url: str) -> str:
    """Return an absolute http(s) URL without query or fragment, without its trailing slash."""
    url = URL(base_url) if isinstance(base_url, str) else None
    if (
        url is None
        or url.scheme not in ("http", "https")
        or not url.host
        or url.query_string
        or url.fragment
    ):
        raise InvalidRequestError("base_url must be an http(s) URL", detail="base_url")
    return str(url).rstrip("/")


def filter_query(filters: ConnectorFilter) -> list[tuple[str, str]]:
    """Return the query parameters of ``filters``, checked (``type`` repeated, form/explode)."""
    query: list[tuple[str, str]] = []
    if filters.assigned is not None:
        query.append(("assigned", "true" if filters.assigned else "false"))
    if filters.customer_id is not None:
        query.append(("customer_id", check.uuid(filters.customer_id, "customer_id")))
    if filters.name is not None:
        query.append(("name", check.name(filters.name)))
    if filters.types:
        query.extend(("type", kind.value) for kind in check.types(filters.types))
    return query


class ConnectorsClient:
    """The partner API of one base URL, authenticated by ``auth``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        auth: Auth,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._session = session
        self._base_url = checked_base_url(base_url)
        self._auth = auth
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)

    def __repr__(self) -> str:
        """Show the server, never the credentials."""
        return f"ConnectorsClient(base_url={self._base_url!r})"

    async def _request(
        self,
        method: str,
        template: str,
        *,
        connector_id: str | None = None,
        query: Sequence[tuple[str, str]] = (),
        body: object = None,
    ) -> RawResponse:
        """Send one request (twice if a token was rejected); non-2xx raises a typed error."""
        path = template if connector_id is None else template.format(connector_id=connector_id)
        url = URL(self._base_url + path, encoded=True)
        if query:
            url = url.extend_query(list(query))
        operation = f"{method} {template}"  # the template, never the id
        for attempt in range(2):
            headers = {"Accept": "application/json", **await self._auth.async_headers()}
            response = await async_send(
                self._session,
                method,
                url,
                provider=PROVIDER_NAME,
                operation=operation,
                client_timeout=self._timeout,
                headers=headers,
                json_body=body,
            )
            if 200 <= response.status < 300:
                return response
            error = error_for_status(response, operation)
            if isinstance(error, AuthenticationError) and response.status == 401:
                self._auth.invalidate()
                if attempt == 0 and self._auth.can_retry:
                    continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    async def async_list_page(
        self,
        filters: ConnectorFilter | None = None,
        *,
        limit: int = MAX_LIMIT,
        offset: int = 0,
    ) -> ConnectorPage:
        """One page of the connectors ``filters`` match."""
        query = [
            *filter_query(filters or ConnectorFilter()),
            ("limit", str(check.limit(limit))),
            ("offset", str(check.offset(offset))),
        ]
        response = await self._request("GET", CONNECTORS_PATH, query=query)
        page = parse_page(decode_json(response, PROVIDER_NAME, f"GET {CONNECTORS_PATH}"))
        if len(page.items) > max(limit, 0) or page.offset != offset:
            raise InvalidResponseError("The connector list does not match the page asked for")
        return page

    async def async_list_all(self, filters: ConnectorFilter | None = None) -> list[ConnectorRecord]:
        """Every connector ``filters`` match, in pages of 1000 (3,255 connectors: 4 requests).

        Reading stops at ``total``, at an empty page, or at ``MAX_PAGES``; a connector listed
        twice (the list shifted between pages) is kept once.
        """
        filters = filters or ConnectorFilter()
        filter_query(filters)  # checked before the first request
        found: dict[str, ConnectorRecord] = {}
        offset = 0
        for _ in range(MAX_PAGES):
            page = await self.async_list_page(filters, limit=MAX_LIMIT, offset=offset)
            for item in page.items:
                found.setdefault(item.id, item)
            offset += len(page.items)
            if not page.items or offset >= page.total:
                break
        return list(found.values())

    async def async_count(self, filters: ConnectorFilter | None = None) -> int:
        """How many connectors ``filters`` match (one request, ``limit=1``)."""
        return (await self.async_list_page(filters, limit=1)).total

    async def async_get(self, connector_id: str) -> ConnectorRecord:
        """One connector by id."""
        connector_id = check.uuid(connector_id, "connector_id")
        response = await self._request("GET", CONNECTOR_PATH, connector_id=connector_id)
        return parse_connector(decode_json(response, PROVIDER_NAME, f"GET {CONNECTOR_PATH}"))

    async def async_set_customer(
        self, connector_id: str, customer_id: str | None
    ) -> ConnectorRecord:
        """Assign the connector to ``customer_id`` (``None``: unassign); return it updated."""
        connector_id = check.uuid(connector_id, "connector_id")
        body: Mapping[str, str | None] = {
            "customer_id": None if customer_id is None else check.uuid(customer_id, "customer_id")
        }
        response = await self._request(
            "PUT", CONNECTOR_PATH, connector_id=connector_id, body=dict(body)
        )
        return parse_connector(decode_json(response, PROVIDER_NAME, f"PUT {CONNECTOR_PATH}"))

"""The three documented endpoints and the OAuth2 token endpoint.

Parameters are checked as the document states them: ``limit`` an integer 0 to 1000 (default
25), ``offset`` an integer ≥ 0 (default 0), ``assigned`` a boolean, ``customer_id`` a UUID,
``type`` a non-empty, unique, repeated parameter of ``physical``/``virtual``. Anything else is
a 400 problem naming the parameter; a PUT body that is JSON but not ``{"customer_id": uuid |
null}`` is a 422 problem.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Final

from aiohttp import web
from multidict import MultiMapping

from sandbox.connectors.state import CONNECTORS, Problem
from sandbox.connectors.world import TYPES, Connector, Query

routes = web.RouteTableDef()

CONNECTORS_PATH: Final = "/v2/customers/connectors"
TOKEN_PATH: Final = "/oauth2/token"  # noqa: S105 - a path
MAX_LIMIT: Final = 1000
MAX_OFFSET: Final = 2**63 - 1
_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_INTEGER: Final = re.compile(r"[0-9]{1,19}")
_BOOLEANS: Final = {"true": True, "false": False}


def _uuid(value: str, field: str) -> str:
    if _UUID.fullmatch(value) is None:
        raise Problem(400, f"{field} must be a UUID", field=field)
    return value.lower()


def _integer(params: MultiMapping[str], field: str, default: int, maximum: int) -> int:
    values = params.getall(field, [])
    if not values:
        return default
    if len(values) > 1 or _INTEGER.fullmatch(values[0]) is None:
        raise Problem(400, f"{field} must be one integer", field=field)
    number = int(values[0])
    if number > maximum:
        raise Problem(400, f"{field} must be between 0 and {maximum}", field=field)
    return number


def _single(params: MultiMapping[str], field: str) -> str | None:
    values = params.getall(field, [])
    if len(values) > 1:
        raise Problem(400, f"{field} must be given once", field=field)
    return values[0] if values else None


def parse_query(params: MultiMapping[str]) -> Query:
    """Check the listing's query parameters and apply the defaults."""
    assigned = _single(params, "assigned")
    if assigned is not None and assigned not in _BOOLEANS:
        raise Problem(400, "assigned must be true or false", field="assigned")
    customer_id = _single(params, "customer_id")
    name = _single(params, "name")
    types = tuple(params.getall("type", []))
    if any(kind not in TYPES for kind in types):
        raise Problem(400, "type must be physical or virtual", field="type")
    if len(set(types)) != len(types):
        raise Problem(400, "type must not repeat a value", field="type")
    return Query(
        limit=_integer(params, "limit", 25, MAX_LIMIT),
        offset=_integer(params, "offset", 0, MAX_OFFSET),
        assigned=None if assigned is None else _BOOLEANS[assigned],
        customer_id=None if customer_id is None else _uuid(customer_id, "customer_id"),
        name=name,
        types=types,
    )


@routes.get(CONNECTORS_PATH)
async def list_connectors(request: web.Request) -> web.Response:
    """``GET /v2/customers/connectors``: one page, the applied query and the total."""
    query = parse_query(request.query)
    page, total = request.app[CONNECTORS].world.listing(query)
    return web.json_response(
        {"query": query.applied(), "result": [c.as_json() for c in page], "total": total}
    )


def _connector(request: web.Request) -> Connector:
    connector_id = _uuid(request.match_info["connector_id"], "connector-id")
    connector = request.app[CONNECTORS].world.connectors.get(connector_id)
    if connector is None:
        raise Problem(404, "No connector has this id")
    return connector


@routes.get(CONNECTORS_PATH + "/{connector_id}")
async def get_connector(request: web.Request) -> web.Response:
    """``GET /v2/customers/connectors/{connector-id}``."""
    return web.json_response(_connector(request).as_json())


@routes.put(CONNECTORS_PATH + "/{connector_id}")
async def put_connector(request: web.Request) -> web.Response:
    """``PUT /v2/customers/connectors/{connector-id}``: assign (a UUID) or unassign (null)."""
    connector = _connector(request)
    try:
        body = json.loads(await request.read())
    except ValueError as err:
        raise Problem(400, "The body is not JSON") from err
    if not isinstance(body, dict) or "customer_id" not in body:
        raise Problem(422, "customer_id is required", field="customer_id")
    customer_id = body["customer_id"]
    if customer_id is not None and not (
        isinstance(customer_id, str) and _UUID.fullmatch(customer_id)
    ):
        raise Problem(422, "customer_id must be a UUID or null", field="customer_id")
    connector.customer_id = None if customer_id is None else customer_id.lower()
    return web.json_response(connector.as_json())


def _client_credentials(request: web.Request, form: Mapping[str, str]) -> tuple[str, str]:
    """Return the client id and secret from the form body, else from Basic authentication."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


@routes.post(TOKEN_PATH)
async def issue_token(request: web.Request) -> web.Response:
    """OAuth2 client-credentials grant (RFC 6749 §4.4), errors as RFC 6749 §5.2."""
    sandbox = request.app[CONNECTORS]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    if form.get("grant_type") != "client_credentials":
        return web.json_response({"error": "unsupported_grant_type"}, status=400)
    client_id, secret = _client_credentials(request, form)
    if client_id != sandbox.client_id or secret != sandbox.client_secret:
        return web.json_response({"error": "invalid_client"}, status=401)
    return web.json_response(
        {
            "access_token": sandbox.issue_token(),
            "token_type": "Bearer",
            "expires_in": sandbox.token_lifetime,
        },
        headers={"Cache-Control": "no-store"},
    )

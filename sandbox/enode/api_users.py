"""User management routes: users, link sessions, relinking, deauthorization, vendors."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from aiohttp import web

from sandbox.enode import catalog
from sandbox.enode.pagination import paginate, parse_page_request
from sandbox.enode.payloads import user_json, user_list_entry_json
from sandbox.enode.runtime import SANDBOX, Sandbox
from sandbox.enode.validation import Body, present, read_json
from sandbox.enode.world import LinkSession
from sandbox.problems import ApiProblem, bad_request

routes = web.RouteTableDef()

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_FORBIDDEN_SCHEMES = frozenset({"about", "javascript", "data", "vbscript", "file"})
MAX_REDIRECT_URI_LENGTH = 500


def _check_redirect_uri(body: Body, value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if (
        not _SCHEME.match(parts.scheme)
        or parts.scheme.lower() in _FORBIDDEN_SCHEMES
        or not (parts.netloc or parts.path)
    ):
        body.fail("redirectUri", "Invalid url")


def _link_response(request: web.Request, session: LinkSession) -> web.Response:
    origin = str(request.url.origin())
    return web.json_response(
        {"linkUrl": f"{origin}/link/{session.token}", "linkToken": session.token}
    )


def _check_connections_limit(sandbox: Sandbox) -> None:
    """Refuse a new link with the spec's 403 once the client's linked devices reach the limit.

    Enode counts connected devices per client; so does the sandbox (``--connections-limit``).
    """
    limit = sandbox.config.connections_limit
    world = sandbox.world
    if limit is not None and len(world.vehicles_of(None)) + len(world.chargers_of(None)) >= limit:
        raise ApiProblem(
            403,
            f"Unable to create more connections for ClientID: {sandbox.config.client_id}",
            title="Connections limit reached.",
        )


@routes.post("/users/{userId}/link")
async def link_user(request: web.Request) -> web.Response:
    """Create a Link UI session for a user (created on demand)."""
    sandbox = request.app[SANDBOX]
    body = Body(
        await read_json(request),
        allowed=("vendor", "vendorType", "scopes", "language", "redirectUri", "colorScheme"),
    )
    vendor_type = body.string("vendorType", enum=catalog.VENDOR_TYPES)
    vendor = body.string("vendor", enum=catalog.ALL_VENDORS)
    scopes = body.string_list("scopes", required=True, enum=catalog.SCOPES, min_items=1)
    language = body.string("language", required=True, enum=catalog.LANGUAGES)
    redirect_uri = body.string(
        "redirectUri", required=True, min_length=1, max_length=MAX_REDIRECT_URI_LENGTH
    )
    color_scheme = body.string("colorScheme", enum=catalog.COLOR_SCHEMES) or "system"
    _check_redirect_uri(body, redirect_uri)
    body.check()
    scopes, language, redirect_uri = present(scopes), present(language), present(redirect_uri)
    if vendor_type is None:
        types = sorted({s.split(":")[0] for s in scopes if s.endswith(":read:data")})
        if len(types) != 1:
            raise bad_request("vendorType is required.")
        vendor_type = types[0]
    if vendor_type not in catalog.SIMULATED_VENDOR_TYPES:
        raise bad_request(f"The sandbox does not simulate {vendor_type} devices.")
    if f"{vendor_type}:read:data" not in scopes:
        raise bad_request(f"The {vendor_type}:read:data scope is required.")
    if vendor is not None and vendor not in catalog.VENDORS_BY_TYPE[vendor_type]:
        raise bad_request(f"{vendor} is not a {vendor_type} vendor.")
    _check_connections_limit(sandbox)
    session = sandbox.world.create_link_session(
        request.match_info["userId"],
        vendor_type=vendor_type,
        vendor=vendor,
        scopes=scopes,
        language=language,
        redirect_uri=redirect_uri,
        color_scheme=color_scheme,
    )
    return _link_response(request, session)


@routes.post("/assets/{assetId}/relink")
async def relink_asset(request: web.Request) -> web.Response:
    """Create a Link UI session that restores the credentials behind an asset."""
    sandbox = request.app[SANDBOX]
    body = Body(await read_json(request), allowed=("language", "redirectUri", "colorScheme"))
    language = body.string("language", required=True, enum=catalog.LANGUAGES)
    redirect_uri = body.string(
        "redirectUri", required=True, min_length=1, max_length=MAX_REDIRECT_URI_LENGTH
    )
    color_scheme = body.string("colorScheme", enum=catalog.COLOR_SCHEMES) or "system"
    _check_redirect_uri(body, redirect_uri)
    body.check()
    session = sandbox.world.create_relink_session(
        request.match_info["assetId"],
        language=present(language),
        redirect_uri=present(redirect_uri),
        color_scheme=color_scheme,
    )
    return _link_response(request, session)


@routes.get("/users")
async def list_users(request: web.Request) -> web.Response:
    """List the client's users."""
    world = request.app[SANDBOX].world
    page = parse_page_request(request.query)
    world.now()
    return web.json_response(
        paginate(world.users.values(), page, lambda user: user_list_entry_json(world, user))
    )


@routes.get("/users/{userId}")
async def get_user(request: web.Request) -> web.Response:
    """Return a user and the validity of its vendor accounts."""
    world = request.app[SANDBOX].world
    world.now()
    return web.json_response(user_json(world.get_user(request.match_info["userId"])))


@routes.delete("/users/{userId}")
async def unlink_user(request: web.Request) -> web.Response:
    """Delete a user and its data (idempotent)."""
    world = request.app[SANDBOX].world
    if request.match_info["userId"] in world.users:
        world.delete_user(request.match_info["userId"])
    return web.Response(status=204)


@routes.delete("/users/{userId}/authorization")
async def deauthorize_user(request: web.Request) -> web.Response:
    """Forget a user's vendor credentials, keeping its data (idempotent)."""
    world = request.app[SANDBOX].world
    if request.match_info["userId"] in world.users:
        world.deauthorize_user(request.match_info["userId"])
    return web.Response(status=204)


def _vendor_from_path(request: web.Request) -> str:
    vendor = request.match_info["vendor"]
    if vendor not in catalog.ALL_VENDORS:
        raise bad_request(f"Unknown vendor {vendor}.")
    return vendor


@routes.delete("/users/{userId}/vendors/{vendor}")
async def disconnect_vendor(request: web.Request) -> web.Response:
    """Remove a vendor and its assets from a user."""
    world = request.app[SANDBOX].world
    vendor = _vendor_from_path(request)
    if request.match_info["userId"] in world.users:
        world.disconnect_vendor(request.match_info["userId"], vendor)
    return web.Response(status=204)


@routes.delete("/users/{userId}/vendors/{vendor}/{vendorType}")
async def disconnect_vendor_type(request: web.Request) -> web.Response:
    """Remove one vendor type of a vendor and its assets from a user."""
    world = request.app[SANDBOX].world
    vendor = _vendor_from_path(request)
    vendor_type = request.match_info["vendorType"]
    if vendor_type not in catalog.VENDOR_TYPES:
        raise bad_request(f"Unknown vendor type {vendor_type}.")
    if request.match_info["userId"] in world.users:
        world.disconnect_vendor(request.match_info["userId"], vendor, vendor_type)
    return web.Response(status=204)

"""The Auth API: logins, token refresh, device tokens and user info.

Every call needs ``X-Organization-Namespace`` (``<organization>:<product>``) naming an
organization served at the request's region prefix. Bodies are JSON; errors are
``{message, type}``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.connectedcars.accounts import (
    MIN_TOKEN_LIFETIME_S,
    PREFIXES,
    TOKEN_LIFETIME_S,
    Accounts,
    Organization,
    User,
    auth_error,
)
from sandbox.connectedcars.state import CONNECTED_CARS
from sandbox.faults import Handler

NAMESPACE_HEADER = "X-Organization-Namespace"
MAX_TEXT = 200


def region_prefix(request: web.Request) -> str:
    """Return the region prefix (``""`` for Denmark, ``"/au1"``, …) the request was sent to."""
    for prefix in PREFIXES:
        if request.path.startswith(prefix + "/"):
            return prefix
    return ""


def organization(request: web.Request) -> tuple[Organization, str]:
    """Return the organization and namespace the request names (404 when unknown here)."""
    namespace = request.headers.get(NAMESPACE_HEADER, "").strip()
    return Accounts.organization_for(namespace, region_prefix(request)), namespace


def bearer(request: web.Request) -> str:
    """Return the JWT of ``Authorization: Bearer …``, else 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise auth_error(401, "No token provided", "jwt_verify_error")
    return token.strip()


def authenticated(request: web.Request) -> tuple[User, Organization]:
    """Return the user of a valid JWT for the request's organization."""
    org, _ = organization(request)
    accounts = request.app[CONNECTED_CARS].world.accounts
    return accounts.verify(bearer(request), org), org


async def read_body(request: web.Request) -> dict[str, Any]:
    """Return the JSON object body (empty when there is none), else 400."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError as err:
        raise auth_error(400, "Body must be JSON", "validation_error") from err
    if not isinstance(body, dict):
        raise auth_error(400, "Body must be a JSON object", "validation_error")
    return body


def text(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    """Return a non-empty string member, else 400 naming it."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise auth_error(400, f"{name} is required", "validation_error")
    return value


async def login_password(request: web.Request) -> web.Response:
    """``POST /auth/login/email/password`` → ``{token, level, expires}``."""
    org, namespace = organization(request)
    body = await read_body(request)
    accounts = request.app[CONNECTED_CARS].world.accounts
    result = accounts.login_password(org, namespace, text(body, "email"), text(body, "password"))
    return web.json_response(result)


async def login_device_token(request: web.Request) -> web.Response:
    """``POST /auth/login/deviceToken[?expiresIn=N]`` → ``{token, level, expires}``."""
    org, namespace = organization(request)
    body = await read_body(request)
    lifetime = TOKEN_LIFETIME_S
    if "expiresIn" in request.query:
        try:
            lifetime = int(request.query["expiresIn"])
        except ValueError:
            lifetime = 0
        if not MIN_TOKEN_LIFETIME_S <= lifetime <= TOKEN_LIFETIME_S:
            raise auth_error(
                400,
                f"expiresIn must be {MIN_TOKEN_LIFETIME_S} to {TOKEN_LIFETIME_S}",
                "validation_error",
            )
    accounts = request.app[CONNECTED_CARS].world.accounts
    result = accounts.login_device(org, namespace, text(body, "deviceToken"), lifetime)
    return web.json_response(result)


async def token_refresh(request: web.Request) -> web.Response:
    """``GET /auth/tokenRefresh``: a new token for one expired at most an hour ago."""
    org, _ = organization(request)
    accounts = request.app[CONNECTED_CARS].world.accounts
    return web.json_response(accounts.refresh(bearer(request), org))


async def logout_token(request: web.Request) -> web.Response:
    """``GET /auth/logoutToken``: the token stops working."""
    org, _ = organization(request)
    request.app[CONNECTED_CARS].world.accounts.logout(bearer(request), org)
    return web.json_response({"status": "ok"})


async def register_device(request: web.Request) -> web.Response:
    """``POST /user/registerDevice`` → ``{deviceModel, deviceName, deviceToken}``."""
    user, _ = authenticated(request)
    body = await read_body(request)
    name = text(body, "deviceName", required=False) or "Unnamed device"
    model = text(body, "deviceModel", required=False) or "Unknown"
    device = request.app[CONNECTED_CARS].world.accounts.register_device(user, name, model)
    return web.json_response(
        {"deviceModel": device.model, "deviceName": device.name, "deviceToken": device.token}
    )


async def list_devices(request: web.Request) -> web.Response:
    """``GET /user/devices`` → the user's devices (without their tokens)."""
    user, _ = authenticated(request)
    accounts = request.app[CONNECTED_CARS].world.accounts
    return web.json_response([device.as_json() for device in accounts.devices_of(user)])


async def delete_device(request: web.Request) -> web.Response:
    """``POST /user/deleteDevice {deviceExternalId}`` → ``{}``."""
    user, _ = authenticated(request)
    body = await read_body(request)
    accounts = request.app[CONNECTED_CARS].world.accounts
    accounts.delete_device(user, text(body, "deviceExternalId"))
    return web.json_response({})


async def user_info(request: web.Request) -> web.Response:
    """``GET /user/info`` → the account's details."""
    user, _ = authenticated(request)
    return web.json_response(user.info())


ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/auth/login/email/password", login_password),
    ("POST", "/auth/login/deviceToken", login_device_token),
    ("GET", "/auth/tokenRefresh", token_refresh),
    ("GET", "/auth/logoutToken", logout_token),
    ("POST", "/user/registerDevice", register_device),
    ("GET", "/user/devices", list_devices),
    ("POST", "/user/deleteDevice", delete_device),
    ("GET", "/user/info", user_info),
)

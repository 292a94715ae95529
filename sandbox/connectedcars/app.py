"""The aiohttp application: region routing, fault injection, request log and error bodies."""

from __future__ import annotations

import asyncio
import logging
import math

from aiohttp import web

from sandbox.connectedcars import admin, auth_api, graphql_api, workshop
from sandbox.connectedcars.accounts import PREFIXES, RateLimited
from sandbox.connectedcars.fleet import FleetError
from sandbox.connectedcars.state import CONNECTED_CARS, ConnectedCarsSandbox, error_response
from sandbox.connectedcars.world import World
from sandbox.faults import MAX_LATENCY_MS, Fault, Handler

_LOGGER = logging.getLogger(__name__)

MAX_LOGGED_REQUESTS = 10_000
_MALFORMED_FALLBACK = b'{"data": {"viewer": '
_DEFAULT_RETRY_AFTER = 1.0


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into the Auth API's ``{message, type}`` body."""
    try:
        return await handler(request)
    except RateLimited as err:
        return error_response(
            429, err.message, err.kind, headers={"Retry-After": str(err.retry_after)}
        )
    except FleetError as err:
        return error_response(err.status, err.message, err.kind)
    except web.HTTPException as exc:  # not found, method not allowed: no redirects here
        return error_response(exc.status, exc.reason or "Error", "http_error")
    except Exception:
        _LOGGER.exception("Unexpected error serving %s %s", request.method, request.path)
        return error_response(500, "Internal server error", "internal_server_error")


def _retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(0, math.ceil(seconds)))}


async def _apply_fault(fault: Fault, request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve ``request`` the way ``fault`` says."""
    if fault.kind == "latency":
        await asyncio.sleep(min(fault.latency_ms, MAX_LATENCY_MS) / 1000.0)
        return await handler(request)
    if fault.kind == "rate_limit":
        wait = _DEFAULT_RETRY_AFTER if fault.retry_after is None else fault.retry_after
        return error_response(
            429, "Too many requests", "too_many_requests", headers=_retry_after(wait)
        )
    if fault.kind == "error":
        headers = None if fault.retry_after is None else _retry_after(fault.retry_after)
        return error_response(
            fault.status, "Injected sandbox error", "injected_error", headers=headers
        )
    if fault.kind == "token_expiry":
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            request.app[CONNECTED_CARS].world.accounts.expire_jwt(token.strip())
        return await handler(request)
    if fault.kind == "malformed":
        response = await handler(request)
        body = response.body if isinstance(response, web.Response) else None
        raw = bytes(body) if isinstance(body, bytes | bytearray) else b""
        truncated = raw[: len(raw) // 2] if len(raw) > 1 else _MALFORMED_FALLBACK
        return web.Response(status=200, body=truncated, content_type="application/json")
    # disconnect: close the connection without answering.
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


@web.middleware
async def gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admin: loopback only. Everything else: log (no tokens) and apply faults."""
    sandbox = request.app[CONNECTED_CARS]
    if request.path.startswith(admin.PREFIX + "/"):
        admin.forbidden_unless_loopback(request)
        return await handler(request)
    entry: dict[str, str | None] = {
        "method": request.method,
        "path": request.path,
        "namespace": request.headers.get(auth_api.NAMESPACE_HEADER),
        "operationName": None,
    }
    sandbox.requests.append(entry)
    del sandbox.requests[:-MAX_LOGGED_REQUESTS]  # a long-running demo keeps the newest only
    request["log"] = entry
    fault = sandbox.faults.take(request.method, request.path)
    if fault is not None:
        return await _apply_fault(fault, request, handler)
    return await handler(request)


def create_app(world: World) -> web.Application:
    """Build the sandbox application around a world: every region under its prefix."""
    app = web.Application(middlewares=[errors_middleware, gate_middleware])
    app[CONNECTED_CARS] = ConnectedCarsSandbox(world)
    for prefix in ("", *PREFIXES):
        for method, path, handler in (*auth_api.ROUTES, *graphql_api.ROUTES):
            app.router.add_route(method, prefix + path, handler)
    app.add_routes(workshop.routes)
    app.add_routes(admin.routes)
    return app

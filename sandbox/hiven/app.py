"""The aiohttp application: API-key gate, fault injection, request log and error bodies."""

from __future__ import annotations

import asyncio
import logging
import math

from aiohttp import web

from sandbox.faults import MAX_LATENCY_MS, Fault, Handler
from sandbox.hiven import admin, api, authorize
from sandbox.hiven.state import HIVEN, HivenSandbox, error_response
from sandbox.hiven.world import World, WorldError

_LOGGER = logging.getLogger(__name__)

API_KEY_HEADER = "X-Api-Key"
_API_PREFIX = "/v"
_HTTP_ERROR_MIN = 400
_MALFORMED_FALLBACK = b'[{"id": '


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into a ``{statusCode, message, error}`` body (assumption A5)."""
    try:
        return await handler(request)
    except WorldError as err:
        return error_response(err.status, err.message)
    except web.HTTPException as exc:
        if exc.status < _HTTP_ERROR_MIN:
            raise
        return error_response(exc.status, exc.reason or "Error")
    except Exception:
        _LOGGER.exception("Unexpected error serving %s %s", request.method, request.path)
        return error_response(500, "Internal server error")


async def _apply_fault(fault: Fault, request: web.Request, handler: Handler) -> web.StreamResponse:
    if fault.kind == "latency":
        await asyncio.sleep(min(fault.latency_ms, MAX_LATENCY_MS) / 1000.0)
        return await handler(request)
    if fault.kind in ("error", "rate_limit"):
        status = 429 if fault.kind == "rate_limit" else fault.status
        retry_after = fault.retry_after
        if fault.kind == "rate_limit" and retry_after is None:
            retry_after = 1.0
        headers = (
            {} if retry_after is None else {"Retry-After": str(max(0, math.ceil(retry_after)))}
        )
        return error_response(status, "Injected sandbox fault", headers=headers)
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
    """Admin: loopback only. API: log, apply faults, require the API key (401)."""
    sandbox = request.app[HIVEN]
    if request.path.startswith(admin.PREFIX + "/"):
        admin.forbidden_unless_loopback(request)
        return await handler(request)
    if not request.path.startswith(_API_PREFIX):
        return await handler(request)  # the authorize and virtual-key pages
    sandbox.requests.append(
        {
            "method": request.method,
            "path": request.path,
            "query": request.query_string or None,
            "userId": request.headers.get(api.USER_HEADER),
        }
    )

    async def authorized(req: web.Request) -> web.StreamResponse:
        if req.headers.get(API_KEY_HEADER) != sandbox.api_key:
            return error_response(401, "Invalid API key")
        return await handler(req)

    fault = sandbox.faults.take(request.method, request.path)
    if fault is not None:
        return await _apply_fault(fault, request, authorized)
    return await authorized(request)


def create_app(world: World, *, api_key: str) -> web.Application:
    """Build the sandbox application around a world."""
    app = web.Application(middlewares=[errors_middleware, gate_middleware])
    app[HIVEN] = HivenSandbox(world, api_key=api_key)
    for table in (api.routes, authorize.routes, admin.routes):
        app.add_routes(table)
    return app

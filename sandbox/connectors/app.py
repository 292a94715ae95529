"""The aiohttp application: authentication, fault injection, request log and problem bodies.

An API request is authenticated by ``Authorization: Bearer <token>`` (a token from
``/oauth2/token``) or by ``X-Api-Key`` (the two schemes one copy of the document names);
anything else is a 401 problem.
"""

from __future__ import annotations

import json
import logging
from typing import Final

from aiohttp import web

from sandbox.clock import SimClock
from sandbox.connectors import admin, api
from sandbox.connectors.state import CONNECTORS, ConnectorsSandbox, Problem, problem_response
from sandbox.connectors.world import World
from sandbox.faults import Fault, Handler, apply_fault

_LOGGER = logging.getLogger(__name__)

API_KEY_HEADER: Final = "X-Api-Key"


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error as Problem Details."""
    try:
        return await handler(request)
    except Problem as problem:
        return problem.response()
    except web.HTTPException as exc:  # the router's 404 and 405: no route answers 3xx
        return problem_response(exc.status, exc.reason or "Error")
    except Exception:
        _LOGGER.exception("Unexpected error serving %s %s", request.method, request.path)
        return problem_response(500, "Internal server error")


def authenticated(request: web.Request) -> bool:
    """Whether the request carries a valid token or the API key."""
    sandbox = request.app[CONNECTORS]
    if request.headers.get(API_KEY_HEADER) == sandbox.api_key:
        return True
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and sandbox.token_valid(token.strip())


async def _apply(fault: Fault, request: web.Request, handler: Handler) -> web.StreamResponse:
    sandbox = request.app[CONNECTORS]
    if fault.kind == "empty":
        # A listing answered as if nothing matched (a provider glitch).
        await handler(request)
        body = {"query": {"limit": 25, "offset": 0}, "result": [], "total": 0}
        return web.Response(text=json.dumps(body), content_type="application/json")
    if fault.kind == "error":
        # Problem Details of this API rather than the shared (Enode) problem type.
        headers = {} if fault.retry_after is None else {"Retry-After": str(int(fault.retry_after))}
        return problem_response(fault.status, "Injected sandbox error", headers=headers)
    return await apply_fault(fault, request, handler, sandbox.revoke_token)


@web.middleware
async def gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admin: loopback only. API: log, apply faults, authenticate (401)."""
    sandbox = request.app[CONNECTORS]
    if request.path.startswith(admin.PREFIX + "/"):
        admin.forbidden_unless_loopback(request)
        return await handler(request)
    sandbox.requests.append(
        {"method": request.method, "path": request.path, "query": request.query_string or None}
    )
    if request.path == api.TOKEN_PATH:
        fault = sandbox.faults.take(request.method, request.path)
        return await (_apply(fault, request, handler) if fault else handler(request))

    async def authorized(req: web.Request) -> web.StreamResponse:
        if not authenticated(req):
            raise Problem(401, "Missing, invalid or expired credentials")
        return await handler(req)

    fault = sandbox.faults.take(request.method, request.path)
    if fault is not None:
        return await _apply(fault, request, authorized)
    return await authorized(request)


def create_app(sandbox: ConnectorsSandbox) -> web.Application:
    """Build the sandbox application around its state."""
    app = web.Application(middlewares=[errors_middleware, gate_middleware])
    app[CONNECTORS] = sandbox
    app.add_routes(api.routes)
    app.add_routes(admin.routes)
    return app


def new_sandbox(*, seed: int = 0, time_scale: float = 1.0) -> ConnectorsSandbox:
    """Return a sandbox with an empty world (``World.populate`` fills it)."""
    return ConnectorsSandbox(World(seed=seed), SimClock(scale=time_scale))

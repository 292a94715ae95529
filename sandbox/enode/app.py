"""The aiohttp application: routes, authentication, faults, counters and error bodies.

One server serves the OAuth token endpoint, the Enode API, the Link UI and the admin API, so a
client under test needs a single base URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from sandbox.enode import (
    admin,
    api_devices,
    api_locations,
    api_reference,
    api_smart,
    api_statistics,
    api_users,
    api_webhooks,
    link_ui,
)
from sandbox.enode.counters import route_template
from sandbox.enode.oauth import token_endpoint
from sandbox.enode.runtime import SANDBOX, Sandbox, SandboxConfig
from sandbox.enode.world import ControlledError, NotFoundError, PreconditionError, World
from sandbox.faults import Handler, apply_fault
from sandbox.problems import ApiProblem, problem_response, problem_slug

_LOGGER = logging.getLogger(__name__)

OAUTH_PATH = "/oauth2/token"
_PUBLIC_PATHS = frozenset({OAUTH_PATH, "/health/ready"})
_PUBLIC_PREFIXES = ("/link/",)
_HTTP_ERROR_MIN = 400


def _requires_token(path: str) -> bool:
    return path not in _PUBLIC_PATHS and not path.startswith(_PUBLIC_PREFIXES)


def _unauthorized(detail: str) -> web.Response:
    return problem_response(401, detail, headers={"WWW-Authenticate": "Bearer"})


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error into an Enode problem+json response."""
    try:
        return await handler(request)
    except ApiProblem as problem:
        return problem.response()
    except NotFoundError as err:
        return problem_response(404, str(err))
    except PreconditionError as err:
        return problem_response(400, str(err))
    except ControlledError as err:
        return problem_response(422, str(err))
    except web.HTTPException as exc:
        if exc.status < _HTTP_ERROR_MIN:
            raise
        return problem_response(
            exc.status, exc.reason or problem_slug(exc.status)[1], headers=_allow_header(exc)
        )
    except Exception:
        _LOGGER.exception("Unexpected error serving %s %s", request.method, request.path)
        return problem_response(500, "Unexpected sandbox error.")


def _allow_header(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}


@web.middleware
async def gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count requests, apply injected faults and require a valid bearer token."""
    sandbox = request.app[SANDBOX]
    if request.path.startswith(admin.PREFIX + "/"):
        try:
            admin.forbidden_unless_loopback(request)
        except ApiProblem as problem:
            return problem.response()
        return await handler(request)
    sandbox.counters.record(request.method, route_template(request))

    async def authorized(req: web.Request) -> web.StreamResponse:
        if _requires_token(req.path):
            scheme, _, token = req.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorized("A bearer access token is required.")
            if not sandbox.tokens.is_valid(token.strip()):
                return _unauthorized("The access token is invalid or has expired.")
        return await handler(req)

    fault = sandbox.faults.take(request.method, request.path)
    if fault is not None:
        return await apply_fault(fault, request, authorized, sandbox.tokens.revoke)
    return await authorized(request)


async def _token(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    return await token_endpoint(
        request, sandbox.tokens, sandbox.config.client_id, sandbox.config.client_secret
    )


async def _ticker(sandbox: Sandbox) -> None:
    """Run the sandbox's time-driven work periodically until cancelled."""
    interval = sandbox.config.tick_interval
    while True:
        await asyncio.sleep(interval)
        try:
            sandbox.tick()
            await sandbox.autosave()
        except Exception:
            _LOGGER.exception("Sandbox tick failed")


def _lifecycle(
    session: aiohttp.ClientSession | None, background: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        sandbox = app[SANDBOX]
        own_session = session is None
        client = session if session is not None else aiohttp.ClientSession()
        sandbox.dispatcher.session = client
        task = asyncio.create_task(_ticker(sandbox)) if background else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await sandbox.dispatcher.close()
            if own_session:
                await client.close()
            if sandbox.state_file is not None:
                await sandbox.state_file.save()

    return context


def create_app(
    world: World,
    *,
    config: SandboxConfig | None = None,
    session: aiohttp.ClientSession | None = None,
    background: bool = True,
) -> web.Application:
    """Build the sandbox application around a world.

    ``session`` is the HTTP session used for webhook deliveries (one is created and closed with
    the app when omitted); ``background`` runs the periodic tick (tests may drive ticks by
    hand through the admin API instead).
    """
    app = web.Application(middlewares=[gate_middleware, errors_middleware])
    app[SANDBOX] = Sandbox(world, config)
    app.router.add_post(OAUTH_PATH, _token)
    for table in (
        api_users.routes,
        api_devices.routes,
        api_smart.routes,
        api_statistics.routes,
        api_locations.routes,
        api_reference.routes,
        api_webhooks.routes,
        link_ui.routes,
        admin.routes,
    ):
        app.add_routes(table)
    app.cleanup_ctx.append(_lifecycle(session, background))
    return app

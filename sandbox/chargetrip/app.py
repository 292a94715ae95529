"""The aiohttp application: the GraphQL endpoint, the Link UI, the subscription and admin.

``POST /graphql`` checks the project headers, counts the request against the caller's rate
limit, applies injected transport faults and executes the document. GraphQL failures are HTTP
200 with Chargetrip's error envelope; only a body that is not JSON at all is an HTTP 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    validate,
)

from sandbox.chargetrip import admin, link_ui, ws
from sandbox.chargetrip.errors import (
    PARSE_FAILED,
    VALIDATION_FAILED,
    envelope,
    format_error,
)
from sandbox.chargetrip.schema import Context, executable_schema
from sandbox.chargetrip.state import CHARGETRIP, ChargetripSandbox
from sandbox.chargetrip.world import ChargetripWorld
from sandbox.faults import Handler, apply_fault

_LOGGER = logging.getLogger(__name__)

GRAPHQL_PATH = "/graphql"
CLIENT_HEADER = "x-client-id"
APP_HEADER = "x-app-id"
AUTH_HEADER = "authorization"
TICK_SECONDS = 0.5

routes = web.RouteTableDef()


def base_url(request: web.Request) -> str:
    """Return the URL the caller reached the sandbox under (for the Link UI's address)."""
    return f"{request.scheme}://{request.host}"


def _reply(body: dict[str, Any]) -> web.Response:
    return web.json_response(body, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if name is None or (operation.name is not None and operation.name.value == name):
            return operation
    return None


def _log(sandbox: ChargetripSandbox, name: str | None, operation: OperationDefinitionNode) -> None:
    fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    sandbox.requests.append(
        {
            "operationName": name or (operation.name.value if operation.name else None),
            "operation": operation.operation.value,
            "fields": [field.name.value for field in fields],
            "aliases": sum(field.alias is not None for field in fields),
        }
    )


async def _execute(request: web.Request, sandbox: ChargetripSandbox) -> dict[str, Any]:
    lower = sandbox.world.settings.error_code_lower
    try:
        body = await request.json()
    except ValueError as err:
        raise web.HTTPBadRequest(text="The body must be JSON") from err
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise web.HTTPBadRequest(text="The body must be a JSON object with a query")
    if not sandbox.credentials_ok(
        request.headers.get(CLIENT_HEADER), request.headers.get(APP_HEADER)
    ):
        return envelope("UNAUTHORIZED", lower=lower)
    token = request.headers.get(AUTH_HEADER)
    caller = token or request.headers.get(CLIENT_HEADER) or ""
    if not sandbox.rate.allow(caller, sandbox.world.clock.now()):
        return envelope("RATE_LIMIT_EXCEEDED", lower=lower)
    variables = body.get("variables")
    name = body.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        return envelope(VALIDATION_FAILED, "variables must be an object", lower=lower)
    if name is not None and not isinstance(name, str):
        return envelope(VALIDATION_FAILED, "operationName must be a string", lower=lower)
    try:
        document = parse(body["query"])
    except GraphQLError as err:
        return envelope(PARSE_FAILED, err.message, lower=lower)
    schema = executable_schema()
    problems = validate(schema, document)
    if problems:
        return {"errors": [format_error(p, lower=lower) for p in problems], "data": None}
    operation = _operation(document, name)
    if operation is not None:
        _log(sandbox, name, operation)
        if operation.operation == OperationType.SUBSCRIPTION:
            text = "Subscriptions are served over graphql-transport-ws at /subscription"
            return envelope(VALIDATION_FAILED, text, lower=lower)
    sandbox.world.tick()
    result = execute(
        schema,
        document,
        context_value=Context(sandbox, token, base_url(request)),
        variable_values=variables,
        operation_name=name,
    )
    if inspect.isawaitable(result):  # pragma: no cover - every resolver is synchronous
        result = await result
    if not isinstance(result, ExecutionResult):  # pragma: no cover - see above
        raise TypeError("unexpected execution result")
    reply: dict[str, Any] = {}
    if result.errors:
        reply["errors"] = [format_error(e, lower=lower) for e in result.errors]
    reply["data"] = result.data
    return reply


@routes.post(GRAPHQL_PATH)
async def graphql_endpoint(request: web.Request) -> web.StreamResponse:
    """Serve queries and mutations."""
    sandbox = request.app[CHARGETRIP]

    async def handle(req: web.Request) -> web.StreamResponse:
        return _reply(await _execute(req, sandbox))

    fault = sandbox.faults.take(request.method, request.path)
    if fault is None:
        return await handle(request)
    if fault.kind == "token_expiry":
        token = request.headers.get(AUTH_HEADER, "")
        sandbox.world.expire(token)
        ws.close_for_token(sandbox, token)
        return await handle(request)
    return await apply_fault(fault, request, handle, sandbox.world.expire)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Log unexpected failures; never leak a traceback to the client."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        _LOGGER.exception("Unexpected error serving %s %s", request.method, request.path)
        return web.json_response({"errors": [{"message": "Internal error"}]}, status=500)


async def _ticker(app: web.Application) -> AsyncIterator[None]:
    """While time runs by itself, finish due removals so subscribers hear of them."""
    world = app[CHARGETRIP].world

    async def run() -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            world.tick()

    task = asyncio.create_task(run()) if world.clock.scale > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_app(world: ChargetripWorld, *, client_id: str, app_id: str) -> web.Application:
    """Build the sandbox application around a world."""
    app = web.Application(middlewares=[errors_middleware])
    app[CHARGETRIP] = ChargetripSandbox(world, client_id=client_id, app_id=app_id)
    app.cleanup_ctx.append(_ticker)
    app.on_shutdown.append(ws.close_all)
    for table in (routes, link_ui.routes, ws.routes, admin.routes):
        app.add_routes(table)
    return app

"""The ``connectedVehicle`` subscription over ``graphql-transport-ws`` (``/subscription``).

The protocol's rules as this server applies them: the subprotocol must be offered (else close
4406); ``connection_init`` must come first (another message first: 4401) and within
``INIT_TIMEOUT`` seconds (4408), once (4429); its payload carries the same ``x-client-id``,
``x-app-id`` and ``authorization`` values as the HTTP headers (bad project ids or token: 4403).
``subscribe`` ids are unique among running operations (4409); ``ping`` is answered with
``pong`` at any time; a message that is not a known JSON object closes with 4400. Several
subscriptions share one socket; each streams ``next`` messages and ends with ``complete``.
When the token a socket was initialised with expires (admin API or an injected
``token_expiry`` fault), the socket is closed with 4403: Chargetrip documents nothing here,
and this makes a client meet the expiry on the subscription as well as on its requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, cast

from aiohttp import WSCloseCode, WSMsgType, web
from graphql import ExecutionResult, GraphQLError, parse, subscribe, validate
from graphql.execution.map_async_iterator import MapAsyncIterator

from sandbox.chargetrip.errors import ChargetripError, format_error
from sandbox.chargetrip.schema import Context, executable_schema
from sandbox.chargetrip.state import CHARGETRIP, ChargetripSandbox
from sandbox.chargetrip.world import strip_bearer

PATH = "/subscription"
PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT = 10.0

routes = web.RouteTableDef()


class _Close(Exception):
    """Close the socket with a protocol code and reason."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Connection:
    """One socket: its init state and running operations."""

    def __init__(
        self, sandbox: ChargetripSandbox, socket: web.WebSocketResponse, base: str
    ) -> None:
        self.sandbox = sandbox
        self.socket = socket
        self.base = base
        self.token: str | None = None
        self.operations: dict[str, asyncio.Task[None]] = {}

    @property
    def lower(self) -> bool:
        """Whether error codes go out lower case."""
        return self.sandbox.world.settings.error_code_lower

    def init(self, payload: object) -> None:
        """Check ``connection_init``'s payload."""
        if self.token is not None:
            raise _Close(4429, "Too many initialisation requests")
        values = (
            {str(k).lower(): v for k, v in payload.items()} if isinstance(payload, dict) else {}
        )
        if not self.sandbox.credentials_ok(values.get("x-client-id"), values.get("x-app-id")):
            raise _Close(4403, "Forbidden")
        token = values.get("authorization")
        try:
            self.sandbox.world.user_of(token if isinstance(token, str) else None)
        except ChargetripError as err:
            raise _Close(4403, "Forbidden") from err
        self.token = str(token)
        self.sandbox.sockets[self.socket] = self.token

    async def start(self, op_id: str, payload: object) -> None:
        """Run one ``subscribe``: errors as an ``error`` message, events as ``next``."""
        if op_id in self.operations:
            raise _Close(4409, f"Subscriber for {op_id} already exists")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            raise _Close(4400, "Invalid subscribe payload")
        variables = payload.get("variables")
        try:
            document = parse(payload["query"])
        except GraphQLError as err:
            await self._error(op_id, [err])
            return
        schema = executable_schema()
        problems = validate(schema, document)
        if problems:
            await self._error(op_id, problems)
            return
        result = await subscribe(
            schema,
            document,
            context_value=Context(self.sandbox, self.token, self.base),
            variable_values=variables if isinstance(variables, dict) else None,
            operation_name=payload.get("operationName"),
        )
        if isinstance(result, ExecutionResult):
            await self._error(op_id, result.errors or [])
            return
        # Anything but an error result is graphql-core's event stream.
        stream = cast(MapAsyncIterator, result)
        self.operations[op_id] = asyncio.create_task(self._pump(op_id, stream))

    async def _error(self, op_id: str, errors: list[GraphQLError]) -> None:
        formatted = [format_error(error, lower=self.lower) for error in errors]
        await self.socket.send_json({"id": op_id, "type": "error", "payload": formatted})

    async def _pump(self, op_id: str, stream: MapAsyncIterator) -> None:
        """Forward the events; a socket the client already closed ends it quietly."""
        try:
            async for result in stream:
                payload = {"data": result.data}
                await self.socket.send_json({"id": op_id, "type": "next", "payload": payload})
            await self.socket.send_json({"id": op_id, "type": "complete"})
        except ConnectionError:
            pass
        finally:
            self.operations.pop(op_id, None)
            await stream.aclose()

    async def stop(self, op_id: str) -> None:
        """Stop an operation the client completed, without a message."""
        task = self.operations.pop(op_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def stop_all(self) -> None:
        """Stop every running operation (the socket closes)."""
        for op_id in list(self.operations):
            await self.stop(op_id)

    async def handle(self, message: dict[str, Any]) -> None:
        """Dispatch one client message."""
        kind = message.get("type")
        if kind == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if "payload" in message:
                pong["payload"] = message["payload"]
            await self.socket.send_json(pong)
        elif kind == "pong":
            return
        elif kind == "connection_init":
            self.init(message.get("payload"))
            await self.socket.send_json({"type": "connection_ack"})
        elif self.token is None:
            raise _Close(4401, "Unauthorized")
        elif kind == "subscribe" and isinstance(message.get("id"), str):
            await self.start(message["id"], message.get("payload"))
        elif kind == "complete" and isinstance(message.get("id"), str):
            await self.stop(message["id"])
        else:
            raise _Close(4400, "Invalid message")


def _decode(data: str) -> dict[str, Any]:
    try:
        message = json.loads(data)
    except ValueError as err:
        raise _Close(4400, "Invalid message") from err
    if not isinstance(message, dict):
        raise _Close(4400, "Invalid message")
    return message


async def _serve(connection: Connection, socket: web.WebSocketResponse) -> None:
    """Read messages until the socket closes; the first must arrive within the timeout."""
    while True:
        timeout = INIT_TIMEOUT if connection.token is None else None
        try:
            async with asyncio.timeout(timeout):
                frame = await socket.receive()
        except TimeoutError as err:
            raise _Close(4408, "Connection initialisation timeout") from err
        if frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            return
        if frame.type != WSMsgType.TEXT:
            raise _Close(4400, "Invalid message")
        await connection.handle(_decode(frame.data))


@routes.get(PATH)
async def subscription_endpoint(request: web.Request) -> web.StreamResponse:
    """Accept a ``graphql-transport-ws`` socket."""
    socket = web.WebSocketResponse(protocols=(PROTOCOL,), heartbeat=None)
    await socket.prepare(request)
    sockets = request.app[CHARGETRIP].sockets
    sockets[socket] = None
    connection = Connection(request.app[CHARGETRIP], socket, f"{request.scheme}://{request.host}")
    try:
        if socket.ws_protocol != PROTOCOL:
            raise _Close(4406, "Subprotocol not acceptable")
        await _serve(connection, socket)
    except _Close as close:
        await socket.close(code=close.code, message=close.reason.encode())
    finally:
        await connection.stop_all()
        sockets.pop(socket, None)
        await socket.close()  # no-op when already closed
    return socket


def close_for_token(sandbox: ChargetripSandbox, token: str) -> None:
    """Close the sockets an expired token opened with 4403, as a refused init would.

    The closes run in the background: a close waits for the client's reply, and the request
    that expired the token must not wait for that.
    """
    expired = strip_bearer(token)
    for socket, used in list(sandbox.sockets.items()):
        if used is not None and strip_bearer(used) == expired:
            task = asyncio.create_task(socket.close(code=4403, message=b"Forbidden"))
            sandbox.closing.add(task)
            task.add_done_callback(sandbox.closing.discard)


async def close_all(app: web.Application) -> None:
    """On shutdown, close every open socket so the server stops promptly."""
    sandbox = app[CHARGETRIP]
    for socket in list(sandbox.sockets):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")
    for task in list(sandbox.closing):  # a client that never answered a close
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

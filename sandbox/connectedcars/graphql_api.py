"""The GraphQL pull API, executed with graphql-core over the integration's own schema file.

There is one schema: the file the client's documents are validated against. The sandbox
loads it (as text; it imports nothing of the client) and resolves it from the world.

- ``globalOrganizations`` needs no token; its domains are full origins pointing back at this
  sandbox (Denmark at the root, Australia under ``/au1``).
- ``viewer`` and ``vehicle(id)`` need ``Authorization: Bearer <JWT>`` of the organization the
  request's region serves; a missing, invalid or expired token is HTTP 401 (not a GraphQL
  error), as the pull-API documentation says.
- ``vehicle(id)`` of a vehicle that is not the user's is ``null`` (chosen).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from graphql import GraphQLResolveInfo, GraphQLSchema, build_schema, graphql

from sandbox.connectedcars.accounts import ORGANIZATIONS, User
from sandbox.connectedcars.auth_api import authenticated
from sandbox.connectedcars.fleet import FleetError
from sandbox.connectedcars.state import CONNECTED_CARS, error_response
from sandbox.connectedcars.world import World
from sandbox.faults import Handler

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "custom_components"
    / "connected_ev"
    / "api"
    / "connectedcars"
    / "schema.graphql"
)
MAX_QUERY_CHARS = 20_000


def load_schema(path: Path = SCHEMA_PATH) -> GraphQLSchema:
    """Build the executable schema from the schema file."""
    return build_schema(path.read_text(encoding="utf-8"))


_SCHEMA: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    """Return the schema, built once."""
    global _SCHEMA  # noqa: PLW0603 - a lazily built module-level cache
    if _SCHEMA is None:
        _SCHEMA = load_schema()
    return _SCHEMA


class _Context:
    """What resolvers need: the request and its user (``None`` without a token)."""

    def __init__(self, request: web.Request, user: User | None) -> None:
        self.request = request
        self.user = user

    def require_user(self) -> User:
        if self.user is None:
            raise FleetError(401, "No token provided", "jwt_verify_error")
        return self.user


def _organizations(info: GraphQLResolveInfo) -> list[dict[str, str]]:
    request: web.Request = info.context.request
    origin = f"{request.scheme}://{request.host}"
    return [
        {"key": org.key, "apiDomain": origin + org.prefix, "authApiDomain": origin + org.prefix}
        for org in ORGANIZATIONS.values()
    ]


def _viewer(info: GraphQLResolveInfo) -> dict[str, Any]:
    user: User = info.context.require_user()
    world: World = info.context.request.app[CONNECTED_CARS].world
    world.simulate()
    now = world.clock.now()
    return {
        "id": str(user.id),
        "firstname": user.firstname,
        "lastname": user.lastname,
        "email": user.email,
        "vehicles": [
            {"primary": index == 0, "vehicle": vehicle.graphql(now)}
            for index, vehicle in enumerate(world.vehicles_of(user))
        ],
    }


def _vehicle(info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
    user: User = info.context.require_user()
    world: World = info.context.request.app[CONNECTED_CARS].world
    world.simulate()
    for vehicle in world.vehicles_of(user):
        if vehicle.id == id:
            return vehicle.graphql(world.clock.now())
    return None


ROOT = {"globalOrganizations": _organizations, "viewer": _viewer, "vehicle": _vehicle}


def _bad_request(message: str) -> web.Response:
    return web.json_response({"errors": [{"message": message}]}, status=400)


async def post_graphql(request: web.Request) -> web.Response:
    """``POST /graphql`` with ``{query, variables?, operationName?}``."""
    try:
        body = await request.json()
    except ValueError:
        return _bad_request("Body must be JSON")
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return _bad_request("Body must be an object with a query")
    query: str = body["query"]
    variables = body.get("variables")
    operation = body.get("operationName")
    if len(query) > MAX_QUERY_CHARS:
        return _bad_request("Query too long")
    if variables is not None and not isinstance(variables, dict):
        return _bad_request("variables must be an object")
    if operation is not None and not isinstance(operation, str):
        return _bad_request("operationName must be a string")
    request["log"]["operationName"] = operation
    user = authenticated(request)[0] if "Authorization" in request.headers else None
    result = await graphql(
        schema(),
        query,
        root_value=ROOT,
        context_value=_Context(request, user),
        variable_values=variables,
        operation_name=operation,
    )
    for error in result.errors or ():
        if isinstance(error.original_error, FleetError):
            failure = error.original_error
            return error_response(failure.status, failure.message, failure.kind)
    return web.json_response(result.formatted)


ROUTES: tuple[tuple[str, str, Handler], ...] = (("POST", "/graphql", post_graphql),)

"""The executable schema: the repository's one copy of Chargetrip's SDL plus resolvers.

The SDL is the schema file the client validates its documents against, read by path (the
sandbox imports nothing of the integration), so both sides always agree on the same subset.
Root-field resolvers first consult the injected errors, then ask the world; nested objects are
plain dicts, and fields with arguments (``best(unit:)``…) are callables the default resolver
calls with them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)
from graphql.language import StringValueNode, ValueNode

from sandbox.chargetrip import catalog
from sandbox.chargetrip.errors import ChargetripError
from sandbox.chargetrip.state import ChargetripSandbox
from sandbox.chargetrip.world import ConnectedVehicle

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "custom_components"
    / "connected_ev"
    / "api"
    / "chargetrip"
    / "schema.graphql"
)
MAX_PAGE_SIZE = 100
_TAG = re.compile(r"<[^>]*>")


@dataclass(slots=True)
class Context:
    """Per-request context: the sandbox, the caller's token and the public base URL."""

    sandbox: ChargetripSandbox
    authorization: str | None
    base_url: str

    def user(self) -> str:
        """Return the caller's user id, or raise the token error."""
        return self.sandbox.world.user_of(self.authorization)

    def vehicle_json(self, vehicle: ConnectedVehicle) -> dict[str, Any]:
        """Return a connected vehicle as the API shows it."""
        return vehicle.as_json(self.base_url)


def _plain(value: Any) -> str:
    """``PlainString``: text with HTML removed."""
    if not isinstance(value, str):
        raise GraphQLError("PlainString must be a string")
    return _TAG.sub("", value)


def _plain_literal(node: ValueNode, _variables: Any = None) -> str:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("PlainString must be a string")
    return _plain(node.value)


def _paged[T](items: list[T], size: int, page: int) -> list[T]:
    if not 0 <= size <= MAX_PAGE_SIZE or page < 0:
        raise ChargetripError("BAD_USER_INPUT", f"size must be 0 to {MAX_PAGE_SIZE}, page >= 0")
    return items[page * size : (page + 1) * size]


def _distance(km: float) -> Callable[..., float]:
    return lambda _info, unit="kilometer": catalog.distance(km, unit)


def _naming(model: catalog.Model) -> dict[str, Any]:
    return {
        "make": model.make,
        "model": model.model,
        "version": model.version,
        "edition": model.edition,
        "chargetrip_version": model.chargetrip_version,
    }


def _ct_range(model: catalog.Model) -> dict[str, Any]:
    return {"best": _distance(model.best_km), "worst": _distance(model.worst_km)}


def _model_json(model: catalog.Model, *, detailed: bool, free: bool) -> dict[str, Any]:
    ranges: dict[str, Any] = {"chargetrip_range": _ct_range(model)}
    if detailed:
        ranges["provider"] = _distance(round((model.best_km + model.worst_km) / 2))
        ranges["provider_is_estimated"] = False
        for name, km in (("best", model.best_km), ("worst", model.worst_km)):
            ranges[name] = {
                "highway": _distance(km * 0.8),
                "city": _distance(km * 1.1),
                "combined": _distance(km),
            }
    return {
        "id": model.id,
        "naming": _naming(model),
        "battery": {
            "full_kwh": model.full_kwh,
            "usable_kwh": model.usable_kwh,
            "type": "lithium_ion",
        },
        "range": ranges,
        # "This field returns null for free users" (the schema's description).
        "connect": {"providers": None if free else [catalog.ENODE] if model.connectable else []},
    }


def _ctx(info: GraphQLResolveInfo) -> Context:
    context = info.context
    if not isinstance(context, Context):  # pragma: no cover - always set by the server
        raise TypeError("missing sandbox context")
    return context


def _check(info: GraphQLResolveInfo, vehicle_id: str | None = None) -> Context:
    context = _ctx(info)
    context.sandbox.errors.check(info.field_name, vehicle_id)
    return context


# ---------------------------------------------------------------------- queries


def vehicle_list(
    _root: None,
    info: GraphQLResolveInfo,
    search: str | None = None,
    filter: dict[str, Any] | None = None,
    country: str | None = None,
    size: int = 10,
    page: int = 0,
) -> list[dict[str, Any]]:
    """``vehicleList``: search and filter the catalogue, page-number paging."""
    free = _check(info).sandbox.world.settings.free_plan
    wanted = filter or {}
    connect = wanted.get("connect") or {}
    models = catalog.search(
        search,
        make=wanted.get("make"),
        model=wanted.get("model"),
        providers=connect.get("providers"),
    )
    return [_model_json(m, detailed=False, free=free) for m in _paged(models, size, page)]


def vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    id: str,
    country: str | None = None,
) -> dict[str, Any]:
    """``vehicle``: one catalogue model."""
    context = _check(info, id)
    model = catalog.BY_ID.get(id)
    if model is None:
        raise ChargetripError("VEHICLE_NOT_FOUND")
    return _model_json(model, detailed=True, free=context.sandbox.world.settings.free_plan)


def connected_vehicle(_root: None, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    """``connectedVehicle``: one of the caller's connected vehicles."""
    context = _check(info, id)
    return context.vehicle_json(context.sandbox.world.get(context.user(), id))


def connected_vehicle_list(
    _root: None,
    info: GraphQLResolveInfo,
    filter: dict[str, Any] | None = None,
    size: int = 10,
    page: int = 0,
) -> list[dict[str, Any]]:
    """``connectedVehicleList``: the caller's vehicles, optionally by status."""
    context = _check(info)
    statuses = (filter or {}).get("status")
    found = context.sandbox.world.of_user(context.user(), statuses)
    return [context.vehicle_json(item) for item in _paged(found, size, page)]


def connected_vehicle_data(_root: None, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
    """``connectedVehicleData``: live data of an authorized vehicle."""
    context = _check(info, id)
    return context.sandbox.world.data(context.user(), id)


# ---------------------------------------------------------------------- mutations


def create_connected_vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``createConnectedVehicle``: a pending vehicle whose authorization URL is the Link UI."""
    context = _check(info)
    user = context.user()
    if input is None:
        raise ChargetripError("NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE")
    options = input["options"]
    created = context.sandbox.world.create(
        user,
        input["vehicle_id"],
        label=input.get("label"),
        redirect_uri=options.get("redirect_uri"),
        scope=options.get("scope"),
    )
    return context.vehicle_json(created)


def authorize_connected_vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    input: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``authorizeConnectedVehicle``: confirm the Link step (``code`` when one came back)."""
    context = _check(info, None if input is None else input["id"])
    user = context.user()
    if input is None:
        raise ChargetripError("CONNECTED_VEHICLE_NOT_FOUND")
    code = input["options"].get("code")
    return context.vehicle_json(context.sandbox.world.authorize(user, input["id"], code))


def update_connected_vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    input: dict[str, Any],
) -> dict[str, Any]:
    """``updateConnectedVehicle``: rename."""
    context = _check(info, input["id"])
    renamed = context.sandbox.world.rename(context.user(), input["id"], input.get("label"))
    return context.vehicle_json(renamed)


def remove_connected_vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    input: dict[str, Any],
) -> dict[str, Any]:
    """``removeConnectedVehicle``: revoke, then remove."""
    context = _check(info, input["id"])
    return context.vehicle_json(context.sandbox.world.remove(context.user(), input["id"]))


# ---------------------------------------------------------------------- subscription


class VehicleFeed:
    """The event stream of one ``connectedVehicle`` subscription.

    It registers at once (not on first iteration) so that a removal attempted right after
    ``subscribe`` already sees the open subscription; ``aclose`` unregisters it.
    """

    def __init__(self, context: Context, vehicle: ConnectedVehicle) -> None:
        self._context = context
        self._id = vehicle.id
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._done = False
        self._closed = False
        world = context.sandbox.world
        world.listeners.append(self._changed)
        world.subscriptions[self._id] = world.subscriptions.get(self._id, 0) + 1

    def _changed(self, vehicle: ConnectedVehicle) -> None:
        if vehicle.id == self._id:
            self._queue.put_nowait(self._context.vehicle_json(vehicle))

    def __aiter__(self) -> VehicleFeed:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._done:
            await self.aclose()
            raise StopAsyncIteration
        payload = await self._queue.get()
        self._done = payload["status"] == "removed"
        return payload

    async def aclose(self) -> None:
        """Unregister (idempotent)."""
        if self._closed:
            return
        self._closed = True
        world = self._context.sandbox.world
        world.listeners.remove(self._changed)
        world.subscriptions[self._id] -= 1


def subscribe_connected_vehicle(
    _root: None,
    info: GraphQLResolveInfo,
    id: str,
) -> VehicleFeed:
    """Push the vehicle on every change; finish after it is removed."""
    context = _ctx(info)
    context.sandbox.errors.check("subscription", id)
    return VehicleFeed(context, context.sandbox.world.get(context.user(), id))


def _payload(payload: dict[str, Any], _info: GraphQLResolveInfo, **_args: Any) -> dict[str, Any]:
    return payload


@cache
def executable_schema() -> GraphQLSchema:
    """Build the schema once and attach the resolvers."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    plain = schema.type_map["PlainString"]
    query, mutation = schema.query_type, schema.mutation_type
    subscription = schema.subscription_type
    if not isinstance(plain, GraphQLScalarType) or not (query and mutation and subscription):
        raise TypeError("the schema file lacks the Chargetrip root types")  # pragma: no cover
    plain.parse_value = _plain  # type: ignore[method-assign]
    plain.parse_literal = _plain_literal  # type: ignore[method-assign,assignment]
    roots: dict[str, Callable[..., Any]] = {
        "vehicleList": vehicle_list,
        "vehicle": vehicle,
        "connectedVehicle": connected_vehicle,
        "connectedVehicleList": connected_vehicle_list,
        "connectedVehicleData": connected_vehicle_data,
    }
    mutations: dict[str, Callable[..., Any]] = {
        "createConnectedVehicle": create_connected_vehicle,
        "authorizeConnectedVehicle": authorize_connected_vehicle,
        "updateConnectedVehicle": update_connected_vehicle,
        "removeConnectedVehicle": remove_connected_vehicle,
    }
    for name, resolver in roots.items():
        query.fields[name].resolve = resolver
    for name, resolver in mutations.items():
        mutation.fields[name].resolve = resolver
    field = subscription.fields["connectedVehicle"]
    field.subscribe = subscribe_connected_vehicle
    field.resolve = _payload
    return schema

"""Property and fuzz tests: provider payloads, push deliveries and action input.

Payloads start from real Enode-shaped fixtures and are mutated by Hypothesis (wrong types,
missing and extra keys, unknown enum strings, NaN/inf, huge numbers, nested junk). Parsers may
only return a model or raise ``InvalidResponseError``; the webhook receiver may only answer
with a 2xx/4xx status; the action schemas must reject every out-of-range value. Example counts
are bounded so the whole file runs in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import math
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import probatio as vol
import pytest
from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_ev.api.enode import EnodeClient, EnodeEndpoints
from custom_components.connected_ev.api.enode.const import TOKEN_PATH
from custom_components.connected_ev.api.enode.http import error_for_status as enode_error_for_status
from custom_components.connected_ev.api.enode.parse import (
    parse_action,
    parse_charge_action,
    parse_charger,
    parse_location,
    parse_max_current_action,
    parse_page,
    parse_smart_charging_status,
    parse_user,
    parse_vehicle,
    parse_webhook,
)
from custom_components.connected_ev.api.enode.webhooks import parse_delivery, verify_signature
from custom_components.connected_ev.api.errors import (
    InvalidResponseError,
    InvalidSignatureError,
    ProviderUnavailableError,
)
from custom_components.connected_ev.api.hiven.http import error_for_status as hiven_error_for_status
from custom_components.connected_ev.api.http import RawResponse, decode_json
from custom_components.connected_ev.service_schemas import (
    CREATE_LOCATION_SCHEMA,
    SET_PREFERENCES_SCHEMA,
    UPDATE_LOCATION_SCHEMA,
)
from sandbox.enode.server import SandboxServer

from .conftest import enable_push, setup_entry, sign, vehicle_event

FIXTURES = Path(__file__).parent.parent / "api" / "enode" / "fixtures"
EXAMPLES = 150

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 2**63])
    | st.text(max_size=20)
    | st.sampled_from(["PLASMA", "UNKNOWN_STATE", "", "2024-13-45T99:99:99Z", "Charging"])
)
JUNK = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (the root excluded)."""
    found: list[tuple[Any, ...]] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    """Return ``base`` with a few values replaced, removed or added."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        paths = _paths(document)
        if not paths:
            return draw(JUNK)
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(JUNK)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(JUNK)
        else:
            parent.append(draw(JUNK))
    return document


def _payloads(base: Any) -> st.SearchStrategy[Any]:
    return st.one_of(mutated(base), JUNK)


PARSERS: list[tuple[str, Callable[[Any], object], Any]] = [
    ("vehicle", parse_vehicle, _load("vehicle.json")),
    ("charger", parse_charger, _load("charger.json")),
    ("charge_action", parse_charge_action, _load("charge_actions.json")["PENDING"]),
    ("charger_action", parse_action, _load("charger_action.json")),
    ("max_current_action", parse_max_current_action, _load("max_current_action.json")),
    ("location", parse_location, _load("location.json")),
    ("smart_charging_status", parse_smart_charging_status, _load("smart_charging_status.json")),
    ("user", parse_user, _load("user.json")),
    ("webhook", parse_webhook, _load("webhook.json")),
    (
        "vehicle_page",
        lambda data: parse_page(data, parse_vehicle, "vehicles"),
        {"data": [_load("vehicle.json")], "pagination": {"after": None, "before": None}},
    ),
]


@pytest.mark.parametrize(("parse", "base"), [p[1:] for p in PARSERS], ids=[p[0] for p in PARSERS])
def test_parsers_only_raise_invalid_response(parse: Callable[[Any], object], base: Any) -> None:
    """Whatever the provider sends, a parser returns a model or raises InvalidResponseError."""
    parse(base)  # the unmutated fixture parses

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(_payloads(base))
    def check(payload: Any) -> None:
        with contextlib.suppress(InvalidResponseError):
            parse(payload)

    check()


DELIVERY = _load("delivery.json")


@settings(max_examples=EXAMPLES * 2, deadline=None, database=None)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        mutated(DELIVERY).map(lambda d: json.dumps(d).encode()),
        JUNK.map(lambda d: json.dumps(d).encode()),
    ),
    secret=st.text(max_size=40),
    signature=st.one_of(st.none(), st.text(max_size=50), st.just("sha1=" + "0" * 40)),
    delivery_id=st.one_of(st.none(), st.text(max_size=20)),
)
def test_delivery_parsing_and_signature_only_raise_typed_errors(
    body: bytes, secret: str, signature: str | None, delivery_id: str | None
) -> None:
    """Signature checks and delivery parsing fail only with their typed errors."""
    try:
        verify_signature(secret, body, signature)
    except InvalidSignatureError:
        pass
    else:  # pragma: no cover - a random signature that matches
        pytest.fail("an unsigned or forged body was accepted")
    verify_signature("s3cret", body, sign("s3cret", body))  # a real signature always passes
    try:
        delivery = parse_delivery(body, delivery_id)
    except InvalidResponseError:
        return
    assert delivery.delivery_id == delivery_id


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.timeout(60)
async def test_receiver_never_fails_on_generated_deliveries(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Generated (signed and unsigned) deliveries to Home Assistant: never a 5xx, still loaded."""
    async with SandboxServer(action_delay=1.0, time_scale=0.0) as server:
        entry, (vehicle_id,), _ = await setup_entry(hass, server)
        client = await hass_client_no_auth()
        registration = await enable_push(hass, entry, client.server.port)
        secret = registration["secret"]
        url = f"/api/webhook/{registration['webhook_id']}"
        loop = asyncio.get_running_loop()
        user_id = entry.data["user_id"]
        ours = json.loads(json.dumps(DELIVERY).replace(DELIVERY[0]["user"]["id"], user_id))
        ours.append(vehicle_event(server, vehicle_id, 50))
        statuses: set[int] = set()

        async def post(body: bytes, signed: bool, delivery_id: str) -> int:
            headers = {"x-enode-delivery": delivery_id}
            if signed:
                headers["x-enode-signature"] = sign(secret, body)
            response = await client.post(url, data=body, headers=headers)
            await hass.async_block_till_done()
            return response.status

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            body=st.one_of(
                mutated(ours).map(lambda d: json.dumps(d).encode()),
                JUNK.map(lambda d: json.dumps(d).encode()),
                st.binary(max_size=100),
            ),
            signed=st.booleans(),
            delivery_id=st.text(alphabet="abcdef0123", max_size=6),
        )
        def check(body: bytes, signed: bool, delivery_id: str) -> None:
            status = asyncio.run_coroutine_threadsafe(post(body, signed, delivery_id), loop).result(
                timeout=10
            )
            statuses.add(status)
            assert status in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED)
            assert signed or status == HTTPStatus.UNAUTHORIZED

        await hass.async_add_executor_job(check)
        assert entry.state is ConfigEntryState.LOADED
        assert HTTPStatus.OK in statuses
        assert await hass.config_entries.async_unload(entry.entry_id)


# --- action input ----------------------------------------------------------------------------

OUT_OF_RANGE_SOC = st.one_of(
    st.floats(max_value=-0.001, allow_nan=False),
    st.floats(min_value=100.001, allow_nan=False),
    st.integers(max_value=-1),
    st.integers(min_value=101),
    st.just(float("nan")),
    st.sampled_from(["-1", "100.5", "full", "", "1e3"]),
)
BAD_TIMES = st.one_of(
    st.sampled_from(
        ["24:00", "7", "07:60", "7h30", "07:30:15", "-01:00", "07:30 PM", "", "07-30", "99:99"]
    ),
    st.integers(),
    st.text(alphabet="abcxyz:;", max_size=6),
)


def _rejects(schema: vol.Schema, data: dict[str, Any]) -> None:
    # Malformed structure fails the schema; a bad value is a translated validation error.
    with pytest.raises((vol.Invalid, ServiceValidationError)):
        schema(data)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(soc=OUT_OF_RANGE_SOC)
def test_target_soc_out_of_range_is_rejected(soc: Any) -> None:
    """SoC outside 0-100 never reaches the provider."""
    _rejects(SET_PREFERENCES_SCHEMA, {"device_id": "d", "target_soc": soc})


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(ready=BAD_TIMES, day=st.sampled_from(["monday", "sunday"]))
def test_bad_times_are_rejected(ready: Any, day: str) -> None:
    """Ready times must be HH:MM, in the daily and the weekday fields."""
    _rejects(SET_PREFERENCES_SCHEMA, {"device_id": "d", "ready_time": ready})
    _rejects(SET_PREFERENCES_SCHEMA, {"device_id": "d", "weekday_ready_times": {day: ready}})


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(
    latitude=st.one_of(
        st.floats(min_value=90.0001, allow_nan=False), st.floats(max_value=-90.0001)
    ),
    longitude=st.one_of(
        st.floats(min_value=180.0001, allow_nan=False), st.floats(max_value=-180.0001)
    ),
)
def test_coordinates_out_of_range_are_rejected(latitude: float, longitude: float) -> None:
    """Latitude beyond ±90 and longitude beyond ±180 are refused."""
    for schema, base in (
        (CREATE_LOCATION_SCHEMA, {"config_entry_id": "e", "name": "Home"}),
        (UPDATE_LOCATION_SCHEMA, {"config_entry_id": "e", "location_id": "l"}),
    ):
        _rejects(schema, {**base, "latitude": latitude})
        _rejects(schema, {**base, "longitude": longitude})
        valid = schema({**base, "latitude": 59.91, "longitude": 10.75})
        assert math.isclose(valid["latitude"], 59.91)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(
    zone=st.one_of(
        st.sampled_from(["Mars/Olympus", "UTC+25", "Europe/", "../etc/passwd", "", "Oslo"]),
        st.text(alphabet="abcXYZ/_+-", min_size=1, max_size=12).filter(
            lambda z: "/" in z and not z[0].isupper()
        ),
    )
)
def test_unknown_time_zones_are_rejected(zone: str) -> None:
    """A time zone must be a known IANA name."""
    _rejects(CREATE_LOCATION_SCHEMA, {"config_entry_id": "e", "name": "Home", "timezone": zone})


# --- nesting past the JSON decoder's recursion limit -----------------------------------------

DEEP_JSON = b"[" * 200_000 + b"]" * 200_000


@pytest.mark.usefixtures("socket_enabled")
@pytest.mark.parametrize(
    ("status", "error"), [(200, InvalidResponseError), (503, ProviderUnavailableError)]
)
async def test_deep_json_from_the_provider_is_a_typed_error(
    status: int, error: type[Exception]
) -> None:
    """A 200,000-deep array as a list's body or a 503's body: only the typed error escapes."""

    async def token(request: web.Request) -> web.Response:
        return web.json_response({"access_token": "token", "expires_in": 3600})

    async def deep(request: web.Request) -> web.Response:
        return web.Response(status=status, body=DEEP_JSON, content_type="application/json")

    app = web.Application()
    app.router.add_post(TOKEN_PATH, token)
    app.router.add_get("/users/{user_id}/vehicles", deep)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        async with aiohttp.ClientSession() as session:
            client = EnodeClient(
                session, "client", "secret", EnodeEndpoints.for_base_url(site.name)
            )
            with pytest.raises(error):
                await client.async_list_vehicles("user")
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("status", [400, 401, 404, 429, 503])
def test_deep_json_error_bodies_are_tolerated(status: int) -> None:
    """Error bodies of both providers and the token endpoint's: deep JSON reads as none."""
    response = RawResponse(status, CIMultiDictProxy(CIMultiDict()), DEEP_JSON)
    for error_for_status in (enode_error_for_status, hiven_error_for_status):
        error = error_for_status(response, "GET /vehicles")
        assert error.status == status
        assert error.detail is None
    with pytest.raises(InvalidResponseError):
        decode_json(response, "Enode", "GET /vehicles")
    with pytest.raises(InvalidResponseError):
        parse_delivery(DEEP_JSON, "d-1")

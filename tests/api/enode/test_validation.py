"""Invalid ids and inputs are refused before anything (not even a token) is requested."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import aioresponses

from custom_components.connected_ev.api.enode import EnodeClient
from custom_components.connected_ev.api.errors import InvalidRequestError
from custom_components.connected_ev.api.models import ChargingCommand, DeviceKind

from .conftest import CHARGER_ID, LOCATION_ID, USER_ID, VEHICLE_ID, WEBHOOK_ID, request_count

type Call = Callable[[EnodeClient], Awaitable[Any]]

BAD_IDS = [
    pytest.param("", id="empty"),
    pytest.param("a/b", id="slash"),
    pytest.param("a?b=c", id="question-mark"),
    pytest.param("a#b", id="hash"),
    pytest.param("a b", id="space"),
    pytest.param("a\tb", id="tab"),
    pytest.param("line\n", id="newline"),
    pytest.param("a\x00b", id="control"),
    pytest.param("..", id="dot-dot"),
    pytest.param(".", id="dot"),
    pytest.param("x" * 201, id="too-long"),
]

ID_METHODS: list[Any] = [
    pytest.param(lambda c, i: c.async_get_vehicle(i), id="get_vehicle"),
    pytest.param(lambda c, i: c.async_list_vehicles(i), id="list_vehicles"),
    pytest.param(lambda c, i: c.async_list_chargers_page(i), id="list_chargers_page"),
    pytest.param(lambda c, i: c.async_get_charger_action(i), id="get_charger_action"),
    pytest.param(lambda c, i: c.async_delete_user(i), id="delete_user"),
    pytest.param(lambda c, i: c.async_disconnect_vendor(USER_ID, i), id="disconnect_vendor"),
    pytest.param(lambda c, i: c.async_test_webhook(i), id="test_webhook"),
    pytest.param(
        lambda c, i: c.async_set_charger_location(CHARGER_ID, i), id="set_charger_location"
    ),
    pytest.param(
        lambda c, i: c.async_list_interventions(vendor=i) if i else c.async_get_intervention(i),
        id="interventions_vendor",
    ),
    pytest.param(
        lambda c, i: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.VEHICLE,
            language="en-US",
            redirect_uri="https://ha.example/cb",
            vendor=i,
        ),
        id="link_vendor",
    ),
]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("call", ID_METHODS)
async def test_invalid_ids(
    client: EnodeClient,
    mock_api: aioresponses,
    call: Callable[[EnodeClient, str], Awaitable[Any]],
    bad_id: str,
) -> None:
    """An id that could change the URL's meaning is refused without a request."""
    with pytest.raises(InvalidRequestError) as excinfo:
        await call(client, bad_id)

    assert request_count(mock_api) == 0
    if bad_id:
        assert bad_id not in str(excinfo.value)


INVALID_INPUTS: list[Any] = [
    # max current
    pytest.param(lambda c: c.async_set_vehicle_max_current(VEHICLE_ID, 0), id="max-current-0"),
    pytest.param(lambda c: c.async_set_charger_max_current(CHARGER_ID, -6), id="max-current-neg"),
    pytest.param(
        lambda c: c.async_set_vehicle_max_current(VEHICLE_ID, float("nan")), id="max-current-nan"
    ),
    pytest.param(
        lambda c: c.async_set_charger_max_current(CHARGER_ID, float("inf")), id="max-current-inf"
    ),
    pytest.param(
        lambda c: c.async_set_vehicle_max_current(VEHICLE_ID, True), id="max-current-bool"
    ),
    pytest.param(lambda c: c.async_set_vehicle_max_current(VEHICLE_ID, "16"), id="max-current-str"),
    # charging commands
    pytest.param(
        lambda c: c.async_set_vehicle_charging(VEHICLE_ID, ChargingCommand.UNKNOWN),
        id="command-unknown",
    ),
    pytest.param(
        lambda c: c.async_set_charger_charging(CHARGER_ID, "START"), id="command-raw-string"
    ),
    # smart charging policy
    *[
        pytest.param(
            lambda c, d=deadline: c.async_update_smart_charging_policy(VEHICLE_ID, deadline=d),
            id=f"deadline-{deadline!r}",
        )
        for deadline in ("7:00", "24:01", "25:00", "12:60", "07:00:00", "0700", "", " 07:00")
    ],
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(VEHICLE_ID, minimum_charge_limit=101),
        id="minimum-limit-high",
    ),
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(VEHICLE_ID, minimum_charge_limit=-1),
        id="minimum-limit-negative",
    ),
    pytest.param(lambda c: c.async_update_smart_charging_policy(VEHICLE_ID), id="policy-empty"),
    # locations
    pytest.param(
        lambda c: c.async_create_location(USER_ID, name="Home", latitude=90.1, longitude=10),
        id="latitude-high",
    ),
    pytest.param(
        lambda c: c.async_create_location(USER_ID, name="Home", latitude=-91, longitude=10),
        id="latitude-low",
    ),
    pytest.param(
        lambda c: c.async_create_location(USER_ID, name="Home", latitude=59, longitude=180.5),
        id="longitude-high",
    ),
    pytest.param(
        lambda c: c.async_create_location(
            USER_ID, name="Home", latitude=float("nan"), longitude=10
        ),
        id="latitude-nan",
    ),
    pytest.param(
        lambda c: c.async_create_location(USER_ID, name="  ", latitude=59, longitude=10),
        id="name-blank",
    ),
    pytest.param(
        lambda c: c.async_create_location(
            USER_ID, name="Home", latitude=59, longitude=10, timezone=""
        ),
        id="timezone-empty",
    ),
    pytest.param(
        lambda c: c.async_update_location(LOCATION_ID, latitude=100), id="update-latitude"
    ),
    pytest.param(
        lambda c: c.async_update_location(LOCATION_ID, longitude=-200), id="update-longitude"
    ),
    pytest.param(lambda c: c.async_update_location(LOCATION_ID), id="update-location-empty"),
    # linking
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.UNKNOWN,
            language="en-US",
            redirect_uri="https://ha.example/cb",
        ),
        id="link-unknown-kind",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.VEHICLE,
            scopes=[],
            language="en-US",
            redirect_uri="https://ha.example/cb",
        ),
        id="link-no-scopes",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.VEHICLE,
            scopes="vehicle:read:data",
            language="en-US",
            redirect_uri="https://ha.example/cb",
        ),
        id="link-scopes-string",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID, vendor_type=DeviceKind.VEHICLE, language="", redirect_uri="https://x/cb"
        ),
        id="link-no-language",
    ),
    pytest.param(
        lambda c: c.async_relink(
            VEHICLE_ID, language="en-US", redirect_uri="https://x/" + "a" * 500
        ),
        id="relink-uri-too-long",
    ),
    pytest.param(
        lambda c: c.async_disconnect_vendor(USER_ID, "TESLA", DeviceKind.UNKNOWN),
        id="disconnect-unknown-kind",
    ),
    # interventions
    pytest.param(
        lambda c: c.async_list_interventions(vendor_type=DeviceKind.UNKNOWN),
        id="interventions-unknown-kind",
    ),
    pytest.param(lambda c: c.async_list_interventions(language=""), id="interventions-language"),
    pytest.param(
        lambda c: c.async_get_intervention("9d90a9ad", language=" "), id="intervention-language"
    ),
    # pagination
    pytest.param(lambda c: c.async_list_vehicles(USER_ID, page_size=0), id="page-size-0"),
    pytest.param(lambda c: c.async_list_chargers(USER_ID, page_size=True), id="page-size-bool"),
    pytest.param(
        lambda c: c.async_list_vehicles_page(USER_ID, after="a", before="b"),
        id="after-and-before",
    ),
    pytest.param(lambda c: c.async_list_chargers_page(USER_ID, after=""), id="empty-cursor"),
    # webhooks
    pytest.param(lambda c: c.async_create_webhook("https:/", "s3cr3t-value"), id="url-short"),
    pytest.param(
        lambda c: c.async_create_webhook("https://x.example/" + "a" * 190, "s3cr3t-value"),
        id="url-long",
    ),
    pytest.param(
        lambda c: c.async_create_webhook("https://ha.example/hook", "short"), id="secret-short"
    ),
    pytest.param(
        lambda c: c.async_create_webhook("https://ha.example/hook", "s" * 257), id="secret-long"
    ),
    pytest.param(
        lambda c: c.async_create_webhook("https://ha.example/hook", "s3cr3t-value", events=[]),
        id="events-empty",
    ),
    pytest.param(
        lambda c: c.async_create_webhook("https://ha.example/hook", "s3cr3t-value", events="*"),
        id="events-string",
    ),
    pytest.param(
        lambda c: c.async_update_webhook(WEBHOOK_ID, events=["*", ""]), id="events-blank-item"
    ),
    pytest.param(lambda c: c.async_update_webhook(WEBHOOK_ID, secret="12345"), id="update-secret"),
    pytest.param(lambda c: c.async_update_webhook(WEBHOOK_ID, url="http://"), id="update-url"),
]


LINK = {"vendor_type": DeviceKind.VEHICLE, "language": "en-US", "redirect_uri": "https://x/cb"}
NOT_A_UUID = "4eaeb363-296d-4ccc-a973-7805e6f400b"  # one hex digit short

DOCUMENTED_CONSTRAINTS: list[Any] = [
    # Enums of the 2024-10-01 schema.
    *[
        pytest.param(
            lambda c, v=language: c.async_create_link_session(USER_ID, **{**LINK, "language": v}),
            id=f"link-language-{language}",
        )
        for language in ("en", "xx-XX", "en-us", "fr-CA")
    ],
    pytest.param(
        lambda c: c.async_relink(VEHICLE_ID, language="de", redirect_uri="https://x/cb"),
        id="relink-language",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(USER_ID, **LINK, scopes=["vehicle:write:all"]),
        id="link-unknown-scope",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID, **LINK, scopes=["vehicle:read:data", "VEHICLE:READ:LOCATION"]
        ),
        id="link-scope-wrong-case",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(USER_ID, **LINK, vendor="ACME"),
        id="link-unknown-vendor",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(USER_ID, **LINK, vendor="tesla"),
        id="link-vendor-wrong-case",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(USER_ID, **LINK, vendor="ZAPTEC"),
        id="link-charger-vendor-for-vehicle",
    ),
    pytest.param(
        lambda c: c.async_list_interventions(language="it-IT"), id="interventions-language-enum"
    ),
    pytest.param(lambda c: c.async_list_interventions(vendor="ACME"), id="interventions-vendor"),
    # Redirect URIs: absolute http(s) URLs only.
    *[
        pytest.param(
            lambda c, v=uri: c.async_create_link_session(USER_ID, **{**LINK, "redirect_uri": v}),
            id=f"link-redirect-{name}",
        )
        for name, uri in (
            ("relative", "/auth/callback"),
            ("no-scheme", "ha.example/cb"),
            ("other-scheme", "ftp://ha.example/cb"),
            ("no-host", "https:///cb"),
            ("space", "https://ha.example/a b"),
            ("bad-port", "https://ha.example:99999/cb"),
        )
    ],
    pytest.param(
        lambda c: c.async_relink(VEHICLE_ID, language="en-US", redirect_uri="not a url"),
        id="relink-redirect",
    ),
    # Ids the schema types ``format: uuid``.
    pytest.param(lambda c: c.async_get_vehicle_action("action-1"), id="vehicle-action-id"),
    pytest.param(lambda c: c.async_cancel_vehicle_action(NOT_A_UUID), id="cancel-vehicle-action"),
    pytest.param(lambda c: c.async_get_charger_action("42"), id="charger-action-id"),
    pytest.param(lambda c: c.async_cancel_charger_action("x"), id="cancel-charger-action"),
    pytest.param(lambda c: c.async_get_location("home"), id="get-location-id"),
    pytest.param(lambda c: c.async_update_location("home", name="Home"), id="update-location-id"),
    pytest.param(lambda c: c.async_delete_location("home"), id="delete-location-id"),
    pytest.param(
        lambda c: c.async_set_charger_location(CHARGER_ID, "home"), id="charger-location-id"
    ),
    pytest.param(
        lambda c: c.async_get_charging_statistics(
            USER_ID,
            device_kind=DeviceKind.VEHICLE,
            start=datetime(2026, 1, 1, tzinfo=UTC),
            location_id="home",
        ),
        id="statistics-location-id",
    ),
    pytest.param(lambda c: c.async_get_intervention("9d90a9ad"), id="intervention-id"),
    pytest.param(lambda c: c.async_get_webhook("hook-1"), id="get-webhook-id"),
    pytest.param(lambda c: c.async_update_webhook("hook-1", secret="s3cr3t-value"), id="webhook"),
    pytest.param(lambda c: c.async_delete_webhook(NOT_A_UUID + "g"), id="delete-webhook-id"),
    pytest.param(lambda c: c.async_test_webhook("hook-1"), id="test-webhook-id"),
    # The request schema has no null deadline: clearing one is refused, not sent as null.
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(VEHICLE_ID, deadline=None),
        id="deadline-null",
    ),
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(VEHICLE_ID, is_enabled=False, deadline=None),
        id="deadline-null-with-other-fields",
    ),
]


@pytest.mark.parametrize("call", DOCUMENTED_CONSTRAINTS)
async def test_documented_constraints_refused_locally(
    client: EnodeClient, mock_api: aioresponses, call: Call
) -> None:
    """What the 2024-10-01 schema rejects is refused before any request, token included."""
    with pytest.raises(InvalidRequestError):
        await call(client)

    assert request_count(mock_api) == 0


async def test_clearing_a_deadline_names_the_way_that_works(client: EnodeClient) -> None:
    """The refusal says how to stop smart charging instead of sending ``null``."""
    with pytest.raises(InvalidRequestError, match="turn smart charging off"):
        await client.async_update_smart_charging_policy(VEHICLE_ID, deadline=None)


@pytest.mark.parametrize("call", INVALID_INPUTS)
async def test_invalid_inputs(client: EnodeClient, mock_api: aioresponses, call: Call) -> None:
    """Input the API is documented to reject is refused locally, without a request."""
    with pytest.raises(InvalidRequestError):
        await call(client)

    assert request_count(mock_api) == 0


async def test_messages_do_not_echo_coordinates(client: EnodeClient) -> None:
    """Errors name the argument, not the (private) value."""
    with pytest.raises(InvalidRequestError) as excinfo:
        await client.async_create_location(USER_ID, name="Home", latitude=91.2345, longitude=10)

    assert "91.2345" not in str(excinfo.value)
    assert "latitude" in str(excinfo.value)

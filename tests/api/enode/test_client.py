"""Every EnodeClient method: exact method, path, query and body, and the parsed result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aioresponses import aioresponses
from aioresponses.compat import merge_params
from yarl import URL

from custom_components.connected_ev.api.enode import (
    API_VERSION,
    UNSET,
    EnodeClient,
    EnodeEndpoints,
    EnodeEnvironment,
)
from custom_components.connected_ev.api.models import (
    ChargeAction,
    Charger,
    ChargingCommand,
    ChargingLocation,
    DeviceKind,
    Intervention,
    LinkSession,
    MaxCurrentAction,
    Page,
    SmartChargingPolicy,
    SmartChargingStatus,
    SmartOverride,
    UserInfo,
    Vehicle,
    Webhook,
    WebhookTestResult,
)

from .conftest import (
    ACTION_ID,
    API_URL,
    CHARGER_ID,
    INTERVENTION_ID,
    LOCATION_ID,
    USER_ID,
    VEHICLE_ID,
    WEBHOOK_ID,
    load_fixture,
    mock_token,
    requests_to,
)

type Call = Callable[[EnodeClient], Awaitable[Any]]


def _page(fixture: str) -> dict[str, Any]:
    return {"data": [load_fixture(fixture)], "pagination": {"after": None, "before": None}}


def _action(state: str) -> dict[str, Any]:
    return load_fixture("charge_actions.json")[state]  # type: ignore[no-any-return]


PAGE_50 = {"pageSize": "50"}
"""One page (``*_page``): Enode's default size."""
PAGE_200 = {"pageSize": "200"}
"""Full lists: ``LIST_PAGE_SIZE``."""

# call, method, path, query, sent body, response payload, response status, result type
CASES: list[Any] = [
    # users and linking
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.VEHICLE,
            language="en-GB",
            redirect_uri="https://ha.example/auth/enode/callback",
        ),
        "POST",
        f"/users/{USER_ID}/link",
        None,
        {
            "vendorType": "vehicle",
            "scopes": ["vehicle:read:data", "vehicle:read:location", "vehicle:control:charging"],
            "language": "en-GB",
            "redirectUri": "https://ha.example/auth/enode/callback",
        },
        load_fixture("link_session.json"),
        200,
        LinkSession,
        id="create_link_session_vehicle",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.CHARGER,
            language="nb-NO",
            redirect_uri="https://ha.example/cb",
            vendor="ZAPTEC",
        ),
        "POST",
        f"/users/{USER_ID}/link",
        None,
        {
            "vendorType": "charger",
            "scopes": ["charger:read:data", "charger:control:charging"],
            "language": "nb-NO",
            "redirectUri": "https://ha.example/cb",
            "vendor": "ZAPTEC",
        },
        load_fixture("link_session.json"),
        200,
        LinkSession,
        id="create_link_session_charger_with_vendor",
    ),
    pytest.param(
        lambda c: c.async_create_link_session(
            USER_ID,
            vendor_type=DeviceKind.VEHICLE,
            scopes=["vehicle:read:data"],
            language="browser",
            redirect_uri="https://ha.example/cb",
        ),
        "POST",
        f"/users/{USER_ID}/link",
        None,
        {
            "vendorType": "vehicle",
            "scopes": ["vehicle:read:data"],
            "language": "browser",
            "redirectUri": "https://ha.example/cb",
        },
        load_fixture("link_session.json"),
        200,
        LinkSession,
        id="create_link_session_custom_scopes",
    ),
    pytest.param(
        lambda c: c.async_relink(
            VEHICLE_ID, language="en-US", redirect_uri="https://ha.example/cb"
        ),
        "POST",
        f"/assets/{VEHICLE_ID}/relink",
        None,
        {"language": "en-US", "redirectUri": "https://ha.example/cb"},
        load_fixture("link_session.json"),
        200,
        LinkSession,
        id="relink",
    ),
    pytest.param(
        lambda c: c.async_get_user(USER_ID),
        "GET",
        f"/users/{USER_ID}",
        None,
        None,
        load_fixture("user.json"),
        200,
        UserInfo,
        id="get_user",
    ),
    pytest.param(
        lambda c: c.async_delete_user(USER_ID),
        "DELETE",
        f"/users/{USER_ID}",
        None,
        None,
        None,
        204,
        None,
        id="delete_user",
    ),
    pytest.param(
        lambda c: c.async_deauthorize_user(USER_ID),
        "DELETE",
        f"/users/{USER_ID}/authorization",
        None,
        None,
        None,
        204,
        None,
        id="deauthorize_user",
    ),
    pytest.param(
        lambda c: c.async_disconnect_vendor(USER_ID, "TESLA"),
        "DELETE",
        f"/users/{USER_ID}/vendors/TESLA",
        None,
        None,
        None,
        204,
        None,
        id="disconnect_vendor",
    ),
    pytest.param(
        lambda c: c.async_disconnect_vendor(USER_ID, "TESLA", DeviceKind.CHARGER),
        "DELETE",
        f"/users/{USER_ID}/vendors/TESLA/charger",
        None,
        None,
        None,
        204,
        None,
        id="disconnect_vendor_type",
    ),
    # vehicles
    pytest.param(
        lambda c: c.async_list_vehicles(USER_ID),
        "GET",
        f"/users/{USER_ID}/vehicles",
        PAGE_200,
        None,
        _page("vehicle.json"),
        200,
        list,
        id="list_vehicles",
    ),
    pytest.param(
        lambda c: c.async_list_vehicles_page(USER_ID, page_size=10, after="MjAyMy0wNy0xOFQ"),
        "GET",
        f"/users/{USER_ID}/vehicles",
        {"pageSize": "10", "after": "MjAyMy0wNy0xOFQ"},
        None,
        _page("vehicle.json"),
        200,
        Page,
        id="list_vehicles_page_after",
    ),
    pytest.param(
        lambda c: c.async_list_vehicles_page(USER_ID, before="MjAyMy0wNi0xNlQ"),
        "GET",
        f"/users/{USER_ID}/vehicles",
        {"pageSize": "50", "before": "MjAyMy0wNi0xNlQ"},
        None,
        _page("vehicle.json"),
        200,
        Page,
        id="list_vehicles_page_before",
    ),
    pytest.param(
        lambda c: c.async_get_vehicle(VEHICLE_ID),
        "GET",
        f"/vehicles/{VEHICLE_ID}",
        None,
        None,
        load_fixture("vehicle.json"),
        200,
        Vehicle,
        id="get_vehicle",
    ),
    pytest.param(
        lambda c: c.async_vehicle_refresh_hint(VEHICLE_ID),
        "POST",
        f"/vehicles/{VEHICLE_ID}/refresh-hint",
        None,
        None,
        None,
        204,
        None,
        id="vehicle_refresh_hint",
    ),
    pytest.param(
        lambda c: c.async_set_vehicle_charging(VEHICLE_ID, ChargingCommand.START),
        "POST",
        f"/vehicles/{VEHICLE_ID}/charging",
        None,
        {"action": "START"},
        _action("PENDING"),
        200,
        ChargeAction,
        id="set_vehicle_charging_start",
    ),
    pytest.param(
        lambda c: c.async_set_vehicle_charging(VEHICLE_ID, ChargingCommand.STOP),
        "POST",
        f"/vehicles/{VEHICLE_ID}/charging",
        None,
        {"action": "STOP"},
        _action("CANCELLED"),
        200,
        ChargeAction,
        id="set_vehicle_charging_stop",
    ),
    pytest.param(
        lambda c: c.async_get_vehicle_action(ACTION_ID),
        "GET",
        f"/vehicles/actions/{ACTION_ID}",
        None,
        None,
        _action("CONFIRMED"),
        200,
        ChargeAction,
        id="get_vehicle_action",
    ),
    pytest.param(
        lambda c: c.async_cancel_vehicle_action(ACTION_ID),
        "POST",
        f"/vehicles/actions/{ACTION_ID}/cancel",
        None,
        None,
        _action("CANCELLED"),
        200,
        ChargeAction,
        id="cancel_vehicle_action",
    ),
    pytest.param(
        lambda c: c.async_set_vehicle_max_current(VEHICLE_ID, 10),
        "POST",
        f"/vehicles/{VEHICLE_ID}/max-current",
        None,
        {"maxCurrent": 10},
        load_fixture("max_current_action.json"),
        200,
        MaxCurrentAction,
        id="set_vehicle_max_current",
    ),
    pytest.param(
        lambda c: c.async_create_smart_override(VEHICLE_ID),
        "POST",
        f"/vehicles/{VEHICLE_ID}/smart-override",
        None,
        None,
        load_fixture("smart_override.json"),
        200,
        SmartOverride,
        id="create_smart_override",
    ),
    pytest.param(
        lambda c: c.async_end_smart_override(VEHICLE_ID),
        "DELETE",
        f"/vehicles/{VEHICLE_ID}/smart-override",
        None,
        None,
        load_fixture("smart_override.json"),
        200,
        SmartOverride,
        id="end_smart_override",
    ),
    pytest.param(
        lambda c: c.async_get_smart_charging_policy(VEHICLE_ID),
        "GET",
        f"/vehicles/{VEHICLE_ID}/smart-charging-policy",
        None,
        None,
        load_fixture("smart_charging_policy.json"),
        200,
        SmartChargingPolicy,
        id="get_smart_charging_policy",
    ),
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(
            VEHICLE_ID, is_enabled=True, deadline="07:00", minimum_charge_limit=20
        ),
        "PUT",
        f"/vehicles/{VEHICLE_ID}/smart-charging-policy",
        None,
        {"isEnabled": True, "deadline": "07:00", "minimumChargeLimit": 20},
        load_fixture("smart_charging_policy.json"),
        200,
        SmartChargingPolicy,
        id="update_smart_charging_policy_all",
    ),
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(VEHICLE_ID, is_enabled=False),
        "PUT",
        f"/vehicles/{VEHICLE_ID}/smart-charging-policy",
        None,
        {"isEnabled": False},
        load_fixture("smart_charging_policy.json"),
        200,
        SmartChargingPolicy,
        id="update_smart_charging_policy_only_enabled",
    ),
    pytest.param(
        lambda c: c.async_update_smart_charging_policy(
            VEHICLE_ID, deadline=UNSET, minimum_charge_limit=0
        ),
        "PUT",
        f"/vehicles/{VEHICLE_ID}/smart-charging-policy",
        None,
        {"minimumChargeLimit": 0},
        load_fixture("smart_charging_policy.json"),
        200,
        SmartChargingPolicy,
        id="update_smart_charging_policy_only_minimum",
    ),
    pytest.param(
        lambda c: c.async_get_smart_charging_status(VEHICLE_ID),
        "GET",
        f"/vehicles/{VEHICLE_ID}/smart-charging-status",
        None,
        None,
        load_fixture("smart_charging_status.json"),
        200,
        SmartChargingStatus,
        id="get_smart_charging_status",
    ),
    # chargers
    pytest.param(
        lambda c: c.async_list_chargers(USER_ID, page_size=5),
        "GET",
        f"/users/{USER_ID}/chargers",
        {"pageSize": "5"},
        None,
        _page("charger.json"),
        200,
        list,
        id="list_chargers",
    ),
    pytest.param(
        lambda c: c.async_list_chargers_page(USER_ID),
        "GET",
        f"/users/{USER_ID}/chargers",
        PAGE_50,
        None,
        _page("charger.json"),
        200,
        Page,
        id="list_chargers_page",
    ),
    pytest.param(
        lambda c: c.async_get_charger(CHARGER_ID),
        "GET",
        f"/chargers/{CHARGER_ID}",
        None,
        None,
        load_fixture("charger.json"),
        200,
        Charger,
        id="get_charger",
    ),
    pytest.param(
        lambda c: c.async_charger_refresh_hint(CHARGER_ID),
        "POST",
        f"/chargers/{CHARGER_ID}/refresh-hint",
        None,
        None,
        None,
        204,
        None,
        id="charger_refresh_hint",
    ),
    pytest.param(
        lambda c: c.async_set_charger_charging(CHARGER_ID, ChargingCommand.STOP),
        "POST",
        f"/chargers/{CHARGER_ID}/charging",
        None,
        {"action": "STOP"},
        load_fixture("charger_action.json"),
        200,
        ChargeAction,
        id="set_charger_charging",
    ),
    pytest.param(
        lambda c: c.async_get_charger_action(ACTION_ID),
        "GET",
        f"/chargers/actions/{ACTION_ID}",
        None,
        None,
        load_fixture("max_current_action.json"),
        200,
        MaxCurrentAction,
        id="get_charger_action_max_current",
    ),
    pytest.param(
        lambda c: c.async_cancel_charger_action(ACTION_ID),
        "POST",
        f"/chargers/actions/{ACTION_ID}/cancel",
        None,
        None,
        load_fixture("charger_action.json"),
        200,
        ChargeAction,
        id="cancel_charger_action",
    ),
    pytest.param(
        lambda c: c.async_set_charger_max_current(CHARGER_ID, 12.5),
        "POST",
        f"/chargers/{CHARGER_ID}/max-current",
        None,
        {"maxCurrent": 12.5},
        load_fixture("max_current_action.json"),
        200,
        MaxCurrentAction,
        id="set_charger_max_current",
    ),
    pytest.param(
        lambda c: c.async_set_charger_location(CHARGER_ID, LOCATION_ID),
        "PUT",
        f"/chargers/{CHARGER_ID}",
        None,
        {"locationId": LOCATION_ID},
        load_fixture("paired.json")["charger"],
        200,
        Charger,
        id="set_charger_location",
    ),
    pytest.param(
        lambda c: c.async_set_charger_location(CHARGER_ID, None),
        "PUT",
        f"/chargers/{CHARGER_ID}",
        None,
        {"locationId": None},
        load_fixture("charger.json"),
        200,
        Charger,
        id="clear_charger_location",
    ),
    # locations
    pytest.param(
        lambda c: c.async_list_locations(USER_ID),
        "GET",
        f"/users/{USER_ID}/locations",
        PAGE_200,
        None,
        _page("location.json"),
        200,
        list,
        id="list_locations",
    ),
    pytest.param(
        lambda c: c.async_get_location(LOCATION_ID),
        "GET",
        f"/locations/{LOCATION_ID}",
        None,
        None,
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="get_location",
    ),
    pytest.param(
        lambda c: c.async_create_location(
            USER_ID, name="Home", latitude=59.9165915, longitude=10.7582268, timezone="Europe/Oslo"
        ),
        "POST",
        f"/users/{USER_ID}/locations",
        None,
        {
            "name": "Home",
            "latitude": 59.9165915,
            "longitude": 10.7582268,
            "timezoneName": "Europe/Oslo",
        },
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="create_location",
    ),
    pytest.param(
        lambda c: c.async_create_location(USER_ID, name="Cabin", latitude=-90, longitude=180),
        "POST",
        f"/users/{USER_ID}/locations",
        None,
        {"name": "Cabin", "latitude": -90, "longitude": 180, "timezoneName": "UTC"},
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="create_location_default_timezone",
    ),
    pytest.param(
        lambda c: c.async_update_location(LOCATION_ID, name="Home (new)"),
        "PUT",
        f"/locations/{LOCATION_ID}",
        None,
        {"name": "Home (new)"},
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="update_location_name",
    ),
    pytest.param(
        lambda c: c.async_update_location(
            LOCATION_ID, latitude=59.9, longitude=10.7, timezone="Europe/Oslo"
        ),
        "PUT",
        f"/locations/{LOCATION_ID}",
        None,
        {"latitude": 59.9, "longitude": 10.7, "timezoneName": "Europe/Oslo"},
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="update_location_position",
    ),
    pytest.param(
        lambda c: c.async_delete_location(LOCATION_ID),
        "DELETE",
        f"/locations/{LOCATION_ID}",
        None,
        None,
        load_fixture("location.json"),
        200,
        ChargingLocation,
        id="delete_location",
    ),
    # interventions
    pytest.param(
        lambda c: c.async_list_interventions(),
        "GET",
        "/interventions",
        None,
        None,
        load_fixture("interventions.json"),
        200,
        list,
        id="list_interventions",
    ),
    pytest.param(
        lambda c: c.async_list_interventions(
            language="de-DE", vendor_type=DeviceKind.VEHICLE, vendor="AUDI"
        ),
        "GET",
        "/interventions",
        {"language": "de-DE", "vendorType": "vehicle", "vendor": "AUDI"},
        None,
        load_fixture("interventions.json"),
        200,
        list,
        id="list_interventions_filtered",
    ),
    pytest.param(
        lambda c: c.async_get_intervention(INTERVENTION_ID),
        "GET",
        f"/interventions/{INTERVENTION_ID}",
        None,
        None,
        load_fixture("interventions.json")[0],
        200,
        Intervention,
        id="get_intervention",
    ),
    pytest.param(
        lambda c: c.async_get_intervention(INTERVENTION_ID, language="fr-FR"),
        "GET",
        f"/interventions/{INTERVENTION_ID}",
        {"language": "fr-FR"},
        None,
        load_fixture("interventions.json")[0],
        200,
        Intervention,
        id="get_intervention_localized",
    ),
    # webhooks
    pytest.param(
        lambda c: c.async_create_webhook("https://ha.example/api/webhook/abc", "s3cr3t-value"),
        "POST",
        "/webhooks",
        None,
        {
            "url": "https://ha.example/api/webhook/abc",
            "secret": "s3cr3t-value",
            "events": ["*"],
            "apiVersion": API_VERSION,
        },
        load_fixture("webhook.json"),
        200,
        Webhook,
        id="create_webhook",
    ),
    pytest.param(
        lambda c: c.async_create_webhook(
            "https://ha.example/api/webhook/abc",
            "s3cr3t-value",
            events=("user:vehicle:updated", "user:vendor-action:updated"),
            api_version=None,
        ),
        "POST",
        "/webhooks",
        None,
        {
            "url": "https://ha.example/api/webhook/abc",
            "secret": "s3cr3t-value",
            "events": ["user:vehicle:updated", "user:vendor-action:updated"],
            "apiVersion": None,
        },
        load_fixture("webhook.json"),
        200,
        Webhook,
        id="create_webhook_selected_events",
    ),
    pytest.param(
        lambda c: c.async_list_webhooks(),
        "GET",
        "/webhooks",
        PAGE_200,
        None,
        _page("webhook.json"),
        200,
        list,
        id="list_webhooks",
    ),
    pytest.param(
        lambda c: c.async_get_webhook(WEBHOOK_ID),
        "GET",
        f"/webhooks/{WEBHOOK_ID}",
        None,
        None,
        load_fixture("webhook.json"),
        200,
        Webhook,
        id="get_webhook",
    ),
    pytest.param(
        lambda c: c.async_update_webhook(
            WEBHOOK_ID,
            url="https://ha.example/api/webhook/new",
            secret="n3w-s3cr3t",
            events=["*"],
        ),
        "PATCH",
        f"/webhooks/{WEBHOOK_ID}",
        None,
        {"url": "https://ha.example/api/webhook/new", "secret": "n3w-s3cr3t", "events": ["*"]},
        load_fixture("webhook.json"),
        200,
        Webhook,
        id="update_webhook",
    ),
    pytest.param(
        lambda c: c.async_update_webhook(WEBHOOK_ID),
        "PATCH",
        f"/webhooks/{WEBHOOK_ID}",
        None,
        {},
        load_fixture("webhook.json"),
        200,
        Webhook,
        id="update_webhook_reactivate",
    ),
    pytest.param(
        lambda c: c.async_delete_webhook(WEBHOOK_ID),
        "DELETE",
        f"/webhooks/{WEBHOOK_ID}",
        None,
        None,
        None,
        204,
        None,
        id="delete_webhook",
    ),
    pytest.param(
        lambda c: c.async_test_webhook(WEBHOOK_ID),
        "POST",
        f"/webhooks/{WEBHOOK_ID}/test",
        None,
        None,
        load_fixture("webhook_test_success.json"),
        200,
        WebhookTestResult,
        id="test_webhook",
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "payload", "status", "result_type"), CASES
)
async def test_request_and_result(
    client: EnodeClient,
    mock_api: aioresponses,
    call: Call,
    method: str,
    path: str,
    query: dict[str, str] | None,
    body: Any,
    payload: Any,
    status: int,
    result_type: type | None,
) -> None:
    """Each method sends exactly its documented request and returns its model."""
    mock_token(mock_api)
    url = API_URL + path
    mock_api.add(merge_params(url, query), method, status=status, payload=payload)

    result = await call(client)

    calls = requests_to(mock_api, method, url, query)
    assert len(calls) == 1
    sent = calls[0].kwargs
    assert sent["json"] == body
    assert sent["params"] == query
    assert sent["headers"] == {
        "Authorization": "Bearer token-1",
        "Accept": "application/json",
        "Enode-Version": "2024-10-01",
    }
    assert sent["allow_redirects"] is False
    assert sent["timeout"].total == 20.0
    if result_type is None:
        assert result is None
    else:
        assert isinstance(result, result_type)


async def test_list_results_are_parsed(client: EnodeClient, mock_api: aioresponses) -> None:
    """List methods return the parsed items of every page."""
    mock_token(mock_api)
    mock_api.get(f"{API_URL}/users/{USER_ID}/vehicles?pageSize=200", payload=_page("vehicle.json"))
    mock_api.get(f"{API_URL}/interventions", payload=load_fixture("interventions.json"))

    vehicles = await client.async_list_vehicles(USER_ID)
    interventions = await client.async_list_interventions()

    assert [vehicle.id for vehicle in vehicles] == [VEHICLE_ID]
    assert [item.needs_relink for item in interventions] == [False, True]


async def test_ids_are_percent_encoded(client: EnodeClient, mock_api: aioresponses) -> None:
    """An id with URL-reserved characters stays one path segment."""
    mock_token(mock_api)
    url = URL(f"{API_URL}/vehicles/tesla%3Aabc%40home%25", encoded=True)
    mock_api.get(url, payload=load_fixture("vehicle.json"))

    await client.async_get_vehicle("tesla:abc@home%")

    assert [key[1].raw_path for key in mock_api.requests if key[0] == "GET"] == [
        "/vehicles/tesla%3Aabc%40home%25"
    ]


async def test_custom_base_url(session: Any, mock_api: aioresponses) -> None:
    """A local sandbox serves the API and ``/oauth2/token`` under one base URL."""
    endpoints = EnodeEndpoints.for_base_url("http://127.0.0.1:8765/")
    assert endpoints == EnodeEndpoints(
        "http://127.0.0.1:8765", "http://127.0.0.1:8765/oauth2/token"
    )
    client = EnodeClient(session, "id", "secret", endpoints)
    mock_api.post(endpoints.token_url, payload={"access_token": "local", "expires_in": 60})
    mock_api.get("http://127.0.0.1:8765/chargers/c1", payload=load_fixture("charger.json"))

    charger = await client.async_get_charger("c1")

    assert charger.vendor == "ZAPTEC"


def test_environments() -> None:
    """The hosted environments have their documented endpoints."""
    assert EnodeEndpoints.for_environment(EnodeEnvironment.PRODUCTION) == EnodeEndpoints(
        "https://enode-api.production.enode.io",
        "https://oauth.production.enode.io/oauth2/token",
    )
    assert EnodeEnvironment.SANDBOX.endpoints == EnodeEndpoints(
        "https://enode-api.sandbox.io", "https://oauth.sandbox.io/oauth2/token"
    )
    assert EnodeEnvironment("sandbox") is EnodeEnvironment.SANDBOX

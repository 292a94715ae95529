"""Typed asyncio client of the Enode API (version 2024-10-01).

Every method validates its input, sends exactly one documented request (lists: one per
page) through ``_request`` and returns shared models. ``_request`` adds the bearer token,
retries once with a new token after a 401, and maps failures to ``api.errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any, Final

import aiohttp
from yarl import URL

from ..clock import monotonic
from ..errors import InvalidRequestError, InvalidResponseError
from ..http import RawResponse, async_send, decode_json
from ..models import (
    ChargeAction,
    Charger,
    ChargingCommand,
    ChargingLocation,
    ChargingStatisticsEntry,
    DeviceKind,
    Intervention,
    LinkSession,
    MaxCurrentAction,
    Page,
    SmartChargingPolicy,
    SmartChargingStatus,
    SmartOverride,
    StatisticsResolution,
    UserInfo,
    Vehicle,
    Webhook,
    WebhookTestResult,
)
from ..parse_cache import ListPages
from . import validation as check
from .auth import TokenManager
from .const import (
    API_VERSION,
    CHARGER_VENDORS,
    INTERVENTION_LANGUAGES,
    LINK_LANGUAGES,
    LINK_SCOPE_NAMES,
    LINK_SCOPES,
    OTHER_ASSET_VENDORS,
    PROVIDER_NAME,
    VEHICLE_VENDORS,
    WEBHOOK_ALL_EVENTS,
    EnodeEndpoints,
)
from .http import error_for_status
from .parse import (
    page_of,
    parse_action,
    parse_charge_action,
    parse_charger,
    parse_charging_statistics,
    parse_intervention,
    parse_interventions,
    parse_link_session,
    parse_location,
    parse_max_current_action,
    parse_page,
    parse_smart_charging_policy,
    parse_smart_charging_status,
    parse_smart_override,
    parse_user,
    parse_vehicle,
    parse_webhook,
    parse_webhook_test_result,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE: Final = 50
"""Enode's own page size when none is asked for; single pages (``*_page``) use it."""
LIST_PAGE_SIZE: Final = 200
"""The page size of full lists (every vehicle, charger, location): one request per poll.

Enode's OpenAPI gives ``pageSize`` only ``exclusiveMinimum: 0`` and no maximum, and a list
item is a few kB, so 200 keeps an answer well under a megabyte while an account with 100
vehicles (or chargers) costs one request per list instead of two at the default 50. Should
Enode serve fewer items than asked, ``pagination.after`` is followed as always (the sandbox
serves at most ``MAX_PAGE_SIZE``, the same 200)."""
MAX_PAGES = 1000
"""A list that needs more pages than this is treated as a provider fault, not followed."""


class UnsetType(Enum):
    """Type of ``UNSET``: "leave this field alone" (a value the field cannot take)."""

    UNSET = "UNSET"


UNSET: Final = UnsetType.UNSET

_CHARGING_ACTIONS: Final = {ChargingCommand.START: "START", ChargingCommand.STOP: "STOP"}
_STATISTICS_KINDS: Final = frozenset({DeviceKind.VEHICLE, DeviceKind.CHARGER})
_LINK_VENDORS: Final = {
    DeviceKind.VEHICLE: frozenset(VEHICLE_VENDORS),
    DeviceKind.CHARGER: frozenset(CHARGER_VENDORS),
}
_ANY_VENDOR: Final = frozenset(VEHICLE_VENDORS + CHARGER_VENDORS + OTHER_ASSET_VENDORS)
_UUID_PATH_IDS: Final = {
    "actionId": "action_id",
    "locationId": "location_id",
    "interventionId": "intervention_id",
    "webhookId": "webhook_id",
}
"""Path ids the spec types ``format: uuid``; anything else is refused before sending."""


class EnodeClient:
    """One Enode client (client id/secret) and the API calls the integration needs."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        endpoints: EnodeEndpoints,
        *,
        request_timeout: float = 20.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._session = session
        self._api_url = endpoints.api_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._auth = TokenManager(
            session,
            endpoints.token_url,
            client_id,
            client_secret,
            client_timeout=self._timeout,
            clock=clock or monotonic,  # read at call time: tests can freeze it
        )
        # Lists are read on every poll; a device whose JSON is unchanged keeps its model.
        self._pages = ListPages()

    # --- plumbing ----------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        template: str,
        ids: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
        expect_body: bool = True,
        raw: bool = False,
    ) -> Any:
        """Send one API request and return its JSON body (``None`` if none is expected).

        ``raw``: return the successful response itself, not yet decoded.
        """
        for key, value in (ids or {}).items():
            if key in _UUID_PATH_IDS:
                check.uuid(value, _UUID_PATH_IDS[key])
        url = URL(self._api_url + check.build_path(template, ids or {}), encoded=True)
        operation = f"{method} {template}"  # the template, never the ids
        token = await self._auth.async_get_token()
        response = await self._send(method, url, operation, token, params, body)
        if response.status == 401:
            _LOGGER.debug("Enode rejected the access token; retrying once with a new one")
            self._auth.invalidate(token)
            token = await self._auth.async_get_token()
            response = await self._send(method, url, operation, token, params, body)
        if not 200 <= response.status < 300:
            raise error_for_status(response, operation)
        if raw:
            return response
        return decode_json(response, PROVIDER_NAME, operation) if expect_body else None

    async def _send(
        self,
        method: str,
        url: URL,
        operation: str,
        token: str,
        params: Mapping[str, str] | None,
        body: object,
    ) -> RawResponse:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            # Pins the response schema. Only seen in third-party code, not in Enode's own
            # reference; the API ignores unknown headers, so sending it is harmless.
            "Enode-Version": API_VERSION,
        }
        return await async_send(
            self._session,
            method,
            url,
            provider=PROVIDER_NAME,
            operation=operation,
            client_timeout=self._timeout,
            headers=headers,
            params=params,
            json_body=body,
        )

    async def _get_page[T](
        self,
        template: str,
        ids: Mapping[str, str] | None,
        parse_item: Callable[[Any], T],
        what: str,
        *,
        page_size: int,
        after: str | None = None,
        before: str | None = None,
    ) -> Page[T]:
        params = {"pageSize": str(check.page_size(page_size))}
        if after is not None and before is not None:
            raise InvalidRequestError("after and before are mutually exclusive")
        for name, cursor in (("after", after), ("before", before)):
            if cursor is not None:
                params[name] = check.non_empty_text(cursor, name)
        response: RawResponse = await self._request("GET", template, ids, params=params, raw=True)
        # Only what changed since the last answer to the same request is decoded and parsed.
        request = (template, *sorted((ids or {}).items()), *sorted(params.items()))
        if (parsed := self._pages.parse(request, response.body, parse_item)) is not None:
            return page_of(*parsed)
        data = decode_json(response, PROVIDER_NAME, f"GET {template}")
        return parse_page(data, parse_item, what)

    async def _get_all[T](
        self,
        template: str,
        ids: Mapping[str, str] | None,
        parse_item: Callable[[Any], T],
        what: str,
        *,
        page_size: int = LIST_PAGE_SIZE,
    ) -> list[T]:
        """Collect every item of a paginated list, following ``pagination.after``, bounded."""
        items: list[T] = []
        seen: set[str] = set()
        after: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._get_page(
                template, ids, parse_item, what, page_size=page_size, after=after
            )
            items.extend(page.items)
            if page.next_cursor is None:
                return items
            if page.next_cursor in seen:
                raise InvalidResponseError(f"Enode {what} list repeated a pagination cursor")
            seen.add(page.next_cursor)
            after = page.next_cursor
        raise InvalidResponseError(f"Enode {what} list has more than {MAX_PAGES} pages")

    # --- credentials and users ---------------------------------------------------------

    async def async_get_token(self) -> str:
        """Return a valid access token (cached; refreshed shortly before it expires)."""
        return await self._auth.async_get_token()

    async def async_validate_credentials(self) -> None:
        """Request a fresh token: raises ``AuthenticationError`` if the client is rejected."""
        await self._auth.async_get_token(force_refresh=True)

    async def async_create_link_session(
        self,
        user_id: str,
        *,
        vendor_type: DeviceKind,
        scopes: Sequence[str] | None = None,
        language: str,
        redirect_uri: str,
        vendor: str | None = None,
    ) -> LinkSession:
        """Start a Link UI session for one device kind; creates the user if it is new."""
        if vendor_type not in LINK_SCOPES:
            raise InvalidRequestError("vendor_type must be vehicle or charger")
        scope_list = check.scopes(
            LINK_SCOPES[vendor_type] if scopes is None else scopes, LINK_SCOPE_NAMES
        )
        body: dict[str, Any] = {
            # Optional in the 2024-10-01 schema, documented as required since 2024-01-01.
            "vendorType": vendor_type.value,
            "scopes": scope_list,
            "language": check.one_of(language, LINK_LANGUAGES, "language"),
            "redirectUri": check.redirect_uri(redirect_uri),
        }
        if vendor is not None:
            body["vendor"] = check.one_of(vendor, _LINK_VENDORS[vendor_type], "vendor")
        data = await self._request("POST", "/users/{userId}/link", {"userId": user_id}, body=body)
        return parse_link_session(data)

    async def async_relink(self, asset_id: str, *, language: str, redirect_uri: str) -> LinkSession:
        """Start a Link UI session that repairs the link of an already linked device."""
        body = {
            "language": check.one_of(language, LINK_LANGUAGES, "language"),
            "redirectUri": check.redirect_uri(redirect_uri),
        }
        data = await self._request(
            "POST", "/assets/{assetId}/relink", {"assetId": asset_id}, body=body
        )
        return parse_link_session(data)

    async def async_get_user(self, user_id: str) -> UserInfo:
        """Get the user and its linked vendor accounts (``is_valid`` false: relink needed)."""
        return parse_user(await self._request("GET", "/users/{userId}", {"userId": user_id}))

    async def async_delete_user(self, user_id: str) -> None:
        """Delete the user with all its data and vendor credentials."""
        await self._request("DELETE", "/users/{userId}", {"userId": user_id}, expect_body=False)

    async def async_deauthorize_user(self, user_id: str) -> None:
        """Delete the user's vendor credentials but keep its other data."""
        await self._request(
            "DELETE", "/users/{userId}/authorization", {"userId": user_id}, expect_body=False
        )

    async def async_disconnect_vendor(
        self, user_id: str, vendor: str, vendor_type: DeviceKind | None = None
    ) -> None:
        """Disconnect one vendor (optionally one of its device kinds) from the user."""
        ids = {"userId": user_id, "vendor": vendor}
        template = "/users/{userId}/vendors/{vendor}"
        if vendor_type is not None:
            if vendor_type is DeviceKind.UNKNOWN:
                raise InvalidRequestError("vendor_type must be vehicle or charger")
            ids["vendorType"] = vendor_type.value
            template += "/{vendorType}"
        await self._request("DELETE", template, ids, expect_body=False)

    # --- vehicles ----------------------------------------------------------------------

    async def async_list_vehicles(
        self, user_id: str, *, page_size: int = LIST_PAGE_SIZE
    ) -> list[Vehicle]:
        """List every vehicle of the user, all pages."""
        return await self._get_all(
            "/users/{userId}/vehicles",
            {"userId": user_id},
            parse_vehicle,
            "vehicle",
            page_size=page_size,
        )

    async def async_list_vehicles_page(
        self,
        user_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        before: str | None = None,
    ) -> Page[Vehicle]:
        """Get one page of the user's vehicles."""
        return await self._get_page(
            "/users/{userId}/vehicles",
            {"userId": user_id},
            parse_vehicle,
            "vehicle",
            page_size=page_size,
            after=after,
            before=before,
        )

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """Get one vehicle."""
        data = await self._request("GET", "/vehicles/{vehicleId}", {"vehicleId": vehicle_id})
        return parse_vehicle(data)

    async def async_vehicle_refresh_hint(self, vehicle_id: str) -> None:
        """Ask Enode to refresh the vehicle's data soon; use sparingly."""
        await self._request(
            "POST",
            "/vehicles/{vehicleId}/refresh-hint",
            {"vehicleId": vehicle_id},
            expect_body=False,
        )

    async def async_set_vehicle_charging(
        self, vehicle_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Start or stop charging; Enode keeps retrying until the action settles."""
        data = await self._request(
            "POST",
            "/vehicles/{vehicleId}/charging",
            {"vehicleId": vehicle_id},
            body={"action": _charging_action(command)},
        )
        return parse_charge_action(data)

    async def async_get_vehicle_action(self, action_id: str) -> ChargeAction | MaxCurrentAction:
        """Get a vehicle action (charging or max current) by id."""
        data = await self._request("GET", "/vehicles/actions/{actionId}", {"actionId": action_id})
        return parse_action(data)

    async def async_cancel_vehicle_action(self, action_id: str) -> ChargeAction | MaxCurrentAction:
        """Cancel a pending vehicle action (409 ``ConflictError`` once it has settled)."""
        data = await self._request(
            "POST", "/vehicles/actions/{actionId}/cancel", {"actionId": action_id}
        )
        return parse_action(data)

    async def async_set_vehicle_max_current(
        self, vehicle_id: str, max_current: float
    ) -> MaxCurrentAction:
        """Change the vehicle's maximum charging current (ampere)."""
        data = await self._request(
            "POST",
            "/vehicles/{vehicleId}/max-current",
            {"vehicleId": vehicle_id},
            body={"maxCurrent": check.positive_number(max_current, "max_current")},
        )
        return parse_max_current_action(data)

    async def async_create_smart_override(self, vehicle_id: str) -> SmartOverride:
        """Charge now, overriding smart charging and schedules until charging stops."""
        data = await self._request(
            "POST", "/vehicles/{vehicleId}/smart-override", {"vehicleId": vehicle_id}
        )
        return parse_smart_override(data)

    async def async_end_smart_override(self, vehicle_id: str) -> SmartOverride:
        """End the vehicle's "charge now" override (``NotFoundError`` if there is none)."""
        data = await self._request(
            "DELETE", "/vehicles/{vehicleId}/smart-override", {"vehicleId": vehicle_id}
        )
        return parse_smart_override(data)

    async def async_get_smart_charging_policy(self, vehicle_id: str) -> SmartChargingPolicy:
        """Get the vehicle's smart-charging settings."""
        data = await self._request(
            "GET", "/vehicles/{vehicleId}/smart-charging-policy", {"vehicleId": vehicle_id}
        )
        return parse_smart_charging_policy(data)

    async def async_update_smart_charging_policy(
        self,
        vehicle_id: str,
        *,
        is_enabled: bool | None = None,
        deadline: str | UnsetType = UNSET,
        minimum_charge_limit: float | None = None,
    ) -> SmartChargingPolicy:
        """Change some smart-charging settings; only the given fields are sent.

        The 2024-10-01 request schema types ``deadline`` as an ``HH:MM`` string only (the
        policy read back is nullable), so a deadline is never cleared with ``null``: it is
        refused here. To stop smart charging from working towards a deadline, send
        ``is_enabled=False``.
        """
        body: dict[str, Any] = {}
        if is_enabled is not None:
            body["isEnabled"] = bool(is_enabled)
        if not isinstance(deadline, UnsetType):
            body["deadline"] = check.deadline(deadline)
        if minimum_charge_limit is not None:
            body["minimumChargeLimit"] = check.number_in_range(
                minimum_charge_limit, "minimum_charge_limit", 0, 100
            )
        if not body:
            raise InvalidRequestError("Nothing to update in the smart charging policy")
        data = await self._request(
            "PUT",
            "/vehicles/{vehicleId}/smart-charging-policy",
            {"vehicleId": vehicle_id},
            body=body,
        )
        return parse_smart_charging_policy(data)

    async def async_get_smart_charging_status(self, vehicle_id: str) -> SmartChargingStatus:
        """Get what smart charging is doing for the vehicle now, with its plan."""
        data = await self._request(
            "GET", "/vehicles/{vehicleId}/smart-charging-status", {"vehicleId": vehicle_id}
        )
        return parse_smart_charging_status(data)

    # --- chargers ----------------------------------------------------------------------

    async def async_list_chargers(
        self, user_id: str, *, page_size: int = LIST_PAGE_SIZE
    ) -> list[Charger]:
        """List every charger of the user, all pages."""
        return await self._get_all(
            "/users/{userId}/chargers",
            {"userId": user_id},
            parse_charger,
            "charger",
            page_size=page_size,
        )

    async def async_list_chargers_page(
        self,
        user_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
        before: str | None = None,
    ) -> Page[Charger]:
        """Get one page of the user's chargers."""
        return await self._get_page(
            "/users/{userId}/chargers",
            {"userId": user_id},
            parse_charger,
            "charger",
            page_size=page_size,
            after=after,
            before=before,
        )

    async def async_get_charger(self, charger_id: str) -> Charger:
        """Get one charger."""
        data = await self._request("GET", "/chargers/{chargerId}", {"chargerId": charger_id})
        return parse_charger(data)

    async def async_charger_refresh_hint(self, charger_id: str) -> None:
        """Ask Enode to refresh the charger's data soon; use sparingly."""
        await self._request(
            "POST",
            "/chargers/{chargerId}/refresh-hint",
            {"chargerId": charger_id},
            expect_body=False,
        )

    async def async_set_charger_charging(
        self, charger_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Start or stop charging at the charger."""
        data = await self._request(
            "POST",
            "/chargers/{chargerId}/charging",
            {"chargerId": charger_id},
            body={"action": _charging_action(command)},
        )
        return parse_charge_action(data)

    async def async_get_charger_action(self, action_id: str) -> ChargeAction | MaxCurrentAction:
        """Get a charger action (charging or max current) by id."""
        data = await self._request("GET", "/chargers/actions/{actionId}", {"actionId": action_id})
        return parse_action(data)

    async def async_cancel_charger_action(self, action_id: str) -> ChargeAction | MaxCurrentAction:
        """Cancel a pending charger action (409 ``ConflictError`` once it has settled)."""
        data = await self._request(
            "POST", "/chargers/actions/{actionId}/cancel", {"actionId": action_id}
        )
        return parse_action(data)

    async def async_set_charger_max_current(
        self, charger_id: str, max_current: float
    ) -> MaxCurrentAction:
        """Change the charger's maximum charging current (ampere)."""
        data = await self._request(
            "POST",
            "/chargers/{chargerId}/max-current",
            {"chargerId": charger_id},
            body={"maxCurrent": check.positive_number(max_current, "max_current")},
        )
        return parse_max_current_action(data)

    async def async_set_charger_location(self, charger_id: str, location_id: str | None) -> Charger:
        """Tie the charger to a charging location (``None`` unties it).

        The 2024-10-01 spec has ``PUT /chargers/{chargerId}`` where older guides say PATCH.
        """
        if location_id is not None:
            check.uuid(location_id, "location_id")
        data = await self._request(
            "PUT",
            "/chargers/{chargerId}",
            {"chargerId": charger_id},
            body={"locationId": location_id},
        )
        return parse_charger(data)

    # --- locations ---------------------------------------------------------------------

    async def async_list_locations(self, user_id: str) -> list[ChargingLocation]:
        """List every charging location of the user, all pages."""
        return await self._get_all(
            "/users/{userId}/locations", {"userId": user_id}, parse_location, "location"
        )

    async def async_get_location(self, location_id: str) -> ChargingLocation:
        """Get one charging location."""
        data = await self._request("GET", "/locations/{locationId}", {"locationId": location_id})
        return parse_location(data)

    async def async_create_location(
        self,
        user_id: str,
        *,
        name: str,
        latitude: float,
        longitude: float,
        timezone: str = "UTC",
    ) -> ChargingLocation:
        """Create a charging location (IANA ``timezone``) for the user.

        The 2024-10-01 spec has ``POST /users/{userId}/locations`` where older guides say
        ``POST /locations``.
        """
        body = {
            "name": check.non_empty_text(name, "name"),
            "latitude": check.latitude(latitude),
            "longitude": check.longitude(longitude),
            "timezoneName": check.non_empty_text(timezone, "timezone"),
        }
        data = await self._request(
            "POST", "/users/{userId}/locations", {"userId": user_id}, body=body
        )
        return parse_location(data)

    async def async_update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone: str | None = None,
    ) -> ChargingLocation:
        """Change some fields of a charging location; only the given fields are sent."""
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = check.non_empty_text(name, "name")
        if latitude is not None:
            body["latitude"] = check.latitude(latitude)
        if longitude is not None:
            body["longitude"] = check.longitude(longitude)
        if timezone is not None:
            body["timezoneName"] = check.non_empty_text(timezone, "timezone")
        if not body:
            raise InvalidRequestError("Nothing to update in the location")
        data = await self._request(
            "PUT", "/locations/{locationId}", {"locationId": location_id}, body=body
        )
        return parse_location(data)

    async def async_delete_location(self, location_id: str) -> ChargingLocation:
        """Delete a charging location; returns it as it was."""
        data = await self._request("DELETE", "/locations/{locationId}", {"locationId": location_id})
        return parse_location(data)

    # --- statistics --------------------------------------------------------------------

    async def async_get_charging_statistics(
        self,
        user_id: str,
        *,
        device_kind: DeviceKind,
        start: datetime,
        end: datetime | None = None,
        device_id: str | None = None,
        location_id: str | None = None,
        resolution: StatisticsResolution = StatisticsResolution.DAY,
    ) -> list[ChargingStatisticsEntry]:
        """Get the energy charged per time bucket by one device, or by all of a kind.

        Buckets are in UTC: the deprecated ``utcOffset`` is never sent.
        """
        if device_kind not in _STATISTICS_KINDS:
            raise InvalidRequestError("device_kind must be vehicle or charger")
        params = {
            "startDate": check.timestamp(start, "start"),
            "type": device_kind.value,
            "resolution": resolution.value.upper(),
        }
        if end is not None:
            params["endDate"] = check.timestamp(end, "end")
            if end < start:
                raise InvalidRequestError("end must not be before start")
        if device_id is not None:
            params["id"] = check.resource_id(device_id, "device_id")
        if location_id is not None:
            params["locationId"] = check.uuid(location_id, "location_id")
        data = await self._request(
            "GET", "/users/{userId}/statistics/charging", {"userId": user_id}, params=params
        )
        return parse_charging_statistics(data)

    # --- interventions -----------------------------------------------------------------

    async def async_list_interventions(
        self,
        *,
        language: str | None = None,
        vendor_type: DeviceKind | None = None,
        vendor: str | None = None,
    ) -> list[Intervention]:
        """List the interventions that can block capabilities, optionally narrowed."""
        params: dict[str, str] = {}
        if language is not None:
            params["language"] = check.one_of(language, INTERVENTION_LANGUAGES, "language")
        if vendor_type is not None:
            if vendor_type is DeviceKind.UNKNOWN:
                raise InvalidRequestError("vendor_type must be vehicle or charger")
            params["vendorType"] = vendor_type.value
        if vendor is not None:
            params["vendor"] = check.one_of(vendor, _ANY_VENDOR, "vendor")
        data = await self._request("GET", "/interventions", params=params or None)
        return parse_interventions(data)

    async def async_get_intervention(
        self, intervention_id: str, *, language: str | None = None
    ) -> Intervention:
        """Get one intervention, localized when ``language`` is given (else en-US)."""
        params = (
            {"language": check.one_of(language, INTERVENTION_LANGUAGES, "language")}
            if language is not None
            else None
        )
        data = await self._request(
            "GET",
            "/interventions/{interventionId}",
            {"interventionId": intervention_id},
            params=params,
        )
        return parse_intervention(data)

    # --- webhooks ----------------------------------------------------------------------

    async def async_create_webhook(
        self,
        url: str,
        secret: str,
        *,
        events: Sequence[str] = (WEBHOOK_ALL_EVENTS,),
        api_version: str | None = API_VERSION,
    ) -> Webhook:
        """Register a webhook whose deliveries ``secret`` signs (400 if it already exists)."""
        body = {
            "url": check.non_empty_text(url, "url", min_length=8, max_length=200),
            "secret": check.non_empty_text(secret, "secret", min_length=6, max_length=256),
            "events": _event_list(events),
            "apiVersion": api_version,
        }
        return parse_webhook(await self._request("POST", "/webhooks", body=body))

    async def async_list_webhooks(self) -> list[Webhook]:
        """List every webhook of the client, all pages."""
        return await self._get_all("/webhooks", None, parse_webhook, "webhook")

    async def async_get_webhook(self, webhook_id: str) -> Webhook:
        """Get one webhook."""
        data = await self._request("GET", "/webhooks/{webhookId}", {"webhookId": webhook_id})
        return parse_webhook(data)

    async def async_update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        secret: str | None = None,
        events: Sequence[str] | None = None,
    ) -> Webhook:
        """Change some fields of a webhook; any update also reactivates an inactive one."""
        body: dict[str, Any] = {}
        if url is not None:
            body["url"] = check.non_empty_text(url, "url", min_length=8, max_length=200)
        if secret is not None:
            body["secret"] = check.non_empty_text(secret, "secret", min_length=6, max_length=256)
        if events is not None:
            body["events"] = _event_list(events)
        data = await self._request(
            "PATCH", "/webhooks/{webhookId}", {"webhookId": webhook_id}, body=body
        )
        return parse_webhook(data)

    async def async_delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook."""
        await self._request(
            "DELETE", "/webhooks/{webhookId}", {"webhookId": webhook_id}, expect_body=False
        )

    async def async_test_webhook(self, webhook_id: str) -> WebhookTestResult:
        """Have Enode send ``enode:webhook:test``; success reactivates the webhook."""
        data = await self._request("POST", "/webhooks/{webhookId}/test", {"webhookId": webhook_id})
        return parse_webhook_test_result(data)


def _charging_action(command: ChargingCommand) -> str:
    action = _CHARGING_ACTIONS.get(command)
    if action is None:
        raise InvalidRequestError("command must be start or stop")
    return action


def _event_list(events: Sequence[str]) -> list[str]:
    if isinstance(events, str) or not events:
        raise InvalidRequestError("events must be a non-empty sequence of event names")
    return [check.non_empty_text(event, "event") for event in events]

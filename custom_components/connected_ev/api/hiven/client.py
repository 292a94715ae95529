"""Typed asyncio client of the Hiven API (vehicles through Smartcar).

Every method validates its input first (``InvalidRequestError``, nothing sent), then sends
one request through ``_request`` with ``X-Api-Key`` and, except for the reference data
calls, ``X-User-Id`` (changing preferences reads them first: two). Failures become
``api.errors`` (see ``http.error_for_status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from enum import Enum
from typing import Any, Final

import aiohttp
from yarl import URL

from ..errors import ConflictError, InvalidRequestError, InvalidResponseError, NotFoundError
from ..http import RawResponse, async_send, decode_json
from ..models import ChargingBehavior, MinimalSoc, Vehicle, Weekday
from . import validation as check
from .assumptions import (
    BRANDS_PATH,
    DELETE_DEVICE_PATH,
    FORCE_REFRESH_PARAM,
    LOCATION_PATH,
    LOCATIONS_PATH,
    SEND_USER_ID_QUERY,
    STATE_PARAM,
    VEHICLE_CAPABILITIES_PATH,
)
from .const import (
    API_KEY_HEADER,
    AUTHORIZATION_URL_PATH,
    CAPABILITIES_PATH,
    CONNECT_PATH,
    DEFAULT_BASE_URL,
    DEFAULT_COUNTRY_CODE,
    DEFAULT_REQUEST_TIMEOUT,
    DEVICE_PATH,
    DEVICES_PATH,
    EV_PREFERENCES_PATH,
    PROVIDER_NAME,
    STATUS_PATH,
    USER_ID_HEADER,
)
from .errors import DeviceOwnedByAnotherUserError
from .http import error_for_status
from .models import (
    AuthorizationMode,
    ConnectResult,
    HivenCapability,
    HivenChargingBehavior,
    HivenDevice,
    HivenEvPreferences,
    HivenLocation,
    HivenManufacturer,
    HivenVehicleStatus,
    SocLevel,
    VehicleModelCapabilities,
)
from .parse import (
    parse_authorization_url,
    parse_brands,
    parse_capabilities,
    parse_connect,
    parse_device,
    parse_devices,
    parse_ev_preferences,
    parse_location,
    parse_locations,
    parse_status,
    parse_vehicle_capabilities,
)


class UnsetType(Enum):
    """Type of ``UNSET``: "leave this field alone", as opposed to ``None`` ("clear it")."""

    UNSET = "UNSET"


UNSET: Final = UnsetType.UNSET


class HivenClient:
    """One Hiven user (API key + user id) and the calls the integration needs."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        user_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._session = session
        self._api_key = check.credential(api_key, "api_key")
        self._user_id = check.credential(user_id, "user_id")
        self._base_url = check.redirect_uri(base_url, "base_url").rstrip("/")
        self._timeout = aiohttp.ClientTimeout(
            total=check.positive_number(request_timeout, "request_timeout")
        )

    def __repr__(self) -> str:
        """Never show the API key."""
        return f"HivenClient(base_url={self._base_url!r})"

    @property
    def user_id(self) -> str:
        """Return the Hiven user this client acts for."""
        return self._user_id

    # --- plumbing ----------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        template: str,
        ids: Mapping[str, str] | None = None,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: object = None,
        as_user: bool = True,
    ) -> RawResponse:
        """Send one request and return the response; non-2xx raises a typed error."""
        url = URL(self._base_url + check.build_path(template, ids or {}), encoded=True)
        if query:
            url = url.extend_query(list(query))
        operation = f"{method} {template}"  # the template, never the ids
        headers = {API_KEY_HEADER: self._api_key, "Accept": "application/json"}
        if as_user:
            headers[USER_ID_HEADER] = self._user_id
        response = await async_send(
            self._session,
            method,
            url,
            provider=PROVIDER_NAME,
            operation=operation,
            client_timeout=self._timeout,
            headers=headers,
            json_body=body,
        )
        if not 200 <= response.status < 300:
            raise error_for_status(response, operation)
        return response

    async def _get_json(
        self,
        template: str,
        ids: Mapping[str, str] | None = None,
        *,
        query: Sequence[tuple[str, str]] = (),
        as_user: bool = True,
    ) -> Any:
        response = await self._request("GET", template, ids, query=query, as_user=as_user)
        return decode_json(response, PROVIDER_NAME, f"GET {template}")

    # --- connecting vehicles -----------------------------------------------------------

    async def async_get_authorization_url(
        self,
        *,
        manufacturer: HivenManufacturer | str,
        redirect_uri: str,
        country_code: str = DEFAULT_COUNTRY_CODE,
        mode: AuthorizationMode | str = AuthorizationMode.LIVE,
        state: str | None = None,
    ) -> str:
        """Smartcar's authorization URL for one manufacturer; ``state`` is appended (A11)."""
        query = [
            ("manufacturer", check.manufacturer(manufacturer)),
            ("redirectUri", check.redirect_uri(redirect_uri, "redirect_uri")),
            ("countryCode", check.country_code(country_code)),
            ("mode", check.mode(mode)),
        ]
        if state is not None:
            check.text(state, "state")
        url = parse_authorization_url(await self._get_json(AUTHORIZATION_URL_PATH, query=query))
        if state is None:
            return url
        try:
            parsed = URL(url)
        except ValueError as err:
            raise InvalidResponseError("Hiven authorization URL is not a URL") from err
        return str(parsed.update_query({STATE_PARAM: state}))

    async def async_connect(self, *, auth_code: str, redirect_url: str) -> ConnectResult:
        """Hand Smartcar's code to Hiven: 201 added, 200 already added to this user.

        Raises ``DeviceOwnedByAnotherUserError`` when another user has the vehicle (409).
        """
        body = {
            "authCode": check.text(auth_code, "auth_code"),
            "redirectUrl": check.redirect_uri(redirect_url, "redirect_url"),
        }
        try:
            response = await self._request("POST", CONNECT_PATH, body=body)
        except ConflictError as err:
            raise DeviceOwnedByAnotherUserError(
                "The vehicle is already connected to another Hiven user",
                status=err.status,
                problem_type=err.problem_type,
                detail=err.detail,
            ) from err
        if response.status not in (200, 201):
            raise InvalidResponseError(
                f"Hiven POST {CONNECT_PATH} answered HTTP {response.status}, not 200 or 201",
                status=response.status,
            )
        return parse_connect(
            decode_json(response, PROVIDER_NAME, f"POST {CONNECT_PATH}"), response.status
        )

    # --- devices -----------------------------------------------------------------------

    async def async_list_device_details(self) -> list[HivenDevice]:
        """List every device of the user, any type, as Hiven describes it."""
        query = [("userId", self._user_id)] if SEND_USER_ID_QUERY else []
        return parse_devices(await self._get_json(DEVICES_PATH, query=query))

    async def async_list_devices(self) -> list[Vehicle]:
        """List the user's vehicles (type EV); chargers and other device types are ignored."""
        devices = await self.async_list_device_details()
        return [device.to_vehicle(self._user_id) for device in devices if device.is_vehicle]

    async def async_get_device_details(self, device_id: str) -> HivenDevice:
        """Get one device, any type."""
        return parse_device(await self._get_json(DEVICE_PATH, {"deviceId": device_id}))

    async def async_get_device(self, device_id: str) -> Vehicle:
        """Get one vehicle; a device of another type is not found (``NotFoundError``)."""
        device = await self.async_get_device_details(device_id)
        if not device.is_vehicle:
            raise NotFoundError("Hiven device is not a vehicle (its type is not EV)")
        return device.to_vehicle(self._user_id)

    async def async_get_status(self, device_id: str) -> HivenVehicleStatus:
        """Get the vehicle's telemetry (``to_charge_state()`` gives the shared model)."""
        return parse_status(await self._get_json(STATUS_PATH, {"deviceId": device_id}))

    async def async_get_vehicle_capabilities(
        self, device_id: str, *, force_refresh: bool = False
    ) -> frozenset[HivenCapability]:
        """Get what this vehicle can do now (path and shape: assumption A14).

        ``force_refresh`` makes Hiven read them from the car first: slower, so only where
        they may have changed (a vehicle just connected, a new setup), never on every poll.
        """
        query = [(FORCE_REFRESH_PARAM, "true")] if force_refresh else []
        data = await self._get_json(VEHICLE_CAPABILITIES_PATH, {"deviceId": device_id}, query=query)
        return parse_vehicle_capabilities(data)

    async def async_delete_vehicle(self, device_id: str) -> None:
        """Remove the vehicle from Hiven (path: assumption A1)."""
        await self._request("DELETE", DELETE_DEVICE_PATH, {"deviceId": device_id})

    # --- charging preferences ----------------------------------------------------------

    async def async_get_ev_preferences(self, device_id: str) -> HivenEvPreferences:
        """Get the vehicle's smart-charging preferences."""
        data = await self._get_json(EV_PREFERENCES_PATH, {"deviceId": device_id})
        return parse_ev_preferences(data)

    async def async_set_ev_preferences(
        self,
        device_id: str,
        *,
        charging_behavior: HivenChargingBehavior | ChargingBehavior | str | UnsetType = UNSET,
        charging_location_ids: Sequence[str] | None | UnsetType = UNSET,
        minimal_soc: SocLevel | MinimalSoc | None | UnsetType = UNSET,
        target_soc: SocLevel | MinimalSoc | None | UnsetType = UNSET,
        ready_time: time | str | None | UnsetType = UNSET,
        weekday_ready_times: Mapping[Weekday | str, time | str] | None | UnsetType = UNSET,
        battery_capacity: float | None | UnsetType = UNSET,
        default_spot_price_area_id: str | None | UnsetType = UNSET,
    ) -> None:
        """Change the given fields only; ``None`` clears one (A9). Read, merge, write.

        Hiven's PUT acts as a PATCH, but ``chargingBehavior`` is the one member its document
        does not mark optional, and targetSoC and readyTime are optional only while the
        behaviour is SMART_CHARGE_OFF (A10). So the stored preferences are read first, the
        change is merged into them and checked (``InvalidRequestError`` naming the missing
        fields, nothing written), and the PUT always carries ``chargingBehavior``: the given
        one, else the stored one. Two requests: the GET and the PUT.
        """
        check.resource_id(device_id, "device_id")
        body: dict[str, Any] = {}
        if charging_behavior is not UNSET:
            body["chargingBehavior"] = check.charging_behavior(charging_behavior)
        if charging_location_ids is not UNSET:
            body["chargingLocationIds"] = (
                None
                if charging_location_ids is None
                else check.id_list(charging_location_ids, "charging_location_ids")
            )
        if minimal_soc is not UNSET:
            body["minimalSoC"] = (
                None if minimal_soc is None else check.soc_level(minimal_soc, "minimal_soc")
            )
        if target_soc is not UNSET:
            body["targetSoC"] = (
                None if target_soc is None else check.soc_level(target_soc, "target_soc")
            )
        if ready_time is not UNSET:
            body["readyTime"] = (
                None if ready_time is None else check.hh_mm(ready_time, "ready_time")
            )
        if weekday_ready_times is not UNSET:
            body["weekDaySpecificReadyTimes"] = (
                None if weekday_ready_times is None else check.weekday_times(weekday_ready_times)
            )
        if battery_capacity is not UNSET:
            body["batteryCapacity"] = (
                None if battery_capacity is None else check.battery_capacity(battery_capacity)
            )
        if default_spot_price_area_id is not UNSET:
            body["defaultSpotPriceAreaId"] = (
                None
                if default_spot_price_area_id is None
                else check.text(default_spot_price_area_id, "default_spot_price_area_id")
            )
        if not body:
            raise InvalidRequestError("at least one preference must be given")
        current = await self.async_get_ev_preferences(device_id)
        body["chargingBehavior"] = check.merged_preferences(current, body)
        await self._request("PUT", EV_PREFERENCES_PATH, {"deviceId": device_id}, body=body)

    # --- reference data ----------------------------------------------------------------

    async def async_list_vehicle_capabilities(
        self,
        *,
        supporting: Sequence[HivenCapability | str] | None = None,
        not_supporting: Sequence[HivenCapability | str] | None = None,
    ) -> list[VehicleModelCapabilities]:
        """List vehicle models and their capabilities, optionally filtered (A8)."""
        query = [("supporting", name) for name in check.capabilities(supporting, "supporting")]
        query += [
            ("not_supporting", name)
            for name in check.capabilities(not_supporting, "not_supporting")
        ]
        data = await self._get_json(CAPABILITIES_PATH, query=query, as_user=False)
        return parse_capabilities(data)

    async def async_list_supported_brands(self) -> list[str]:
        """List the manufacturers Hiven can connect (path and shape: assumption A3)."""
        return parse_brands(await self._get_json(BRANDS_PATH, as_user=False))

    # --- user locations (assumption A2) ------------------------------------------------

    async def async_list_locations(self) -> list[HivenLocation]:
        """List the user's locations."""
        return parse_locations(await self._get_json(LOCATIONS_PATH))

    async def async_create_location(
        self,
        *,
        latitude: float,
        longitude: float,
        country_code: str,
        postal_code: str | None = None,
        name: str | None = None,
    ) -> HivenLocation:
        """Create a location; Hiven assigns its spot price area."""
        body: dict[str, Any] = {
            "coordinates": {
                "latitude": check.latitude(latitude),
                "longitude": check.longitude(longitude),
            },
            "countryCode": check.country_code(country_code),
        }
        if postal_code is not None:
            body["postalCode"] = check.text(postal_code, "postal_code")
        if name is not None:
            body["name"] = check.text(name, "name")
        response = await self._request("POST", LOCATIONS_PATH, body=body)
        return parse_location(decode_json(response, PROVIDER_NAME, f"POST {LOCATIONS_PATH}"))

    async def async_update_location(
        self,
        location_id: str,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
        country_code: str | None = None,
        postal_code: str | None = None,
        name: str | None = None,
    ) -> HivenLocation:
        """Change the given fields of a location (coordinates go together)."""
        check.resource_id(location_id, "location_id")
        body: dict[str, Any] = {}
        if (latitude is None) != (longitude is None):
            raise InvalidRequestError("latitude and longitude must be given together")
        if latitude is not None and longitude is not None:
            body["coordinates"] = {
                "latitude": check.latitude(latitude),
                "longitude": check.longitude(longitude),
            }
        if country_code is not None:
            body["countryCode"] = check.country_code(country_code)
        if postal_code is not None:
            body["postalCode"] = check.text(postal_code, "postal_code")
        if name is not None:
            body["name"] = check.text(name, "name")
        if not body:
            raise InvalidRequestError("at least one location field must be given")
        response = await self._request("PUT", LOCATION_PATH, {"locationId": location_id}, body=body)
        return parse_location(decode_json(response, PROVIDER_NAME, f"PUT {LOCATION_PATH}"))

    async def async_delete_location(self, location_id: str) -> None:
        """Delete a location."""
        await self._request("DELETE", LOCATION_PATH, {"locationId": location_id})

"""Connected Cars' Auth API: log in once, keep a device token, mint 1-hour JWTs from it.

The password is used for exactly two requests (log in, register a device) and never kept:
what an integration stores is the device token, a long-lived credential of this one
registered device that the user can see and revoke in their account (Connected Cars deletes
it after a year unused). Each GraphQL request carries a JWT minted from the device token,
renewed ``TOKEN_RENEW_MARGIN`` before it expires; one renewal runs at a time.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from yarl import URL

from ..errors import AuthenticationError, InvalidRequestError, InvalidResponseError
from ..http import async_send, decode_json
from .const import (
    DEFAULT_REQUEST_TIMEOUT,
    DELETE_DEVICE_PATH,
    DEVICE_MODEL,
    DEVICE_NAME_PREFIX,
    DEVICES_PATH,
    LOGIN_DEVICE_TOKEN_PATH,
    LOGIN_PASSWORD_PATH,
    NAMESPACE_HEADER,
    PROVIDER_NAME,
    REGISTER_DEVICE_PATH,
    TOKEN_LIFETIME,
    TOKEN_RENEW_MARGIN,
    USER_AGENT,
    USER_INFO_PATH,
)
from .errors import error_for_status


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A JWT and when it stops working."""

    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RegisteredDevice:
    """A device token registered for this integration, and the name it was registered as."""

    device_token: str
    device_name: str


@dataclass(frozen=True, slots=True)
class AccountUser:
    """The account's user: an id (hashed into the entry's unique id) and names."""

    id: str
    email: str | None = None
    firstname: str | None = None
    lastname: str | None = None


def new_device_name() -> str:
    """Make a device name unique to one Home Assistant entry ("Home Assistant 1a2b3c4d")."""
    return f"{DEVICE_NAME_PREFIX} {secrets.token_hex(4)}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ConnectedCarsAuth:
    """One account in one namespace and region: device-token logins and the account calls."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        auth_origin: str,
        namespace: str,
        device_token: str | None = None,
        *,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._session = session
        self._origin = URL(auth_origin)
        self._namespace = namespace
        self._device_token = device_token
        self._now = now
        self._access: AccessToken | None = None
        self._lock = asyncio.Lock()

    @property
    def namespace(self) -> str:
        """The ``<organization>:<product>`` namespace every request names."""
        return self._namespace

    async def _request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        token: str | None = None,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        headers = {NAMESPACE_HEADER: self._namespace, "User-Agent": USER_AGENT}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await async_send(
            self._session,
            method,
            self._origin.with_path(self._origin.path.rstrip("/") + path),
            provider=PROVIDER_NAME,
            operation=operation,
            client_timeout=DEFAULT_REQUEST_TIMEOUT,
            headers=headers,
            params=params,
            json_body=json_body,
        )
        if not 200 <= response.status < 300:
            raise error_for_status(response, operation)
        return decode_json(response, PROVIDER_NAME, operation)

    def _access_token(self, document: Any, operation: str) -> AccessToken:
        """Read ``{token, expires}`` (seconds); a missing lifetime counts as one hour."""
        if not isinstance(document, dict) or not isinstance(document.get("token"), str):
            raise InvalidResponseError(f"{PROVIDER_NAME} {operation} returned no token")
        expires = document.get("expires")
        lifetime = (
            timedelta(seconds=expires)
            if isinstance(expires, (int, float)) and not isinstance(expires, bool) and expires > 0
            else TOKEN_LIFETIME
        )
        return AccessToken(document["token"], self._now() + lifetime)

    async def async_login_password(self, email: str, password: str) -> AccessToken:
        """Log in with the app account (``InvalidEmailError``, ``InvalidPasswordError`` …)."""
        if not email.strip() or not password:
            raise InvalidRequestError("An e-mail address and a password are needed")
        document = await self._request(
            "POST",
            LOGIN_PASSWORD_PATH,
            "login",
            json_body={"email": email.strip(), "password": password},
        )
        return self._access_token(document, "login")

    async def async_register_device(self, access: AccessToken) -> RegisteredDevice:
        """Register this integration as a device of the account; return its device token."""
        name = new_device_name()
        document = await self._request(
            "POST",
            REGISTER_DEVICE_PATH,
            "register device",
            token=access.token,
            json_body={"deviceName": name, "deviceModel": DEVICE_MODEL},
        )
        if not isinstance(document, dict) or not isinstance(
            token := document.get("deviceToken"), str
        ):
            raise InvalidResponseError(f"{PROVIDER_NAME} register device returned no token")
        return RegisteredDevice(device_token=token, device_name=name)

    async def async_token(self) -> str:
        """Return a JWT valid for a while yet, minted from the device token when due."""
        async with self._lock:
            access = self._access
            if access is None or access.expires_at - TOKEN_RENEW_MARGIN <= self._now():
                access = self._access = await self._async_login_device()
            return access.token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after the API refused it (a newer one is kept)."""
        if self._access is not None and self._access.token == token:
            self._access = None

    async def _async_login_device(self) -> AccessToken:
        if not self._device_token:
            raise AuthenticationError(f"{PROVIDER_NAME} has no device token")
        document = await self._request(
            "POST",
            LOGIN_DEVICE_TOKEN_PATH,
            "device login",
            json_body={"deviceToken": self._device_token},
            params={"expiresIn": str(int(TOKEN_LIFETIME.total_seconds()))},
        )
        return self._access_token(document, "device login")

    async def async_user_info(self, access: AccessToken | None = None) -> AccountUser:
        """Read the logged-in user (``/user/info``)."""
        token = access.token if access is not None else await self.async_token()
        document = await self._request("GET", USER_INFO_PATH, "user info", token=token)
        if not isinstance(document, dict) or document.get("id") in (None, ""):
            raise InvalidResponseError(f"{PROVIDER_NAME} user info returned no user")

        def text(key: str) -> str | None:
            value = document.get(key)
            return value if isinstance(value, str) and value else None

        return AccountUser(
            id=str(document["id"]),
            email=text("email"),
            firstname=text("firstname"),
            lastname=text("lastname"),
        )

    async def async_delete_devices_named(self, device_name: str) -> int:
        """Delete this integration's registered device(s) by name; return how many.

        ``/user/devices`` lists ``{deviceExternalId, deviceName, deviceModel}`` (the list's
        item shape is not documented: these names are this client's choice, and the local
        simulator agrees).
        """
        token = await self.async_token()
        devices = await self._request("GET", DEVICES_PATH, "list devices", token=token)
        if not isinstance(devices, list):
            raise InvalidResponseError(f"{PROVIDER_NAME} list devices returned no list")
        deleted = 0
        for device in devices:
            if (
                isinstance(device, dict)
                and device.get("deviceName") == device_name
                and isinstance(external_id := device.get("deviceExternalId"), (str, int))
            ):
                await self._request(
                    "POST",
                    DELETE_DEVICE_PATH,
                    "delete device",
                    token=token,
                    json_body={"deviceExternalId": external_id},
                )
                deleted += 1
        self._access = None
        return deleted

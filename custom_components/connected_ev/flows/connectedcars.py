"""Connected Cars' config-flow steps: region and app, log in once, keep a device token.

The password is sent twice (log in, register a device for Home Assistant) and then dropped;
the entry keeps the device token. An account without a vehicle is offered the workshop's
add-vehicle page, prefilled with the VIN or plate the user types and the account's name and
e-mail address, as an external step; the flow then watches the account (a bounded number of
tries) until the vehicle appears. Reconfigure offers the same page to add another vehicle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, cast, override

import probatio as vol
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlowResult
from homeassistant.const import CONF_EMAIL, CONF_PASSWORD
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from ..api.connectedcars import (
    DEFAULT_API_ORIGIN,
    DEFAULT_NAMESPACE,
    KNOWN_NAMESPACES,
    AccountUser,
    ConnectedCarsAuth,
    ConnectedCarsProvider,
    InvalidEmailError,
    InvalidPasswordError,
    UnknownNamespaceError,
    WorkshopLinkError,
    account_key,
    async_global_organizations,
)
from ..api.errors import RateLimitedError
from ..api.models import AddVehicleLink
from ..const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    LOGGER,
    Environment,
)
from ..providers.connectedcars import (
    CONF_API_ORIGIN,
    CONF_AUTH_ORIGIN,
    CONF_DEVICE_NAME,
    CONF_DEVICE_TOKEN,
    CONF_NAMESPACE,
    CONF_REGION,
    CONNECTEDCARS,
)
from .base import PASSWORD, ConnectedEVFlowBase, checked_base_url, error_key, server_fields

CONF_QUERY_TYPE: Final = "query_type"
CONF_IDENTIFIER: Final = "identifier"
QUERY_TYPES: Final = ("vin", "license_plate")
LINK_SOURCE: Final = "home_assistant"
"""The workshop page's ``source``: where the vehicle details came from."""

WAIT_TRIES: Final = 60
WAIT_INTERVAL: Final = timedelta(seconds=10)
"""The flow looks for the new vehicle every 10 s for 10 minutes (one request each)."""

_LOGIN_ERRORS: Final[tuple[tuple[type[Exception], str, str], ...]] = (
    (InvalidEmailError, CONF_EMAIL, "connectedcars_invalid_email"),
    (InvalidPasswordError, CONF_PASSWORD, "connectedcars_invalid_password"),
    (UnknownNamespaceError, CONF_NAMESPACE, "connectedcars_unknown_namespace"),
    (RateLimitedError, "base", "connectedcars_rate_limited"),
)


def _login_error(err: Exception) -> tuple[str, str]:
    """Return the field and error key of a failed login: each part is named on its own."""
    for kind, field, key in _LOGIN_ERRORS:
        if isinstance(err, kind):
            return field, key
    return "base", error_key(err, CONNECTEDCARS)


def _retry_after(err: Exception) -> str:
    """Return the whole seconds a throttled login asks to wait ("60" when not told)."""
    seconds = err.retry_after if isinstance(err, RateLimitedError) else None
    return str(round(seconds)) if seconds is not None else "60"


@dataclass(slots=True)
class _Account:
    """What the account steps learned: the regions offered and the logged-in user."""

    organizations: dict[str, tuple[str, str]]
    user: AccountUser | None = None


def _account_schema(organizations: Mapping[str, tuple[str, str]], region: str) -> vol.Schema:
    """Build the form: region, app namespace (or typed), e-mail and password."""
    return vol.Schema(
        {
            vol.Required(CONF_REGION, default=region): SelectSelector(
                SelectSelectorConfig(options=list(organizations), mode=SelectSelectorMode.DROPDOWN)
            ),
            vol.Required(CONF_NAMESPACE, default=DEFAULT_NAMESPACE): SelectSelector(
                SelectSelectorConfig(
                    options=list(KNOWN_NAMESPACES),
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_EMAIL): TextSelector(
                TextSelectorConfig(type=TextSelectorType.EMAIL, autocomplete="username")
            ),
            vol.Required(CONF_PASSWORD): PASSWORD,
        }
    )


VEHICLE_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_QUERY_TYPE, default="vin"): SelectSelector(
            SelectSelectorConfig(
                options=list(QUERY_TYPES),
                translation_key=CONF_QUERY_TYPE,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Required(CONF_IDENTIFIER): TextSelector(TextSelectorConfig(autocomplete="off")),
    }
)


class ConnectedCarsSteps(ConnectedEVFlowBase):
    """Connected Cars' steps: server, account, the workshop page, reauth, add a vehicle."""

    _cc_account: _Account | None = None
    _cc_url = ""
    _cc_known: frozenset[str] = frozenset()
    _cc_wait: asyncio.Task[None] | None = None
    _cc_found = False
    _cc_done = False

    async def async_step_connectedcars(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose the server; its regions are read without logging in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            environment = Environment(user_input[CONF_ENVIRONMENT])
            base_url, error = checked_base_url(environment, user_input.get(CONF_BASE_URL))
            if error:
                errors[CONF_BASE_URL] = error
            else:
                try:
                    organizations = await async_global_organizations(
                        async_get_clientsession(self.hass), base_url or DEFAULT_API_ORIGIN
                    )
                except Exception as err:  # every failure is told to the user
                    errors["base"] = error_key(err, CONNECTEDCARS)
                else:
                    self._data = {
                        CONF_PROVIDER: CONNECTEDCARS.name,
                        CONF_ENVIRONMENT: environment.value,
                        CONF_BASE_URL: base_url,
                    }
                    self._cc_account = _Account(organizations)
                    return await self.async_step_connectedcars_account()
        return self.async_show_form(
            step_id="connectedcars",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(server_fields(CONNECTEDCARS)), user_input or {}
            ),
            errors=errors,
        )

    async def async_step_connectedcars_account(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Log in once, register Home Assistant as a device, keep only its token."""
        account = cast(_Account, self._cc_account)  # set by the server step before
        errors: dict[str, str] = {}
        retry_after = "60"
        if user_input is not None:
            api_origin, auth_origin = account.organizations[user_input[CONF_REGION]]
            namespace = user_input[CONF_NAMESPACE].strip()
            auth = ConnectedCarsAuth(async_get_clientsession(self.hass), auth_origin, namespace)
            try:
                access = await auth.async_login_password(
                    user_input[CONF_EMAIL], user_input[CONF_PASSWORD]
                )
                user = await auth.async_user_info(access)
            except Exception as err:  # every failure is told to the user, by field
                field, errors[field] = _login_error(err)
                retry_after = _retry_after(err)
            else:
                # Before registering: an account already added gets no second device.
                await self.async_set_unique_id(account_key(user_input[CONF_REGION], user.id))
                self._abort_if_unique_id_configured()
                try:
                    device = await auth.async_register_device(access)
                except Exception as err:  # every failure is told to the user
                    return self.async_abort(reason=error_key(err, CONNECTEDCARS))
                account.user = user
                self._data.update(
                    {
                        CONF_REGION: user_input[CONF_REGION],
                        CONF_NAMESPACE: namespace,
                        CONF_API_ORIGIN: api_origin,
                        CONF_AUTH_ORIGIN: auth_origin,
                        CONF_EMAIL: user_input[CONF_EMAIL].strip(),
                        CONF_USER_ID: user.id,
                        CONF_DEVICE_TOKEN: device.device_token,
                        CONF_DEVICE_NAME: device.device_name,
                    }
                )
                self._provider = self._create_provider(self._data)
                return await self._async_vehicle_or_finish()
        region = next(
            (key for key, (api, _) in account.organizations.items() if api == DEFAULT_API_ORIGIN),
            next(iter(account.organizations)),
        )
        suggested = {k: v for k, v in (user_input or {}).items() if k != CONF_PASSWORD}
        return self.async_show_form(
            step_id="connectedcars_account",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(account.organizations, region), suggested
            ),
            errors=errors,
            description_placeholders={"retry_after": retry_after},
        )

    async def _async_vehicle_or_finish(self) -> ConfigFlowResult:
        """Finish when the account has vehicles; else offer the workshop page."""
        provider = self._cc_provider()
        try:
            vehicles = await provider.async_list_vehicles()
        except Exception as err:  # every failure is told to the user
            return self.async_abort(reason=error_key(err, CONNECTEDCARS))
        if vehicles:
            return await self.async_step_finish()
        return await self.async_step_connectedcars_vehicle()

    async def async_step_connectedcars_add_vehicle(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure: add another vehicle through the workshop page."""
        return await self.async_step_connectedcars_vehicle()

    async def async_step_connectedcars_vehicle(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the VIN or licence plate, then open the prefilled workshop page."""
        errors: dict[str, str] = {}
        placeholders = {"fields": ""}
        if user_input is not None:
            try:
                self._cc_url = await self._async_workshop_url(
                    user_input[CONF_QUERY_TYPE], user_input[CONF_IDENTIFIER]
                )
            except WorkshopLinkError as err:
                errors[CONF_IDENTIFIER] = "connectedcars_invalid_link"
                placeholders["fields"] = ", ".join(err.fields)
            except Exception as err:  # every failure is told to the user
                return self.async_abort(reason=error_key(err, CONNECTEDCARS))
            else:
                return await self.async_step_connectedcars_workshop()
        return self.async_show_form(
            step_id="connectedcars_vehicle",
            data_schema=self.add_suggested_values_to_schema(VEHICLE_SCHEMA, user_input or {}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_workshop_url(self, query_type: str, identifier: str) -> str:
        """Build the page's link, prefilled, with a fresh token in its fragment."""
        provider = self._cc_provider()
        auth = provider.client.auth
        user = self._cc_account.user if self._cc_account is not None else None
        if user is None:
            user = await auth.async_user_info()
        owner = await self.hass.auth.async_get_owner()
        first, _, last = (owner.name or "").partition(" ") if owner is not None else ("", "", "")
        country = (self.hass.config.country or "").upper()
        link = AddVehicleLink(
            query_type=query_type,
            source=LINK_SOURCE,
            vehicle_vin=identifier if query_type == "vin" else None,
            vehicle_license_plate=identifier if query_type == "license_plate" else None,
            vehicle_country_code=country if len(country) == 2 else None,
            customer_firstname=user.firstname or first or None,
            customer_lastname=user.lastname or last or None,
            customer_email=user.email or self._data.get(CONF_EMAIL),
        )
        url = await provider.async_add_vehicle_url(link, with_token=True)
        # What the account has now: the flow waits for a vehicle that is not among these.
        self._cc_known = frozenset(v.id for v in await provider.async_list_vehicles())
        return url

    async def async_step_connectedcars_workshop(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Open the workshop page; the flow goes on once the vehicle appears (or time ends)."""
        if self._cc_wait is None:
            self._cc_found = self._cc_done = False
            self._cc_wait = self.hass.async_create_background_task(
                self._async_wait_for_vehicle(), "connected_ev workshop vehicle wait"
            )
            return self.async_external_step(step_id="connectedcars_workshop", url=self._cc_url)
        if not self._cc_done:
            # The frontend asking again (reload): the same page, still waiting.
            return self.async_external_step(step_id="connectedcars_workshop", url=self._cc_url)
        self._cc_wait = None
        return self.async_external_step_done(
            next_step_id="connectedcars_vehicle_added"
            if self._cc_found
            else "connectedcars_vehicle_missing"
        )

    async def _async_wait_for_vehicle(self) -> None:
        """Look for a new vehicle a bounded number of times, then move the flow on."""
        provider = self._cc_provider()
        for _ in range(WAIT_TRIES):
            await asyncio.sleep(WAIT_INTERVAL.total_seconds())
            try:
                vehicles = await provider.async_list_vehicles()
            except Exception as err:  # a failed look is retried at the next try
                LOGGER.debug("Could not list the vehicles: %s", type(err).__name__)
                continue
            if {vehicle.id for vehicle in vehicles} - self._cc_known:
                self._cc_found = True
                break
        self._cc_done = True
        await self.hass.config_entries.flow.async_configure(flow_id=self.flow_id)

    async def async_step_connectedcars_vehicle_added(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Go on: the vehicle is on the account; create the entry, or reload it (reconfigure)."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), reason="device_linked"
            )
        return await self.async_step_finish()

    async def async_step_connectedcars_vehicle_missing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """No vehicle appeared while the flow watched: nothing is created."""
        return self.async_abort(reason="nothing_linked")

    async def async_step_connectedcars_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password again; a new device token replaces the old one."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        retry_after = "60"
        if user_input is not None:
            auth = ConnectedCarsAuth(
                async_get_clientsession(self.hass),
                entry.data[CONF_AUTH_ORIGIN],
                entry.data[CONF_NAMESPACE],
            )
            try:
                access = await auth.async_login_password(
                    entry.data[CONF_EMAIL], user_input[CONF_PASSWORD]
                )
                user = await auth.async_user_info(access)
                if account_key(entry.data[CONF_REGION], user.id) != entry.unique_id:
                    return self.async_abort(reason="wrong_account")
                device = await auth.async_register_device(access)
            except Exception as err:  # every failure is told to the user
                field, key = _login_error(err)
                # Only the password is on this form: the rest shows above it.
                errors[field if field == CONF_PASSWORD else "base"] = key
                retry_after = _retry_after(err)
            else:
                await self._async_delete_old_device(entry.data, device.device_token)
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_DEVICE_TOKEN: device.device_token,
                        CONF_DEVICE_NAME: device.device_name,
                    },
                )
        return self.async_show_form(
            step_id="connectedcars_reauth",
            data_schema=vol.Schema({vol.Required(CONF_PASSWORD): PASSWORD}),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "email": entry.data[CONF_EMAIL],
                "retry_after": retry_after,
            },
        )

    async def _async_delete_old_device(self, data: Mapping[str, Any], device_token: str) -> None:
        """Delete the replaced device at Connected Cars (it may already be gone)."""
        if not (old_name := data.get(CONF_DEVICE_NAME)):
            return
        auth = ConnectedCarsAuth(
            async_get_clientsession(self.hass),
            data[CONF_AUTH_ORIGIN],
            data[CONF_NAMESPACE],
            device_token,
        )
        try:
            await auth.async_delete_devices_named(old_name)
        except Exception as err:  # the new token works; the old one expires unused
            LOGGER.debug("Could not delete the replaced device: %s", type(err).__name__)

    def _cc_provider(self) -> ConnectedCarsProvider:
        """Return the flow's account (built from the entry's data in reconfigure)."""
        provider = self._provider or self._create_provider(self._data)
        if not isinstance(provider, ConnectedCarsProvider):  # pragma: no cover - by design
            raise TypeError("Connected Cars steps run for Connected Cars accounts only")
        self._provider = provider
        return provider

    @override
    @callback
    def async_remove(self) -> None:
        """Stop watching for a vehicle when the flow ends."""
        if self._cc_wait is not None:
            self._cc_wait.cancel()
        super().async_remove()

"""The generic half of the config flow: linking devices, finishing, and the shared helpers.

Provider step modules (one per provider, next to this one) extend ``ConnectedEVFlowBase``:
they ask for the account, set ``_data`` and ``_provider``, then continue with
``async_step_link_vehicle`` (or finish). Everything here asks the provider registry
(``providers.get_description``) and never compares provider names.

Linking is an external step: the browser goes to the provider's link page and comes back
through our callback view or my.home-assistant.io (see ``link_callback``); the link step
advances only with the signed single-use state of its current session. Link-session
providers are then confirmed by listing the account's devices; authorization-code providers
redeem the code the redirect carried.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any, Final, NamedTuple, cast, override

import probatio as vol
from homeassistant.config_entries import SOURCE_RECONFIGURE, ConfigFlow, ConfigFlowResult
from homeassistant.core import callback
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers.config_entry_oauth2_flow import (
    LocalOAuth2Implementation,
    async_get_implementations,
)
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from yarl import URL

from ..api.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotCapableError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..api.models import Charger, DeviceKind, LinkOptions, Vehicle
from ..api.provider import (
    Provider,
    ProviderFeature,
    as_chargers,
    as_code_linking,
    as_linking,
)
from ..const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    DOMAIN,
    LOGGER,
    Environment,
)
from ..devices import device_name
from ..link_callback import (
    DATA_LINK_STATES,
    async_code_link_redirect,
    async_get_link_states,
    async_link_redirect_uri,
)
from ..providers import (
    LinkKind,
    ProviderDescription,
    create_provider,
    credential_owner,
    get_description,
)

MAX_ERROR_MESSAGE: Final = 200

_CODE_LINKS: Final = frozenset({LinkKind.AUTHORIZATION_CODE, LinkKind.CATALOGUE_AUTHORIZE})
"""Link kinds whose page sends back a code the ``link_code`` step redeems."""

PASSWORD: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)


def error_key(err: Exception, description: ProviderDescription) -> str:
    """Translate a provider error into an error/abort key (log the unexpected ones).

    A rejected account names what the user typed for ``description``'s provider.
    """
    if isinstance(err, AuthenticationError):
        return description.invalid_auth_error
    if isinstance(err, (ProviderUnavailableError, RateLimitedError)):
        return "cannot_connect"
    LOGGER.exception("Unexpected error while talking to the provider")
    return "unknown"


def _code_error_key(err: Exception, description: ProviderDescription) -> str:
    """Translate a failure to redeem a link code: 409 is a car another user has."""
    if isinstance(err, ConflictError):
        return "owned_by_another_user"
    if isinstance(err, NotCapableError):
        return "link_refused"
    return error_key(err, description)


def _normalize_base_url(value: str) -> str | None:
    """Return an http(s) URL with a host and no query, without trailing slash; else None."""
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or url.query_string or url.fragment:
        return None
    return str(url).rstrip("/")


def checked_base_url(environment: Environment, raw: str | None) -> tuple[str | None, str]:
    """Return the custom environment's base URL, normalized (else None), or an error key."""
    if environment is not Environment.CUSTOM:
        return None, ""
    if not raw:
        return None, "base_url_required"
    if (base_url := _normalize_base_url(raw)) is None:
        return None, "invalid_base_url"
    return base_url, ""


class Server(NamedTuple):
    """The server an account form chose: the environment, and the custom one's base URL."""

    environment: Environment
    base_url: str | None


def checked_server(user_input: dict[str, Any], errors: dict[str, str]) -> Server | None:
    """Return the server a form chose; None when its base URL is wrong (see ``errors``)."""
    environment = Environment(user_input[CONF_ENVIRONMENT])
    base_url, error = checked_base_url(environment, user_input.get(CONF_BASE_URL))
    if error:
        errors[CONF_BASE_URL] = error
        return None
    return Server(environment, base_url)


def server_fields(description: ProviderDescription) -> dict[vol.Marker, Any]:
    """Which of the provider's servers: an environment, and the custom one's base URL."""
    return {
        vol.Required(CONF_ENVIRONMENT, default=Environment.PRODUCTION.value): SelectSelector(
            SelectSelectorConfig(
                options=[environment.value for environment in description.environments],
                translation_key=CONF_ENVIRONMENT,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Optional(CONF_BASE_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL, autocomplete="off")
        ),
    }


class ConnectedEVFlowBase(ConfigFlow):
    """The state and steps every provider's account steps lead into."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._data: dict[str, Any] = {}
        self._provider: Provider | None = None
        self._link_url: str | None = None
        self._link_error = ""
        self._linked_vehicles = ""
        self._link_options = LinkOptions()
        self._redirect_uri = ""
        self._link_code = ""
        self._virtual_key_url = ""

    @property
    def _description(self) -> ProviderDescription:
        """The registry's description of the flow's provider."""
        return get_description(self._data)

    @property
    def _uses_codes(self) -> bool:
        """Whether the flow's provider links through authorization codes."""
        return bool(self._data) and self._description.link in _CODE_LINKS

    # --- linking devices (one implementation for every device kind) ----------------------

    async def async_step_link_vehicle(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the browser to the link page with vehicle scopes."""
        return await self._async_link(DeviceKind.VEHICLE, user_input)

    async def async_step_link_charger(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the browser to the link page with charger scopes."""
        return await self._async_link(DeviceKind.CHARGER, user_input)

    async def _async_link(
        self, kind: DeviceKind, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Start a link session, or take its outcome from a callback view."""
        step_id = f"link_{kind.value}"
        states = await async_get_link_states(self.hass)
        if user_input is not None and states.redeem(self.flow_id, user_input.get("state")):
            # The browser came back with this session's state, through either way back.
            self._link_url = None
            if error := user_input.get("error"):
                message = str(user_input.get("error_message") or error)[:MAX_ERROR_MESSAGE]
                self._link_error = html.escape(message)
                LOGGER.debug("Linking a %s ended with %s", kind.value, error)
                return self.async_external_step_done(next_step_id="link_cancelled")
            if self._uses_codes:
                # Never logged: the code is a one-time credential.
                self._link_code = str(user_input.get("code") or "")
                self._virtual_key_url = str(user_input.get("virtual_key_url") or "")
                return self.async_external_step_done(next_step_id="link_code")
            # Also after a cancel through my.home-assistant.io: the listing tells.
            return self.async_external_step_done(next_step_id=f"{kind.value}_linked")
        # The first call, the frontend asking again (reload), or a resume without this
        # session's state (forged, replayed, superseded): the same page, still waiting.
        if self._link_url is None:
            if (provider := await self._async_provider()) is None:
                return self.async_abort(reason="missing_credentials")
            language = self._description.link_language(self.hass.config.language)
            try:
                if ProviderFeature.LINK_CODE in provider.features:
                    redirect_uri, state = await async_code_link_redirect(self.hass, self.flow_id)
                    self._redirect_uri = redirect_uri
                    session = await as_linking(provider).async_create_link_session(
                        kind, redirect_uri, language, replace(self._link_options, state=state)
                    )
                else:
                    redirect_uri = await async_link_redirect_uri(self.hass, self.flow_id)
                    session = await as_linking(provider).async_create_link_session(
                        kind, redirect_uri, language
                    )
            except Exception as err:  # every failure is told to the user
                if (reason := self._description.link_error(err)) is not None:
                    return self.async_abort(reason=reason)
                if isinstance(err, ForbiddenError):
                    # A 403 here: the client's limit of linked devices is reached.
                    return self.async_abort(reason="link_limit_reached")
                return self.async_abort(reason=error_key(err, self._description))
            self._link_url = session.link_url
        return self.async_external_step(step_id=step_id, url=self._link_url)

    async def async_step_link_cancelled(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Abort: the link page came back with an error (cancelled by the user, or failed)."""
        return self.async_abort(
            reason="link_cancelled", description_placeholders={"error_message": self._link_error}
        )

    async def async_step_vehicle_linked(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Find the linked vehicle by listing (the redirect carries no ids)."""
        return await self._async_linked(DeviceKind.VEHICLE)

    async def async_step_charger_linked(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Find the linked charger by listing (the redirect carries no ids)."""
        return await self._async_linked(DeviceKind.CHARGER)

    async def _async_linked(self, kind: DeviceKind) -> ConfigFlowResult:
        """Check that the account now has a device of ``kind``, then go on."""
        # Set before the link session started, which is the only way to get here.
        provider = cast(Provider, self._provider)
        try:
            devices: list[Vehicle] | list[Charger] = (
                await provider.async_list_vehicles()
                if kind is DeviceKind.VEHICLE
                else await as_chargers(provider).async_list_chargers()
            )
            names = [device_name(device) for device in devices]
        except Exception as err:  # every failure is told to the user
            return self.async_abort(reason=error_key(err, self._description))
        if not names:
            return self.async_abort(reason="nothing_linked")
        return await self._async_device_linked(kind, names)

    async def _async_device_linked(self, kind: DeviceKind, names: list[str]) -> ConfigFlowResult:
        """Reconfigure ends here; setup offers a charger where the provider has chargers."""
        if self.source == SOURCE_RECONFIGURE:
            return self.async_update_reload_and_abort(
                self._get_reconfigure_entry(), reason="device_linked"
            )
        provider = cast(Provider, self._provider)
        if kind is DeviceKind.VEHICLE and ProviderFeature.CHARGERS in provider.features:
            self._linked_vehicles = ", ".join(names)
            return await self.async_step_link_more()
        return await self.async_step_finish()

    async def async_step_link_code(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Redeem the code the authorization page sent back; a virtual-key step may follow."""
        provider = cast(Provider, self._provider)
        if not self._link_code and self._description.link is LinkKind.AUTHORIZATION_CODE:
            return self.async_abort(reason="nothing_linked")
        try:
            result = await as_code_linking(provider).async_complete_link(
                self._link_code, self._redirect_uri
            )
        except Exception as err:  # every failure is told to the user
            reason = self._description.link_error(err) or _code_error_key(err, self._description)
            return self.async_abort(reason=reason)
        finally:
            self._link_code = ""
        LOGGER.debug("Linked a vehicle (already linked before: %s)", result.already_linked)
        if self._virtual_key_url:
            return await self.async_step_virtual_key()
        return await self._async_device_linked(DeviceKind.VEHICLE, [])

    async def async_step_virtual_key(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Send the user to the car maker's virtual-key page (Tesla), then go on."""
        if user_input is None:
            return self.async_show_form(
                step_id="virtual_key",
                description_placeholders={"url": html.escape(self._virtual_key_url)},
            )
        return await self._async_device_linked(DeviceKind.VEHICLE, [])

    async def async_step_link_more(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer to link a charger too, or to finish with the vehicle."""
        return self.async_show_menu(
            step_id="link_more",
            menu_options=["link_charger", "finish"],
            description_placeholders={"vehicles": self._linked_vehicles},
        )

    async def async_step_finish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Create the entry: the account, never the devices (they are listed at setup)."""
        title = self._description.titles[Environment(self._data[CONF_ENVIRONMENT])]
        return self.async_create_entry(title=title, data=self._data)

    # --- helpers ------------------------------------------------------------------------

    @override
    @callback
    def async_remove(self) -> None:
        """Revoke the pending link state: an ended flow must not be resumed."""
        if (states := self.hass.data.get(DATA_LINK_STATES)) is not None:
            states.revoke(self.flow_id)

    async def _async_implementations(
        self, description: ProviderDescription
    ) -> dict[str, LocalOAuth2Implementation]:
        """Return the stored credentials ``description``'s provider may use.

        Those with a client id and secret that no other provider's entry uses.
        """
        try:
            implementations = await async_get_implementations(self.hass, DOMAIN)
        except ImplementationUnavailableError:
            return {}
        return {
            key: implementation
            for key, implementation in implementations.items()
            if isinstance(implementation, LocalOAuth2Implementation)
            and credential_owner(self.hass, key) in (None, description)
        }

    def _create_provider(
        self, data: dict[str, Any], credential: LocalOAuth2Implementation | None = None
    ) -> Provider:
        """Build the account ``data`` describes (with the credential, where it needs one)."""
        return create_provider(self.hass, data, credential)

    async def _async_validated(
        self, data: dict[str, Any], errors: dict[str, str]
    ) -> Provider | None:
        """Return the account ``data`` describes once it answered; None: see ``errors``.

        What the user typed is tested before anything is stored, so every failure becomes
        the form's error, never an exception.
        """
        provider = self._create_provider(data)
        try:
            await provider.async_validate()
        except Exception as err:  # every failure is told to the user
            errors["base"] = error_key(err, get_description(data))
            return None
        return provider

    async def _async_provider(self) -> Provider | None:
        """Return the flow's provider; in reconfigure from the entry (None: credential gone)."""
        if self._provider is None and not self._description.uses_application_credentials:
            self._provider = self._create_provider(self._data)
        if self._provider is None:
            implementations = await self._async_implementations(self._description)
            if (
                implementation := implementations.get(self._data[CONF_AUTH_IMPLEMENTATION])
            ) is None:
                return None
            self._provider = self._create_provider(self._data, implementation)
        return self._provider

"""Config flow: provider → credentials and environment → link a vehicle → link a charger.

Each provider is its own branch of steps after ``user`` (Enode, Hiven). Linking is an
external step: the browser goes to the provider's link page and comes back through our
callback view or my.home-assistant.io (see ``link_callback``); the link step advances only
with the signed single-use state of its current session. Link-session providers (Enode) are
then confirmed by listing the account's devices; code providers (Hiven) redeem the code the
redirect carried. Linking another device later lives in Reconfigure.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, replace
from hashlib import sha256
from typing import Any, Final, cast, override
from uuid import NAMESPACE_URL, uuid5

import probatio as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ImplementationUnavailableError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import instance_id
from homeassistant.helpers.config_entry_oauth2_flow import (
    LocalOAuth2Implementation,
    async_get_implementations,
)
from homeassistant.helpers.selector import (
    CountrySelector,
    CountrySelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from yarl import URL

from .api.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotCapableError,
    ProviderUnavailableError,
    RateLimitedError,
)
from .api.hiven import AuthorizationMode, HivenManufacturer
from .api.hiven.const import DEFAULT_COUNTRY_CODE
from .api.models import Charger, DeviceKind, LinkOptions, Vehicle
from .api.provider import Provider, ProviderFeature
from .const import (
    CONF_API_KEY,
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_MANUFACTURER,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
    Environment,
    ProviderName,
)
from .coordinator import device_name
from .link_callback import (
    DATA_LINK_STATES,
    async_code_link_redirect,
    async_link_redirect_uri,
    async_register_link_callback,
)
from .options_flow import ConnectedEVOptionsFlow
from .providers import (
    UNIQUE_ID_MINOR_VERSION,
    create_enode_client,
    create_provider,
    enode_unique_id,
    uses_application_credentials,
)

_LOGGER = logging.getLogger(__name__)

HIVEN_TITLES: Final = {
    Environment.PRODUCTION: "Hiven",
    Environment.CUSTOM: "Hiven (custom)",
}
HIVEN_ENVIRONMENTS: Final = (Environment.PRODUCTION, Environment.CUSTOM)
"""Hiven publishes no sandbox URL; the local sandbox is a custom base URL."""

ENODE_TITLES: Final = {
    Environment.PRODUCTION: "Enode",
    Environment.SANDBOX: "Enode sandbox",
    Environment.CUSTOM: "Enode (custom)",
}

# Link UI languages Enode accepts, and the one to use for a bare language code.
ENODE_LANGUAGES: Final = (
    "da-DK", "de-DE", "en-US", "en-GB", "es-ES", "fi-FI", "fr-FR", "it-IT", "ja-JP",
    "lv-LV", "lt-LT", "nb-NO", "nl-NL", "nl-BE", "pl-PL", "pt-PT", "ro-RO", "sv-SE",
)  # fmt: skip
_EXACT_LANGUAGES: Final = {language.lower(): language for language in ENODE_LANGUAGES}
_DEFAULT_REGION: Final = {
    "da": "da-DK", "de": "de-DE", "en": "en-US", "es": "es-ES", "fi": "fi-FI",
    "fr": "fr-FR", "it": "it-IT", "ja": "ja-JP", "lv": "lv-LV", "lt": "lt-LT",
    "nb": "nb-NO", "nn": "nb-NO", "no": "nb-NO", "nl": "nl-NL", "pl": "pl-PL",
    "pt": "pt-PT", "ro": "ro-RO", "sv": "sv-SE",
}  # fmt: skip
FALLBACK_LANGUAGE: Final = "en-US"

MAX_ERROR_MESSAGE: Final = 200

# The base-URL hint names the local Enode sandbox's address: scripts/develop passes the port
# it started the sandbox on; elsewhere the sandbox's default port is the honest example.
SANDBOX_URL_ENV: Final = "CONNECTED_EV_SANDBOX_URL"
DEFAULT_SANDBOX_URL: Final = "http://127.0.0.1:8765"


def _sandbox_placeholders() -> dict[str, str]:
    """Return the placeholders of the Enode base-URL hint."""
    return {"sandbox_url": os.environ.get(SANDBOX_URL_ENV) or DEFAULT_SANDBOX_URL}


# Selector option keys are translation keys, which must be lowercase; Hiven takes the
# documented upper-case names.
HIVEN_MANUFACTURERS: Final = {
    manufacturer.value.lower(): manufacturer
    for manufacturer in HivenManufacturer
    if manufacturer is not HivenManufacturer.UNKNOWN
}


def enode_language(language: str) -> str:
    """Map Home Assistant's language (``de``, ``en-GB``, ``pt-BR``) to a Link UI language."""
    key = language.lower()
    return _EXACT_LANGUAGES.get(key) or _DEFAULT_REGION.get(key.split("-")[0], FALLBACK_LANGUAGE)


def hiven_unique_id(base_url: str | None, user_id: str) -> str:
    """One entry per Hiven user of one server; hashed like Enode's."""
    account = f"{base_url or ''}:{user_id}"
    return f"hiven:{sha256(account.encode()).hexdigest()[:32]}"


async def async_derive_enode_user_id(hass: HomeAssistant, client_id: str) -> str:
    """Derive the Enode user of this Home Assistant and client: stable, never typed."""
    return "ha-" + uuid5(NAMESPACE_URL, f"{await instance_id.async_get(hass)}:{client_id}").hex


def _normalize_base_url(value: str) -> str | None:
    """Return an http(s) URL with a host and no query, without trailing slash; else None."""
    try:
        url = URL(value.strip())
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or url.query_string or url.fragment:
        return None
    return str(url).rstrip("/")


def _code_error_key(err: Exception) -> str:
    """Translate a failure to redeem a link code: 409 is a car another user has."""
    if isinstance(err, ConflictError):
        return "owned_by_another_user"
    if isinstance(err, NotCapableError):
        return "link_refused"
    return _hiven_error_key(err)


def _error_key(err: Exception) -> str:
    """Translate a provider error into an error/abort key (log the unexpected ones)."""
    if isinstance(err, AuthenticationError):
        return "invalid_auth"
    if isinstance(err, (ProviderUnavailableError, RateLimitedError)):
        return "cannot_connect"
    _LOGGER.exception("Unexpected error while talking to the provider")
    return "unknown"


def _hiven_error_key(err: Exception) -> str:
    """Like ``_error_key``, but a rejection names Hiven's credentials: API key and user id."""
    if isinstance(err, AuthenticationError):
        return "hiven_invalid_auth"
    return _error_key(err)


@dataclass(frozen=True, slots=True)
class _EnodeSettings:
    """Validated form input: which credential, which server."""

    implementation: LocalOAuth2Implementation
    environment: Environment
    base_url: str | None


class ConnectedEVConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a provider account and link its devices; reauth; reconfigure."""

    VERSION = 1
    MINOR_VERSION = UNIQUE_ID_MINOR_VERSION

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

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow: polling intervals and push (see ``options_flow``)."""
        return ConnectedEVOptionsFlow()

    # --- provider choice ----------------------------------------------------------------

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the provider; each provider continues in its own steps."""
        provider_steps: dict[ProviderName, Callable[[], Coroutine[Any, Any, ConfigFlowResult]]]
        provider_steps = {
            ProviderName.ENODE: self.async_step_enode,
            ProviderName.HIVEN: self.async_step_hiven,
        }
        if user_input is not None:
            return await provider_steps[ProviderName(user_input[CONF_PROVIDER])]()
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PROVIDER, default=ProviderName.ENODE.value): SelectSelector(
                        SelectSelectorConfig(
                            options=[provider.value for provider in provider_steps],
                            translation_key=CONF_PROVIDER,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    # --- Enode credentials --------------------------------------------------------------

    async def async_step_enode(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the credential and environment; test them before anything is stored."""
        if not (implementations := await self._async_implementations()):
            return self.async_abort(reason="missing_credentials")
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = await self._async_check_enode_input(implementations, user_input)
            if settings is not None:
                user_id = await async_derive_enode_user_id(
                    self.hass, settings.implementation.client_id
                )
                await self.async_set_unique_id(
                    enode_unique_id(settings.implementation.client_id, user_id)
                )
                self._abort_if_unique_id_configured()
                self._data = {
                    CONF_PROVIDER: ProviderName.ENODE.value,
                    CONF_ENVIRONMENT: settings.environment.value,
                    CONF_BASE_URL: settings.base_url,
                    CONF_USER_ID: user_id,
                    CONF_AUTH_IMPLEMENTATION: settings.implementation.domain,
                }
                self._provider = self._create_provider(settings.implementation)
                return await self.async_step_link_vehicle()
        return self.async_show_form(
            step_id="enode",
            data_schema=self.add_suggested_values_to_schema(
                _enode_schema(implementations), user_input or {}
            ),
            errors=errors,
            description_placeholders=_sandbox_placeholders(),
        )

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
        if user_input is not None and async_register_link_callback(self.hass).redeem(
            self.flow_id, user_input.get("state")
        ):
            # The browser came back with this session's state, through either way back.
            self._link_url = None
            if error := user_input.get("error"):
                message = str(user_input.get("error_message") or error)[:MAX_ERROR_MESSAGE]
                self._link_error = html.escape(message)
                _LOGGER.debug("Linking a %s ended with %s", kind.value, error)
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
            language = enode_language(self.hass.config.language)
            try:
                if ProviderFeature.LINK_CODE in provider.features:
                    redirect_uri, state = async_code_link_redirect(self.hass, self.flow_id)
                    self._redirect_uri = redirect_uri
                    session = await provider.async_create_link_session(
                        kind, redirect_uri, language, replace(self._link_options, state=state)
                    )
                else:
                    redirect_uri = async_link_redirect_uri(self.hass, self.flow_id)
                    session = await provider.async_create_link_session(kind, redirect_uri, language)
            except ForbiddenError:
                # Enode's 403 here: the client's limit of linked devices is reached.
                return self.async_abort(reason="link_limit_reached")
            except Exception as err:  # every failure is told to the user
                key = _hiven_error_key(err) if self._uses_codes else _error_key(err)
                return self.async_abort(reason=key)
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
                else await provider.async_list_chargers()
            )
            names = [device_name(device) for device in devices]
        except Exception as err:  # every failure is told to the user
            return self.async_abort(reason=_error_key(err))
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
        """Redeem the code the authorization page sent back; a Tesla key step may follow."""
        provider = cast(Provider, self._provider)
        if not self._link_code:
            return self.async_abort(reason="nothing_linked")
        try:
            result = await provider.async_complete_link(self._link_code, self._redirect_uri)
        except Exception as err:  # every failure is told to the user
            return self.async_abort(reason=_code_error_key(err))
        finally:
            self._link_code = ""
        _LOGGER.debug("Linked a vehicle (already linked before: %s)", result.already_linked)
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
        environment = Environment(self._data[CONF_ENVIRONMENT])
        if self._uses_codes:
            return self.async_create_entry(title=HIVEN_TITLES[environment], data=self._data)
        return self.async_create_entry(title=ENODE_TITLES[environment], data=self._data)

    # --- reauth -------------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauth: the provider rejected the stored credential."""
        if not uses_application_credentials(entry_data):
            return await self.async_step_hiven_reauth()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Test the chosen credential against the entry's server; keep the user id."""
        entry = self._get_reauth_entry()
        if not (implementations := await self._async_implementations()):
            return self.async_abort(reason="missing_credentials")
        errors: dict[str, str] = {}
        if user_input is not None:
            implementation = _chosen(implementations, user_input)
            environment = Environment(entry.data[CONF_ENVIRONMENT])
            error = await self._async_test_credentials(
                implementation, environment, entry.data.get(CONF_BASE_URL)
            )
            if error is None:
                # The user id stays: a new client id must not orphan the linked devices.
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_AUTH_IMPLEMENTATION: implementation.domain}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(_credential_fields(implementations)),
                user_input or {CONF_AUTH_IMPLEMENTATION: entry.data[CONF_AUTH_IMPLEMENTATION]},
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    # --- reconfigure --------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change credentials/environment, or link another device to the entry."""
        entry = self._get_reconfigure_entry()
        self._data = dict(entry.data)
        # Named, so the user knows which account this is and what it already has.
        placeholders = {"name": entry.title, "devices": _linked_devices(self.hass, entry)}
        if self._uses_codes:
            return self.async_show_menu(
                step_id="reconfigure",
                menu_options=["reconfigure_hiven", "hiven_vehicle"],
                description_placeholders=placeholders,
            )
        return self.async_show_menu(
            step_id="reconfigure",
            menu_options=["reconfigure_credentials", "link_vehicle", "link_charger"],
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change credential, environment or base URL; the user id (and devices) stay."""
        entry = self._get_reconfigure_entry()
        if not (implementations := await self._async_implementations()):
            return self.async_abort(reason="missing_credentials")
        errors: dict[str, str] = {}
        if user_input is not None:
            settings, errors = await self._async_check_enode_input(implementations, user_input)
            if settings is not None:
                unique_id = enode_unique_id(
                    settings.implementation.client_id, entry.data[CONF_USER_ID]
                )
                if unique_id != entry.unique_id:
                    await self.async_set_unique_id(unique_id)
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=unique_id,
                    data_updates={
                        CONF_ENVIRONMENT: settings.environment.value,
                        CONF_BASE_URL: settings.base_url,
                        CONF_AUTH_IMPLEMENTATION: settings.implementation.domain,
                    },
                )
        suggested = user_input or {
            key: entry.data.get(key)
            for key in (CONF_AUTH_IMPLEMENTATION, CONF_ENVIRONMENT, CONF_BASE_URL)
        }
        return self.async_show_form(
            step_id="reconfigure_credentials",
            data_schema=self.add_suggested_values_to_schema(
                _enode_schema(implementations), suggested
            ),
            errors=errors,
            description_placeholders=_sandbox_placeholders(),
        )

    # --- Hiven: the user's API key and user id, then manufacturer, country and mode ------

    async def async_step_hiven(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter the API key, user id and server; they are tested by listing the devices."""
        errors: dict[str, str] = {}
        if user_input is not None:
            environment = Environment(user_input[CONF_ENVIRONMENT])
            base_url, error = _checked_base_url(environment, user_input.get(CONF_BASE_URL))
            if error:
                errors[CONF_BASE_URL] = error
            else:
                data = {
                    CONF_PROVIDER: ProviderName.HIVEN.value,
                    CONF_ENVIRONMENT: environment.value,
                    CONF_BASE_URL: base_url,
                    CONF_API_KEY: user_input[CONF_API_KEY].strip(),
                    CONF_USER_ID: user_input[CONF_USER_ID].strip(),
                }
                provider = create_provider(self.hass, data)
                try:
                    await provider.async_validate()
                except Exception as err:  # every failure is told to the user
                    errors["base"] = _hiven_error_key(err)
                else:
                    await self.async_set_unique_id(hiven_unique_id(base_url, data[CONF_USER_ID]))
                    self._abort_if_unique_id_configured()
                    self._data, self._provider = data, provider
                    return await self.async_step_hiven_vehicle()
        suggested = {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY}
        return self.async_show_form(
            step_id="hiven",
            data_schema=self.add_suggested_values_to_schema(_hiven_schema(), suggested),
            errors=errors,
        )

    async def async_step_hiven_vehicle(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick the car's manufacturer, the country (HA's by default) and the mode."""
        if user_input is not None:
            self._link_options = LinkOptions(
                manufacturer=HIVEN_MANUFACTURERS[user_input[CONF_MANUFACTURER]].value,
                country_code=user_input[CONF_COUNTRY],
                mode=user_input[CONF_MODE],
            )
            self._data[CONF_COUNTRY] = user_input[CONF_COUNTRY]
            return await self.async_step_link_vehicle()
        country = self._data.get(CONF_COUNTRY) or self.hass.config.country or DEFAULT_COUNTRY_CODE
        return self.async_show_form(
            step_id="hiven_vehicle", data_schema=_hiven_vehicle_schema(country)
        )

    async def async_step_hiven_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter a new API key for the entry's user; tested before it is stored."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_KEY: user_input[CONF_API_KEY].strip()}
            try:
                await create_provider(self.hass, data).async_validate()
            except Exception as err:  # every failure is told to the user
                errors["base"] = _hiven_error_key(err)
            else:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: data[CONF_API_KEY]}
                )
        return self.async_show_form(
            step_id="hiven_reauth",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): _PASSWORD}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_hiven(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key or the server; the user id (and its vehicles) stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            environment = Environment(user_input[CONF_ENVIRONMENT])
            base_url, error = _checked_base_url(environment, user_input.get(CONF_BASE_URL))
            if error:
                errors[CONF_BASE_URL] = error
            else:
                updates = {
                    CONF_ENVIRONMENT: environment.value,
                    CONF_BASE_URL: base_url,
                    CONF_API_KEY: user_input[CONF_API_KEY].strip(),
                }
                try:
                    await create_provider(self.hass, {**entry.data, **updates}).async_validate()
                except Exception as err:  # every failure is told to the user
                    errors["base"] = _hiven_error_key(err)
                else:
                    unique_id = hiven_unique_id(base_url, entry.data[CONF_USER_ID])
                    if unique_id != entry.unique_id:
                        await self.async_set_unique_id(unique_id)
                        self._abort_if_unique_id_configured()
                    return self.async_update_reload_and_abort(
                        entry, unique_id=unique_id, data_updates=updates
                    )
        suggested = {
            key: (user_input or entry.data).get(key) for key in (CONF_ENVIRONMENT, CONF_BASE_URL)
        }
        return self.async_show_form(
            step_id="reconfigure_hiven",
            data_schema=self.add_suggested_values_to_schema(
                _hiven_schema(with_user_id=False), suggested
            ),
            errors=errors,
        )

    # --- helpers ------------------------------------------------------------------------

    @property
    def _uses_codes(self) -> bool:
        """Whether the flow's provider links through codes (no application credential)."""
        return bool(self._data) and not uses_application_credentials(self._data)

    @override
    @callback
    def async_remove(self) -> None:
        """Revoke the pending link state: an ended flow must not be resumed."""
        if (states := self.hass.data.get(DATA_LINK_STATES)) is not None:
            states.revoke(self.flow_id)

    async def _async_implementations(self) -> dict[str, LocalOAuth2Implementation]:
        """Return the stored application credentials that carry a client id and secret."""
        try:
            implementations = await async_get_implementations(self.hass, DOMAIN)
        except ImplementationUnavailableError:
            return {}
        return {
            key: implementation
            for key, implementation in implementations.items()
            if isinstance(implementation, LocalOAuth2Implementation)
        }

    async def _async_check_enode_input(
        self, implementations: Mapping[str, LocalOAuth2Implementation], user_input: dict[str, Any]
    ) -> tuple[_EnodeSettings | None, dict[str, str]]:
        """Validate the form and test the credentials; settings or the form's errors."""
        environment = Environment(user_input[CONF_ENVIRONMENT])
        base_url, url_error = _checked_base_url(environment, user_input.get(CONF_BASE_URL))
        if url_error:
            return None, {CONF_BASE_URL: url_error}
        implementation = _chosen(implementations, user_input)
        if error := await self._async_test_credentials(implementation, environment, base_url):
            return None, {"base": error}
        return _EnodeSettings(implementation, environment, base_url), {}

    async def _async_test_credentials(
        self,
        implementation: LocalOAuth2Implementation,
        environment: Environment,
        base_url: str | None,
    ) -> str | None:
        """Ask for a fresh token; None when the provider accepts the credential."""
        client = create_enode_client(
            self.hass, implementation.client_id, implementation.client_secret, environment, base_url
        )
        try:
            await client.async_validate_credentials()
        except Exception as err:  # every failure is told to the user
            return _error_key(err)
        return None

    def _create_provider(self, implementation: LocalOAuth2Implementation) -> Provider:
        """Build the account the flow's data describes, with the credential's id and secret."""
        return create_provider(
            self.hass, self._data, implementation.client_id, implementation.client_secret
        )

    async def _async_provider(self) -> Provider | None:
        """Return the flow's provider; in reconfigure from the entry (None: credential gone)."""
        if self._provider is None and self._uses_codes:
            self._provider = create_provider(self.hass, self._data)
        if self._provider is None:
            implementations = await self._async_implementations()
            if (
                implementation := implementations.get(self._data[CONF_AUTH_IMPLEMENTATION])
            ) is None:
                return None
            self._provider = self._create_provider(implementation)
        return self._provider


def _linked_devices(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Name the entry's vehicles and chargers (not its account device); "—" for none."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    names = sorted(
        name
        for device in devices
        if device.entry_type is None and (name := device.name_by_user or device.name)
    )
    return ", ".join(names) or "—"


def _chosen(
    implementations: Mapping[str, LocalOAuth2Implementation], user_input: Mapping[str, Any]
) -> LocalOAuth2Implementation:
    """Return the credential the form picked; the only one when the form had no choice."""
    key = user_input.get(CONF_AUTH_IMPLEMENTATION, next(iter(implementations)))
    return implementations[key]


def _credential_fields(
    implementations: Mapping[str, LocalOAuth2Implementation],
) -> dict[vol.Marker, Any]:
    """Return a credential select, only when there is something to choose."""
    if len(implementations) < 2:
        return {}
    options = [
        SelectOptionDict(value=key, label=implementation.name)
        for key, implementation in implementations.items()
    ]
    return {
        vol.Required(CONF_AUTH_IMPLEMENTATION, default=next(iter(implementations))): SelectSelector(
            SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
        )
    }


def _server_fields(environments: tuple[Environment, ...]) -> dict[vol.Marker, Any]:
    """Which of the provider's servers: an environment, and the custom one's base URL."""
    return {
        vol.Required(CONF_ENVIRONMENT, default=Environment.PRODUCTION.value): SelectSelector(
            SelectSelectorConfig(
                options=[environment.value for environment in environments],
                translation_key=CONF_ENVIRONMENT,
                mode=SelectSelectorMode.LIST,
            )
        ),
        vol.Optional(CONF_BASE_URL): TextSelector(
            TextSelectorConfig(type=TextSelectorType.URL, autocomplete="off")
        ),
    }


def _enode_schema(implementations: Mapping[str, LocalOAuth2Implementation]) -> vol.Schema:
    """Credential (when several), environment and the custom environment's base URL."""
    return vol.Schema(
        {
            **_credential_fields(implementations),
            **_server_fields(tuple(Environment)),
        }
    )


def _checked_base_url(environment: Environment, raw: str | None) -> tuple[str | None, str]:
    """Return the custom environment's base URL, normalized (else None), or an error key."""
    if environment is not Environment.CUSTOM:
        return None, ""
    if not raw:
        return None, "base_url_required"
    if (base_url := _normalize_base_url(raw)) is None:
        return None, "invalid_base_url"
    return base_url, ""


_PASSWORD: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)


def _hiven_schema(*, with_user_id: bool = True) -> vol.Schema:
    """Build the form: API key, user id (not when it is fixed), environment, base URL."""
    user_id: dict[vol.Marker, Any] = {}
    if with_user_id:
        user_id[vol.Required(CONF_USER_ID)] = TextSelector(TextSelectorConfig(autocomplete="off"))
    return vol.Schema(
        {
            vol.Required(CONF_API_KEY): _PASSWORD,
            **user_id,
            **_server_fields(HIVEN_ENVIRONMENTS),
        }
    )


def _hiven_vehicle_schema(country: str) -> vol.Schema:
    """Build the form: manufacturer, country and mode of the authorization page."""
    return vol.Schema(
        {
            vol.Required(CONF_MANUFACTURER): SelectSelector(
                SelectSelectorConfig(
                    options=list(HIVEN_MANUFACTURERS),
                    translation_key=CONF_MANUFACTURER,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_COUNTRY, default=country): CountrySelector(CountrySelectorConfig()),
            vol.Required(CONF_MODE, default=AuthorizationMode.LIVE.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in AuthorizationMode],
                    translation_key=CONF_MODE,
                    mode=SelectSelectorMode.LIST,
                )
            ),
        }
    )

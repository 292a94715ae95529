"""Enode's config-flow steps: an application credential, an environment, then Link UI.

Enode authenticates the integration with an OAuth client kept in application credentials
(client-credentials grant); the flow tests it by fetching a token before anything is
stored. Each Home Assistant gets its own Enode user, derived from the instance and the
client, never typed. Devices are linked through Enode's Link UI (``ConnectedEVFlowBase``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from uuid import NAMESPACE_URL, uuid5

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import instance_id
from homeassistant.helpers.config_entry_oauth2_flow import LocalOAuth2Implementation
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from ..const import (
    CONF_AUTH_IMPLEMENTATION,
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    Environment,
)
from ..providers.enode import ENODE, create_enode_client, enode_unique_id
from .base import ConnectedEVFlowBase, checked_base_url, error_key, server_fields

# The base-URL hint names the local Enode sandbox's address: scripts/develop passes the port
# it started the sandbox on; elsewhere the sandbox's default port is the honest example.
SANDBOX_URL_ENV: Final = "CONNECTED_EV_SANDBOX_URL"
DEFAULT_SANDBOX_URL: Final = "http://127.0.0.1:8765"


def _sandbox_placeholders() -> dict[str, str]:
    """Return the placeholders of the Enode base-URL hint."""
    return {"sandbox_url": os.environ.get(SANDBOX_URL_ENV) or DEFAULT_SANDBOX_URL}


async def async_derive_enode_user_id(hass: HomeAssistant, client_id: str) -> str:
    """Derive the Enode user of this Home Assistant and client: stable, never typed."""
    return "ha-" + uuid5(NAMESPACE_URL, f"{await instance_id.async_get(hass)}:{client_id}").hex


@dataclass(frozen=True, slots=True)
class _EnodeSettings:
    """Validated form input: which credential, which server."""

    implementation: LocalOAuth2Implementation
    environment: Environment
    base_url: str | None


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


def _enode_schema(implementations: Mapping[str, LocalOAuth2Implementation]) -> vol.Schema:
    """Credential (when several), environment and the custom environment's base URL."""
    return vol.Schema({**_credential_fields(implementations), **server_fields(ENODE)})


class EnodeSteps(ConnectedEVFlowBase):
    """Enode's account steps: setup, reauth and reconfigure of the credential and server."""

    async def async_step_enode(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the credential and environment; test them before anything is stored."""
        if not (implementations := await self._async_implementations(ENODE)):
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
                    CONF_PROVIDER: ENODE.name,
                    CONF_ENVIRONMENT: settings.environment.value,
                    CONF_BASE_URL: settings.base_url,
                    CONF_USER_ID: user_id,
                    CONF_AUTH_IMPLEMENTATION: settings.implementation.domain,
                }
                self._provider = self._create_provider(self._data, settings.implementation)
                return await self.async_step_link_vehicle()
        return self.async_show_form(
            step_id="enode",
            data_schema=self.add_suggested_values_to_schema(
                _enode_schema(implementations), user_input or {}
            ),
            errors=errors,
            description_placeholders=_sandbox_placeholders(),
        )

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Test the chosen credential against the entry's server; keep the user id."""
        entry = self._get_reauth_entry()
        if not (implementations := await self._async_implementations(ENODE)):
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

    async def async_step_reconfigure_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change credential, environment or base URL; the user id (and devices) stay."""
        entry = self._get_reconfigure_entry()
        if not (implementations := await self._async_implementations(ENODE)):
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

    async def _async_check_enode_input(
        self, implementations: Mapping[str, LocalOAuth2Implementation], user_input: dict[str, Any]
    ) -> tuple[_EnodeSettings | None, dict[str, str]]:
        """Validate the form and test the credentials; settings or the form's errors."""
        environment = Environment(user_input[CONF_ENVIRONMENT])
        base_url, url_error = checked_base_url(environment, user_input.get(CONF_BASE_URL))
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
            return error_key(err, ENODE)
        return None

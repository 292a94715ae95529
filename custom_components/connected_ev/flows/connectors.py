"""The Connectors API's config-flow steps: server, credentials and the customer.

The user gives the base URL, either OAuth2 client credentials (with an optional token URL)
or an API key, and the customer this Home Assistant manages. Everything is tested by
listing that customer's connectors (``limit=1``) before anything is stored; the connectors
come with the account, so there is no link step.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from ..api.connectors.validation import is_uuid
from ..api.errors import InvalidResponseError, NotCapableError, NotFoundError
from ..api.provider import Provider
from ..const import CONF_API_KEY, CONF_BASE_URL, CONF_ENVIRONMENT, CONF_PROVIDER, Environment
from ..providers.connectors import (
    CONF_CUSTOMER_ID,
    CONF_TOKEN_URL,
    CONNECTORS,
    connectors_unique_id,
)
from .base import PASSWORD, ConnectedEVFlowBase, checked_base_url, error_key

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL, autocomplete="off"))
_TEXT = TextSelector(TextSelectorConfig(autocomplete="off"))
_CREDENTIAL_KEYS = (CONF_API_KEY, CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_TOKEN_URL)


def _credential_fields() -> dict[vol.Marker, Any]:
    return {
        vol.Optional(CONF_CLIENT_ID): _TEXT,
        vol.Optional(CONF_CLIENT_SECRET): PASSWORD,
        vol.Optional(CONF_TOKEN_URL): _URL,
        vol.Optional(CONF_API_KEY): PASSWORD,
    }


def _schema(*, with_customer: bool = True) -> vol.Schema:
    customer: dict[vol.Marker, Any] = {}
    if with_customer:
        customer[vol.Required(CONF_CUSTOMER_ID)] = _TEXT
    return vol.Schema({vol.Required(CONF_BASE_URL): _URL, **customer, **_credential_fields()})


def credentials(user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Return the one kind of credential typed (key, or id and secret); else set an error."""
    typed = {key: str(user_input.get(key) or "").strip() for key in _CREDENTIAL_KEYS}
    oauth = bool(typed[CONF_CLIENT_ID] or typed[CONF_CLIENT_SECRET])
    if bool(typed[CONF_API_KEY]) == oauth or (
        oauth and not (typed[CONF_CLIENT_ID] and typed[CONF_CLIENT_SECRET])
    ):
        errors["base"] = "connectors_one_credential"
        return {}
    if typed[CONF_API_KEY]:
        return {CONF_API_KEY: typed[CONF_API_KEY]}
    token_url: str | None = None
    if typed[CONF_TOKEN_URL]:
        token_url, error = checked_base_url(Environment.CUSTOM, typed[CONF_TOKEN_URL])
        if error:
            errors[CONF_TOKEN_URL] = error
            return {}
    return {
        CONF_CLIENT_ID: typed[CONF_CLIENT_ID],
        CONF_CLIENT_SECRET: typed[CONF_CLIENT_SECRET],
        CONF_TOKEN_URL: token_url,
    }


def validation_error(err: Exception) -> tuple[str, str]:
    """Return the field and error key of a failed test listing."""
    if isinstance(err, NotFoundError) and err.status is None:
        return CONF_CUSTOMER_ID, "connectors_no_connectors"  # an empty answer
    if isinstance(err, (InvalidResponseError, NotFoundError, NotCapableError)):
        return CONF_BASE_URL, "connectors_not_the_api"
    return "base", error_key(err, CONNECTORS)


class ConnectorsSteps(ConnectedEVFlowBase):
    """The Connectors API's account steps: setup, reauth and reconfigure."""

    async def _async_test(self, data: dict[str, Any], errors: dict[str, str]) -> Provider | None:
        """List the customer's connectors with ``data``; on failure set the form's error."""
        try:
            provider = self._create_provider(data)  # a malformed key is refused here
            await provider.async_validate()
        except Exception as err:  # every failure is told to the user
            field, key = validation_error(err)
            errors[field] = key
            return None
        return provider

    async def async_step_connectors(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter the server, the credentials and the customer id; tested before storing."""
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url, error = checked_base_url(Environment.CUSTOM, user_input[CONF_BASE_URL])
            customer_id = user_input[CONF_CUSTOMER_ID].strip().lower()
            if error:
                errors[CONF_BASE_URL] = error
            if not is_uuid(customer_id):
                errors[CONF_CUSTOMER_ID] = "connectors_invalid_customer_id"
            secret = credentials(user_input, errors)
            data = {
                CONF_PROVIDER: CONNECTORS.name,
                CONF_ENVIRONMENT: Environment.CUSTOM.value,
                CONF_BASE_URL: base_url,
                CONF_CUSTOMER_ID: customer_id,
                **secret,
            }
            if not errors and (provider := await self._async_test(data, errors)):
                await self.async_set_unique_id(connectors_unique_id(str(base_url), customer_id))
                self._abort_if_unique_id_configured()
                self._data, self._provider = data, provider
                return await self.async_step_finish()
        suggested = {
            k: v
            for k, v in (user_input or {}).items()
            if k not in (CONF_API_KEY, CONF_CLIENT_SECRET)
        }
        return self.async_show_form(
            step_id="connectors",
            data_schema=self.add_suggested_values_to_schema(_schema(), suggested),
            errors=errors,
        )

    async def async_step_connectors_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter new credentials for the entry's server and customer; tested first."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            secret = credentials(user_input, errors)
            kept = {k: v for k, v in entry.data.items() if k not in _CREDENTIAL_KEYS}
            data = {**kept, **secret}
            if not errors and await self._async_test(data, errors):
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="connectors_reauth",
            data_schema=vol.Schema(_credential_fields()),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_connectors(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server or the credentials; the customer (and its devices) stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            base_url, error = checked_base_url(Environment.CUSTOM, user_input[CONF_BASE_URL])
            if error:
                errors[CONF_BASE_URL] = error
            secret = credentials(user_input, errors)
            kept = {k: v for k, v in entry.data.items() if k not in _CREDENTIAL_KEYS}
            data = {**kept, CONF_BASE_URL: base_url, **secret}
            if not errors and await self._async_test(data, errors):
                unique_id = connectors_unique_id(str(base_url), entry.data[CONF_CUSTOMER_ID])
                if unique_id != entry.unique_id:
                    await self.async_set_unique_id(unique_id)
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(entry, unique_id=unique_id, data=data)
        suggested = {
            key: (user_input or entry.data).get(key)
            for key in (CONF_BASE_URL, CONF_TOKEN_URL, CONF_CLIENT_ID)
        }
        return self.async_show_form(
            step_id="reconfigure_connectors",
            data_schema=self.add_suggested_values_to_schema(
                _schema(with_customer=False), suggested
            ),
            errors=errors,
        )

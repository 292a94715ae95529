"""Hiven's config-flow steps: the user's API key and user id, then the car's manufacturer.

Hiven has no OAuth client: the user types their own API key and user id, tested by listing
the devices. A vehicle is linked through Smartcar's authorization page for the chosen
manufacturer, country and mode; the code it sends back is redeemed by the generic
``link_code`` step.
"""

from __future__ import annotations

from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.helpers.selector import (
    CountrySelector,
    CountrySelectorConfig,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from ..api.hiven import AuthorizationMode, HivenManufacturer
from ..api.hiven.const import DEFAULT_COUNTRY_CODE
from ..api.models import LinkOptions
from ..const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_MANUFACTURER,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_USER_ID,
)
from ..providers.hiven import HIVEN, hiven_unique_id
from .base import PASSWORD, ConnectedEVFlowBase, checked_server, server_fields

# Selector option keys are translation keys, which must be lowercase; Hiven takes the
# documented upper-case names.
HIVEN_MANUFACTURERS: Final = {
    manufacturer.value.lower(): manufacturer
    for manufacturer in HivenManufacturer
    if manufacturer is not HivenManufacturer.UNKNOWN
}


def _hiven_schema(*, with_user_id: bool = True) -> vol.Schema:
    """Build the form: API key, user id (not when it is fixed), environment, base URL."""
    user_id: dict[vol.Marker, Any] = {}
    if with_user_id:
        user_id[vol.Required(CONF_USER_ID)] = TextSelector(TextSelectorConfig(autocomplete="off"))
    return vol.Schema({vol.Required(CONF_API_KEY): PASSWORD, **user_id, **server_fields(HIVEN)})


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


class HivenSteps(ConnectedEVFlowBase):
    """Hiven's account steps: setup, the vehicle's manufacturer, reauth and reconfigure."""

    async def async_step_hiven(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter the API key, user id and server; they are tested by listing the devices."""
        errors: dict[str, str] = {}
        if user_input is not None and (server := checked_server(user_input, errors)):
            environment, base_url = server
            data = {
                CONF_PROVIDER: HIVEN.name,
                CONF_ENVIRONMENT: environment.value,
                CONF_BASE_URL: base_url,
                CONF_API_KEY: user_input[CONF_API_KEY].strip(),
                CONF_USER_ID: user_input[CONF_USER_ID].strip(),
            }
            if (provider := await self._async_validated(data, errors)) is not None:
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
            if await self._async_validated(data, errors) is not None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: data[CONF_API_KEY]}
                )
        return self.async_show_form(
            step_id="hiven_reauth",
            data_schema=vol.Schema({vol.Required(CONF_API_KEY): PASSWORD}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_hiven(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API key or the server; the user id (and its vehicles) stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (server := checked_server(user_input, errors)):
            environment, base_url = server
            updates = {
                CONF_ENVIRONMENT: environment.value,
                CONF_BASE_URL: base_url,
                CONF_API_KEY: user_input[CONF_API_KEY].strip(),
            }
            if await self._async_validated({**entry.data, **updates}, errors) is not None:
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

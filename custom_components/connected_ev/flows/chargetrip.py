"""Chargetrip's config-flow steps: three credentials, then a model from the catalogue.

The project's client id and app id come from Chargetrip's dashboard; the user's token from
Chargetrip's customer integration (the form says so). They are tested with one cheap
query. A vehicle is linked by searching Chargetrip's catalogue for models it can connect,
picking one (optionally with a label) and authorizing it on the page Chargetrip returns;
the generic ``link_vehicle`` and ``link_code`` steps do the rest.
"""

from __future__ import annotations

from typing import Any, Final, cast

import probatio as vol
from homeassistant.config_entries import ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_TOKEN
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from ..api.chargetrip import CatalogueModel, ChargetripProvider
from ..api.models import LinkOptions
from ..const import CONF_BASE_URL, CONF_ENVIRONMENT, CONF_PROVIDER
from ..providers.chargetrip import (
    CHARGETRIP,
    CONF_ACCOUNT,
    CONF_APP_ID,
    chargetrip_account,
    chargetrip_unique_id,
)
from .base import PASSWORD, ConnectedEVFlowBase, checked_server, error_key, server_fields

CONF_SEARCH: Final = "search"
CONF_MODEL: Final = "model"
CONF_LABEL: Final = "label"
CONF_MORE: Final = "more"

_TEXT: Final = TextSelector(TextSelectorConfig(autocomplete="off"))


def _account_schema(*, with_ids: bool = True) -> vol.Schema:
    """Build the form: client id, app id, token, environment and base URL."""
    ids: dict[vol.Marker, Any] = {}
    if with_ids:
        ids = {vol.Required(CONF_CLIENT_ID): _TEXT, vol.Required(CONF_APP_ID): _TEXT}
    return vol.Schema({**ids, vol.Required(CONF_TOKEN): PASSWORD, **server_fields(CHARGETRIP)})


def _model_option(model: CatalogueModel) -> SelectOptionDict:
    """One model as the list shows it: make, model, version, edition and usable kWh."""
    label = model.title
    if model.usable_kwh is not None:
        label = f"{label} · {model.usable_kwh:g} kWh"
    return SelectOptionDict(value=model.id, label=label)


class ChargetripSteps(ConnectedEVFlowBase):
    """Chargetrip's steps: setup, catalogue search and pick, reauth and reconfigure."""

    _ct_search: str | None = None
    _ct_page: int = 0

    def _ct_data(self, user_input: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
        """Entry data from the form on top of ``base`` (the entry's, when there is one)."""
        data = {
            **base,
            CONF_PROVIDER: CHARGETRIP.name,
            CONF_ENVIRONMENT: user_input[CONF_ENVIRONMENT],
            CONF_TOKEN: user_input[CONF_TOKEN].strip(),
        }
        for key in (CONF_CLIENT_ID, CONF_APP_ID):
            if key in user_input:
                data[key] = user_input[key].strip()
        return data

    async def async_step_chargetrip(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter the client id, app id, token and server; tested with one query."""
        errors: dict[str, str] = {}
        if user_input is not None and (server := checked_server(user_input, errors)):
            data = self._ct_data(user_input, {CONF_BASE_URL: server.base_url})
            data[CONF_ACCOUNT] = chargetrip_account(data)
            if (provider := await self._async_validated(data, errors)) is not None:
                await self.async_set_unique_id(chargetrip_unique_id(data))
                self._abort_if_unique_id_configured()
                self._data, self._provider = data, provider
                return await self.async_step_chargetrip_search()
        suggested = {k: v for k, v in (user_input or {}).items() if k != CONF_TOKEN}
        return self.async_show_form(
            step_id="chargetrip",
            data_schema=self.add_suggested_values_to_schema(_account_schema(), suggested),
            errors=errors,
        )

    async def async_step_chargetrip_search(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Search the catalogue (make, model; empty lists every connectable model)."""
        if user_input is not None:
            self._ct_search = (user_input.get(CONF_SEARCH) or "").strip() or None
            self._ct_page = 0
            return await self.async_step_chargetrip_model()
        return self.async_show_form(
            step_id="chargetrip_search",
            data_schema=vol.Schema({vol.Optional(CONF_SEARCH): _TEXT}),
        )

    async def async_step_chargetrip_model(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a model from a page of results (or ask for the next page) and a label."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input.get(CONF_MORE):
                self._ct_page += 1
            elif model_id := user_input.get(CONF_MODEL):
                label = (user_input.get(CONF_LABEL) or "").strip() or None
                self._link_options = LinkOptions(model_id=model_id, label=label)
                return await self.async_step_link_vehicle()
            else:
                errors["base"] = "chargetrip_pick_model"
        provider = cast(ChargetripProvider, await self._async_provider())
        try:
            models = await provider.async_search(self._ct_search, self._ct_page)
        except Exception as err:  # every failure is told to the user
            return self.async_abort(reason=error_key(err, CHARGETRIP))
        if not models:
            return self.async_show_form(
                step_id="chargetrip_search",
                data_schema=self.add_suggested_values_to_schema(
                    vol.Schema({vol.Optional(CONF_SEARCH): _TEXT}),
                    {CONF_SEARCH: self._ct_search or ""},
                ),
                errors={"base": "chargetrip_no_models"},
            )
        return self.async_show_form(
            step_id="chargetrip_model",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_MODEL): SelectSelector(
                        SelectSelectorConfig(
                            options=[_model_option(model) for model in models],
                            mode=SelectSelectorMode.LIST,
                        )
                    ),
                    vol.Optional(CONF_LABEL): _TEXT,
                    vol.Optional(CONF_MORE, default=False): BooleanSelector(),
                }
            ),
            errors=errors,
            description_placeholders={"page": str(self._ct_page + 1)},
        )

    async def async_step_chargetrip_reauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Enter a new token for the entry's project; tested before it is stored."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_TOKEN].strip()
            if await self._async_validated({**entry.data, CONF_TOKEN: token}, errors) is not None:
                return self.async_update_reload_and_abort(entry, data_updates={CONF_TOKEN: token})
        return self.async_show_form(
            step_id="chargetrip_reauth",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): PASSWORD}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure_chargetrip(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the token or the server; the project ids (and the vehicles) stay."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None and (server := checked_server(user_input, errors)):
            data = self._ct_data(user_input, {**entry.data, CONF_BASE_URL: server.base_url})
            if await self._async_validated(data, errors) is not None:
                updates = {key: data[key] for key in (CONF_ENVIRONMENT, CONF_BASE_URL, CONF_TOKEN)}
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        suggested = {
            key: (user_input or entry.data).get(key) for key in (CONF_ENVIRONMENT, CONF_BASE_URL)
        }
        return self.async_show_form(
            step_id="reconfigure_chargetrip",
            data_schema=self.add_suggested_values_to_schema(
                _account_schema(with_ids=False), suggested
            ),
            errors=errors,
        )

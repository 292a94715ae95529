"""Config flow: choose the provider → its account steps → link devices → finish.

The journey is generic: the provider registry (``providers``) names each provider's first
step, its reauth step and its reconfigure menu; the provider's own steps live in
``flows/<provider>.py``, and linking, finishing and the shared helpers in ``flows/base.py``.
Linking another device later lives in Reconfigure.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any, cast, override

import probatio as vol
from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .const import CONF_PROVIDER, DOMAIN
from .flows import ProviderSteps
from .migration import SCOPED_IDENTIFIERS_VERSION
from .options_flow import ConnectedEVOptionsFlow
from .providers import DEFAULT_PROVIDER, PROVIDERS, UNIQUE_ID_MINOR_VERSION, get_description

type _Step = Callable[[], Coroutine[Any, Any, ConfigFlowResult]]


class ConnectedEVConfigFlow(ProviderSteps, domain=DOMAIN):
    """Add a provider account and link its devices; reauth; reconfigure."""

    VERSION = SCOPED_IDENTIFIERS_VERSION
    MINOR_VERSION = UNIQUE_ID_MINOR_VERSION

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow: polling intervals and push (see ``options_flow``)."""
        return ConnectedEVOptionsFlow()

    def _step(self, step_id: str) -> _Step:
        """Return the step a registry entry names."""
        return cast(_Step, getattr(self, f"async_step_{step_id}"))

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the provider; each provider continues in its own steps."""
        if user_input is not None:
            return await self._step(PROVIDERS[user_input[CONF_PROVIDER]].setup_step)()
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_PROVIDER, default=DEFAULT_PROVIDER.value): SelectSelector(
                        SelectSelectorConfig(
                            options=list(PROVIDERS),
                            translation_key=CONF_PROVIDER,
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauth: the provider rejected the stored credential."""
        return await self._step(get_description(entry_data).reauth_step)()

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the account's settings, or link another device to the entry."""
        entry = self._get_reconfigure_entry()
        self._data = dict(entry.data)
        # Named, so the user knows which account this is and what it already has.
        return self.async_show_menu(
            step_id="reconfigure",
            menu_options=list(self._description.reconfigure_menu),
            description_placeholders={
                "name": entry.title,
                "devices": _linked_devices(self.hass, entry),
            },
        )


def _linked_devices(hass: HomeAssistant, entry: ConfigEntry) -> str:
    """Name the entry's vehicles and chargers (not its account device); "—" for none."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    names = sorted(
        name
        for device in devices
        if device.entry_type is None and (name := device.name_by_user or device.name)
    )
    return ", ".join(names) or "—"

"""Fix flows of the integration's fixable repair issues: the home charging location."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .api.errors import ProviderError
from .const import DOMAIN, LOGGER
from .home_location import async_create_home_location, devices_without_home_location


class HomeLocationFlow(RepairsFlow):
    """One confirmation: create "Home" at the home zone and tie the loose chargers to it."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Show what will be done; on confirmation do it, or say the provider refused."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.domain != DOMAIN or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await async_create_home_location(self.hass, entry)
            except ProviderError as err:
                LOGGER.debug("Could not create the home location: %s", type(err).__name__)
                errors["base"] = "provider_refused"
            else:
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            errors=errors,
            description_placeholders={
                "title": entry.title,
                "devices": ", ".join(
                    devices_without_home_location(self.hass, entry.runtime_data.coordinator)
                ),
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue (only the home location issue is fixable)."""
    return HomeLocationFlow(str((data or {}).get("entry_id")))

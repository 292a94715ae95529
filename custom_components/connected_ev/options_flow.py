"""Options: polling intervals, manual-only polling, the daily request budget and push.

Turning push on subscribes and tests it right here, so a Home Assistant the provider cannot
reach is reported on the form instead of silently falling back to polling. Saving reloads
the entry, which applies the intervals and starts (or stops) receiving.
"""

from __future__ import annotations

from typing import Any

import probatio as vol
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .options import (
    BUDGET_BOUNDS,
    CONF_CHARGING_INTERVAL,
    CONF_DAILY_BUDGET,
    CONF_IDLE_INTERVAL,
    CONF_MANUAL_ONLY,
    CONF_PUSH,
    CONF_PUSH_INTERVAL,
    DATA_PUSH,
    INTERVAL_BOUNDS,
    PollingPolicy,
    daily_budget_option,
)
from .providers import get_description
from .push_subscription import PushRegistration, PushSetupError


def _schema() -> vol.Schema:
    fields: dict[Any, Any] = {
        vol.Required(CONF_PUSH): BooleanSelector(),
        vol.Required(CONF_MANUAL_ONLY): BooleanSelector(),
    }
    for key in INTERVAL_BOUNDS:
        # No min/max on the selector: its own check answers in untranslated English
        # ("Value 1.0 is too small"); the step tells the bounds instead (_out_of_range).
        fields[vol.Required(key)] = vol.All(
            NumberSelector(
                NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX, unit_of_measurement="min")
            ),
            vol.Coerce(int),
        )
    # Optional: empty (or 0) keeps the provider's default, which may change with a release.
    fields[vol.Optional(CONF_DAILY_BUDGET)] = vol.All(
        NumberSelector(NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)), vol.Coerce(int)
    )
    return vol.Schema(fields)


def _out_of_range(user_input: dict[str, Any]) -> dict[str, str]:
    """Return an error for each interval outside its bounds, and for a budget outside its own."""
    errors = {
        key: f"{key}_out_of_range"
        for key, (low, high) in INTERVAL_BOUNDS.items()
        if not low <= user_input[key] <= high
    }
    low, high = BUDGET_BOUNDS
    if (budget := daily_budget_option(user_input)) is not None and not low <= budget <= high:
        errors[CONF_DAILY_BUDGET] = f"{CONF_DAILY_BUDGET}_out_of_range"
    return errors


def _bounds() -> dict[str, str]:
    """Return the placeholders the out-of-range errors name the bounds with."""
    placeholders: dict[str, str] = {}
    for key, (low, high) in INTERVAL_BOUNDS.items():
        placeholders[f"{key}_min"] = str(low)
        placeholders[f"{key}_max"] = str(high)
    placeholders[f"{CONF_DAILY_BUDGET}_min"], placeholders[f"{CONF_DAILY_BUDGET}_max"] = map(
        str, BUDGET_BOUNDS
    )
    return placeholders


class ConnectedEVOptionsFlow(OptionsFlowWithReload):
    """Set the polling policy and turn push on or off."""

    def __init__(self) -> None:
        self._options: dict[str, Any] = {}
        self._unconfirmed = False

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; on submit, subscribe or unsubscribe push if that changed."""
        errors: dict[str, str] = {}
        description = get_description(self.config_entry.data)
        placeholders = {
            "reason": "",
            "budget_default": str(description.daily_budget),
            **_bounds(),
        }
        if user_input is not None and not (errors := _out_of_range(user_input)):
            self._options = user_input
            try:
                enabled = await self._async_apply_push(bool(user_input[CONF_PUSH]))
            except PushSetupError as err:
                errors["base"] = err.key
                placeholders["reason"] = err.reason
            else:
                if enabled:
                    return await self.async_step_push_enabled()
                return self.async_create_entry(data=user_input)
        policy = PollingPolicy.from_options(self.config_entry.options, description.polling)
        current: dict[str, Any] = {
            CONF_PUSH: policy.push,
            CONF_MANUAL_ONLY: policy.manual_only,
            CONF_CHARGING_INTERVAL: int(policy.charging_interval.total_seconds() // 60),
            CONF_IDLE_INTERVAL: int(policy.idle_interval.total_seconds() // 60),
            CONF_PUSH_INTERVAL: int(policy.push_interval.total_seconds() // 60),
        }
        if (budget := daily_budget_option(self.config_entry.options)) is not None:
            current[CONF_DAILY_BUDGET] = budget
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(_schema(), user_input or current),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_push_enabled(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Tell that the provider's test event arrived, then save."""
        if user_input is None:
            return self.async_show_form(step_id="push_enabled")
        self._unconfirmed = False
        return self.async_create_entry(data=self._options)

    @callback
    def async_remove(self) -> None:
        """Delete the new subscription at once when the dialog is closed without confirming.

        It is stored in the entry already, so if this cannot finish (Home Assistant stops,
        the provider is down) the next setup deletes it.
        """
        entry = self.config_entry
        if self._unconfirmed and entry.state is ConfigEntryState.LOADED:
            entry.async_create_background_task(
                self.hass,
                entry.runtime_data.push.async_discard_unconfirmed(),
                name="connected_ev push discard",
            )

    async def _async_apply_push(self, wanted: bool) -> bool:
        """Subscribe or unsubscribe; return whether push was newly enabled."""
        entry = self.config_entry
        if wanted == (PushRegistration.from_data(entry.data) is not None):
            return False
        if entry.state is not ConfigEntryState.LOADED:
            raise PushSetupError("not_loaded")
        push = entry.runtime_data.push
        if not push.supported:
            raise PushSetupError("not_supported")
        data = {key: value for key, value in entry.data.items() if key != DATA_PUSH}
        if wanted:
            data[DATA_PUSH] = (await push.async_enable()).as_dict()
            self._unconfirmed = True
        else:
            await push.async_disable()
        self.hass.config_entries.async_update_entry(entry, data=data)
        return wanted

"""Smart-charging behaviour: off, at charging locations, or anywhere (as the provider allows)."""

from __future__ import annotations

from typing import override

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import ChargingBehavior, ChargingPreferencesUpdate, PreferenceField, Vehicle
from .api.provider import as_preferences
from .coordinator import ConnectedEVConfigEntry
from .entity import ConnectedEVEntity, async_add_preference_entities
from .helpers import provider_errors_translated
from .preferences import PreferencesManager

PARALLEL_UPDATES = 1

CHARGING_BEHAVIOR = SelectEntityDescription(
    key="charging_behavior",
    translation_key="charging_behavior",
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the behaviour select to vehicles whose provider lets it be changed."""
    async_add_preference_entities(
        entry,
        async_add_entities,
        PreferenceField.CHARGING_BEHAVIOR,
        ConnectedEVChargingBehaviorSelect,
    )


class ConnectedEVChargingBehaviorSelect(ConnectedEVEntity[Vehicle], SelectEntity):
    """When smart charging plans: the options are the behaviours the provider supports."""

    def __init__(self, manager: PreferencesManager, vehicle: Vehicle) -> None:
        super().__init__(manager.coordinator, vehicle, CHARGING_BEHAVIOR)
        self._manager = manager
        supported = as_preferences(manager.provider).supported_charging_behaviors
        self._attr_options = [b.value for b in ChargingBehavior if b in supported]

    @property
    @override
    def current_option(self) -> str | None:
        """The behaviour as last read from the provider."""
        preferences = self._manager.preferences_of(self.device)
        behavior = preferences.behavior if preferences else None
        return behavior.value if behavior and behavior.value in self.options else None

    @provider_errors_translated
    @override
    async def async_select_option(self, option: str) -> None:
        """Change the behaviour and nothing else."""
        await self._manager.async_set(
            self.device, ChargingPreferencesUpdate(behavior=ChargingBehavior(option))
        )

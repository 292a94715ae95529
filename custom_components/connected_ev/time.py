"""Ready-by time: the daily deadline smart charging plans for, where the provider has one."""

from __future__ import annotations

from datetime import time
from typing import override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import ChargingPreferencesUpdate, PreferenceField, Vehicle
from .coordinator import ConnectedEVConfigEntry
from .entity import ConnectedEVEntity, async_add_preference_entities
from .helpers import provider_errors_translated
from .preferences import PreferencesManager

PARALLEL_UPDATES = 1

READY_TIME = TimeEntityDescription(
    key="ready_time", translation_key="ready_time", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a ready-by time to vehicles whose provider takes one."""
    async_add_preference_entities(
        entry, async_add_entities, PreferenceField.READY_TIME, ConnectedEVReadyTime
    )


class ConnectedEVReadyTime(ConnectedEVEntity[Vehicle], TimeEntity):
    """The default ready-by time; weekday times set by action override it on their day."""

    def __init__(self, manager: PreferencesManager, vehicle: Vehicle) -> None:
        super().__init__(manager.coordinator, vehicle, READY_TIME)
        self._manager = manager

    @property
    @override
    def native_value(self) -> time | None:
        """The default ready time (not today's weekday deadline)."""
        preferences = self._manager.preferences_of(self.device)
        return preferences.ready_time if preferences else None

    @provider_errors_translated
    @override
    async def async_set_value(self, value: time) -> None:
        """Change the ready time (whole minutes) and nothing else."""
        await self._manager.async_set(
            self.device,
            ChargingPreferencesUpdate(ready_time=value.replace(second=0, microsecond=0)),
        )

"""Push health sensors, on a service device of the account (push is per account, not per car).

Diagnostic: they tell whether push keeps the data current (and so whether polling is slowed
to the safety poll), and when the provider last delivered anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import CONF_PROVIDER, DOMAIN, PROVIDER_BRANDS, ProviderName
from .push import PushHealth, PushManager

PUSH_HEALTH = SensorEntityDescription(
    key="push_health",
    translation_key="push_health",
    device_class=SensorDeviceClass.ENUM,
    options=[health.value for health in PushHealth],
    entity_category=EntityCategory.DIAGNOSTIC,
)
LAST_PUSH_EVENT = SensorEntityDescription(
    key="last_push_event",
    translation_key="last_push_event",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def push_sensors(push: PushManager) -> list[SensorEntity]:
    """Return the push sensors of an account whose provider can push (none otherwise)."""
    if not push.supported:
        return []
    return [PushSensor(push, PUSH_HEALTH), PushSensor(push, LAST_PUSH_EVENT)]


class PushSensor(SensorEntity):
    """Push health or the last delivery time, updated by the push manager (never polled)."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, push: PushManager, description: SensorEntityDescription) -> None:
        self.push = push
        self.entity_description = description
        entry = push.entry
        self._attr_unique_id = f"{entry.unique_id or entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"account_{entry.unique_id or entry.entry_id}")},
            name=entry.title,
            manufacturer=PROVIDER_BRANDS[ProviderName(entry.data.get(CONF_PROVIDER, "enode"))],
            model="Account",
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    @override
    def native_value(self) -> str | datetime | None:
        """The health, or the time of the last verified delivery."""
        if self.entity_description.key == PUSH_HEALTH.key:
            return self.push.health.value
        return self.push.last_event_at

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the push manager."""
        self.async_on_remove(self.push.async_add_listener(self._handle_push_update))

    @callback
    def _handle_push_update(self) -> None:
        self.async_write_ha_state()

"""Maximum charging current, where the device lets the provider change it."""

from __future__ import annotations

from typing import override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfElectricCurrent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Charger, Vehicle
from .const import MAX_CHARGING_CURRENT, MIN_CHARGING_CURRENT
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities, provider_errors_translated

PARALLEL_UPDATES = 1

MAX_CURRENT = NumberEntityDescription(
    key="max_current",
    translation_key="max_current",
    device_class=NumberDeviceClass.CURRENT,
    entity_category=EntityCategory.CONFIG,
    native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
    native_min_value=MIN_CHARGING_CURRENT,
    native_max_value=MAX_CHARGING_CURRENT,
    native_step=1,
    mode=NumberMode.SLIDER,
)


def _max_current_numbers[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator, device: DeviceT
) -> list[ConnectedEVMaxCurrentNumber[DeviceT]]:
    if device.can(Capability.SET_MAX_CURRENT):
        return [ConnectedEVMaxCurrentNumber(coordinator, device, MAX_CURRENT)]
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a max-current number to every device that can change it."""
    async_add_device_entities(entry, async_add_entities, _max_current_numbers, _max_current_numbers)


class ConnectedEVMaxCurrentNumber[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], NumberEntity
):
    """The current the device may draw while charging."""

    @property
    @override
    def native_value(self) -> float | None:
        """The limit the device last reported."""
        return self.device.charge_state.max_current_a

    @provider_errors_translated
    @override
    async def async_set_native_value(self, value: float) -> None:
        """Ask the provider to change the limit, then read it back."""
        await self.coordinator.async_set_max_current(self.kind, self.device_id, value)

"""Charging switch: start/stop through the provider, following the action until settled."""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Charger, ChargingCommand, Vehicle
from .api.provider import ProviderFeature
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities, provider_errors_translated

PARALLEL_UPDATES = 1

CHARGING_SWITCH = SwitchEntityDescription(key="charging", translation_key="charging")


def _charging_switches[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator, device: DeviceT
) -> list[ConnectedEVChargingSwitch[DeviceT]]:
    """Offer a switch only where both starting and stopping are possible."""
    if (
        ProviderFeature.CHARGING_CONTROL in coordinator.provider.features
        and device.can(Capability.START_CHARGING)
        and device.can(Capability.STOP_CHARGING)
    ):
        return [ConnectedEVChargingSwitch(coordinator, device, CHARGING_SWITCH)]
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charging switch to every device that can start and stop charging."""
    async_add_device_entities(entry, async_add_entities, _charging_switches, _charging_switches)


class ConnectedEVChargingSwitch[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], SwitchEntity
):
    """Charging on/off; shows the requested state while the provider carries it out."""

    @property
    @override
    def is_on(self) -> bool | None:
        """The tracked action's command while there is one, else what the device reports."""
        action = self.coordinator.pending_action(self.device_id)
        if action is not None and action.command is not ChargingCommand.UNKNOWN:
            return action.command is ChargingCommand.START
        return self.device.charge_state.is_charging

    @provider_errors_translated
    @override
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        """Ask the device to start charging."""
        await self.coordinator.async_set_charging(self.kind, self.device_id, on=True)

    @provider_errors_translated
    @override
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        """Ask the device to stop charging."""
        await self.coordinator.async_set_charging(self.kind, self.device_id, on=False)

"""Request-refresh button: the only way the integration asks a device for fresh data.

A refresh hint can wake a car and drain its 12 V battery, so it is never sent implicitly;
the coordinator refuses a second one for the same device within the rate-limit window.
"""

from __future__ import annotations

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Charger, Vehicle
from .api.provider import ProviderFeature
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities
from .helpers import provider_errors_translated

PARALLEL_UPDATES = 1

REQUEST_REFRESH = ButtonEntityDescription(key="request_refresh", translation_key="request_refresh")


def _refresh_buttons[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator, device: DeviceT
) -> list[ConnectedEVRefreshButton[DeviceT]]:
    if ProviderFeature.REFRESH_HINT in coordinator.provider.features:
        return [ConnectedEVRefreshButton(coordinator, device, REQUEST_REFRESH)]
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a request-refresh button to every device, where the provider takes hints."""
    async_add_device_entities(entry, async_add_entities, _refresh_buttons, _refresh_buttons)


class ConnectedEVRefreshButton[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], ButtonEntity
):
    """Ask the provider to fetch fresh data from the device."""

    @provider_errors_translated
    @override
    async def async_press(self) -> None:
        """Send one refresh hint (refused if the device had one recently)."""
        await self.coordinator.async_request_device_refresh(self.kind, self.device_id)

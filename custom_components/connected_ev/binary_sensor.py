"""Binary sensors: plugged in, charging, reachable and at a charging location."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Charger, Vehicle
from .api.provider import ProviderFeature
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities, reports_charge_state

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedEVBinarySensorEntityDescription[DeviceT: Vehicle | Charger](
    BinarySensorEntityDescription
):
    """A yes/no fact about a device: whether the device has it, and how to read it."""

    has_fn: Callable[[DeviceT], bool] = lambda _: True
    feature: ProviderFeature | None = None
    """The provider feature without which the fact is never reported (no entity then)."""
    is_on_fn: Callable[[DeviceT], bool | None]


def _at_charging_location(vehicle: Vehicle) -> bool | None:
    if vehicle.location is None:
        return None
    return vehicle.location.location_id is not None


VEHICLE_BINARY_SENSORS: tuple[ConnectedEVBinarySensorEntityDescription[Vehicle], ...] = (
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="plugged_in",
        translation_key="plugged_in",
        device_class=BinarySensorDeviceClass.PLUG,
        has_fn=reports_charge_state,
        is_on_fn=lambda vehicle: vehicle.charge_state.is_plugged_in,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        has_fn=reports_charge_state,
        is_on_fn=lambda vehicle: vehicle.charge_state.is_charging,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="reachable",
        translation_key="reachable",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        feature=ProviderFeature.REACHABILITY,
        is_on_fn=lambda vehicle: vehicle.is_reachable,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="at_charging_location",
        translation_key="at_charging_location",
        has_fn=lambda vehicle: vehicle.can(Capability.LOCATION),
        feature=ProviderFeature.LOCATION_MATCHING,
        is_on_fn=_at_charging_location,
    ),
)

CHARGER_BINARY_SENSORS: tuple[ConnectedEVBinarySensorEntityDescription[Charger], ...] = (
    ConnectedEVBinarySensorEntityDescription[Charger](
        key="plugged_in",
        translation_key="plugged_in",
        device_class=BinarySensorDeviceClass.PLUG,
        has_fn=reports_charge_state,
        is_on_fn=lambda charger: charger.charge_state.is_plugged_in,
    ),
    ConnectedEVBinarySensorEntityDescription[Charger](
        key="charging",
        translation_key="charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        has_fn=reports_charge_state,
        is_on_fn=lambda charger: charger.charge_state.is_charging,
    ),
    ConnectedEVBinarySensorEntityDescription[Charger](
        key="reachable",
        translation_key="reachable",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        feature=ProviderFeature.REACHABILITY,
        is_on_fn=lambda charger: charger.is_reachable,
    ),
)


def _binary_sensors[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator,
    device: DeviceT,
    descriptions: tuple[ConnectedEVBinarySensorEntityDescription[DeviceT], ...],
) -> Iterator[ConnectedEVBinarySensor[DeviceT]]:
    features = coordinator.provider.features
    for description in descriptions:
        if description.has_fn(device) and description.feature in (None, *features):
            yield ConnectedEVBinarySensor(coordinator, device, description)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors of every device, and of devices linked later."""
    async_add_device_entities(
        entry,
        async_add_entities,
        lambda coordinator, vehicle: _binary_sensors(coordinator, vehicle, VEHICLE_BINARY_SENSORS),
        lambda coordinator, charger: _binary_sensors(coordinator, charger, CHARGER_BINARY_SENSORS),
    )


class ConnectedEVBinarySensor[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], BinarySensorEntity
):
    """A yes/no fact a vehicle or charger reports."""

    entity_description: ConnectedEVBinarySensorEntityDescription[DeviceT]

    @property
    @override
    def is_on(self) -> bool | None:
        """Read the fact from the device's last known data."""
        return self.entity_description.is_on_fn(self.device)

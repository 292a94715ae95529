"""Binary sensors: plugged in, charging, reachable, at a charging location, car condition."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final, override

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
from .entity import (
    ConnectedEVEntity,
    async_add_device_entities,
    reports_battery,
    reports_charge_state,
)

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
    attributes_fn: Callable[[DeviceT], dict[str, Any]] | None = None


LOW_VOLTAGE: Final = 11.8
"""12 V battery volts below which the battery is reported low.

A rested lead-acid 12 V battery reads about 12.6 V full and 12.2 V half charged; below
11.8 V it is nearly flat, and starting (or waking the high-voltage system) may fail. A
battery read while driving or charging is above 13 V, so the threshold never fires then.
"""


def _low_voltage(vehicle: Vehicle) -> bool | None:
    voltage = vehicle.condition.low_voltage_battery_v if vehicle.condition else None
    return None if voltage is None else voltage < LOW_VOLTAGE


def _warning_lamps(vehicle: Vehicle) -> tuple[str, ...] | None:
    return vehicle.condition.warning_lamps if vehicle.condition else None


def _lamps_on(vehicle: Vehicle) -> bool | None:
    """Report a problem when a lamp is lit or the provider calls the vehicle unhealthy."""
    condition = vehicle.condition
    if condition is None or (condition.warning_lamps is None and condition.healthy is None):
        return None
    return bool(condition.warning_lamps) or condition.healthy is False


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
        has_fn=reports_battery,
        is_on_fn=lambda vehicle: vehicle.charge_state.is_charging,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="ignition",
        translation_key="ignition",
        has_fn=lambda vehicle: vehicle.can(Capability.IGNITION),
        is_on_fn=lambda vehicle: vehicle.condition.ignition_on if vehicle.condition else None,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="low_voltage_battery_low",
        translation_key="low_voltage_battery_low",
        device_class=BinarySensorDeviceClass.BATTERY,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda vehicle: vehicle.can(Capability.HEALTH),
        is_on_fn=_low_voltage,
    ),
    ConnectedEVBinarySensorEntityDescription[Vehicle](
        key="warning_lamps",
        translation_key="warning_lamps",
        device_class=BinarySensorDeviceClass.PROBLEM,
        has_fn=lambda vehicle: vehicle.can(Capability.HEALTH),
        is_on_fn=_lamps_on,
        attributes_fn=lambda vehicle: {"lamps": list(_warning_lamps(vehicle) or ())},
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

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """What the fact is about, where it names things (the lamps lit)."""
        attributes_fn = self.entity_description.attributes_fn
        return attributes_fn(self.device) if attributes_fn is not None else None

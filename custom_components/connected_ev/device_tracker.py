"""Vehicle location as a GPS device tracker, where the vehicle shares its position."""

from __future__ import annotations

from typing import override

from homeassistant.components.device_tracker.const import SourceType
from homeassistant.components.device_tracker.entity import TrackerEntity, TrackerEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Capability, Charger, Vehicle
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities

PARALLEL_UPDATES = 0

LOCATION = TrackerEntityDescription(key="location", translation_key="location")


def _trackers(
    coordinator: ConnectedEVCoordinator, vehicle: Vehicle
) -> list[ConnectedEVDeviceTracker]:
    """Track a vehicle once it may and does report coordinates."""
    position = vehicle.location
    if (
        vehicle.can(Capability.LOCATION)
        and position is not None
        and position.latitude is not None
        and position.longitude is not None
    ):
        return [ConnectedEVDeviceTracker(coordinator, vehicle, LOCATION)]
    return []


def _no_trackers(coordinator: ConnectedEVCoordinator, charger: Charger) -> list[TrackerEntity]:
    """Chargers do not move: their place is a charging location, not a tracker."""
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a tracker for every vehicle that reports where it is."""
    async_add_device_entities(entry, async_add_entities, _trackers, _no_trackers)


class ConnectedEVDeviceTracker(ConnectedEVEntity[Vehicle], TrackerEntity):
    """Where the vehicle last reported it was."""

    _attr_source_type = SourceType.GPS

    @property
    @override
    def latitude(self) -> float | None:
        """Latitude of the last known position."""
        return self.device.location.latitude if self.device.location else None

    @property
    @override
    def longitude(self) -> float | None:
        """Longitude of the last known position."""
        return self.device.location.longitude if self.device.location else None

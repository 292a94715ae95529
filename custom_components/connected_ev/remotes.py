"""A customer's remotes (each a connector) as devices: device card and an assignment entity.

A connector is neither a vehicle nor a charger, so they are kept apart from the device-kind
platforms: each is a device whose card shows its name, its type as the model and its
hardware and software versions, with one diagnostic sensor saying whom it is assigned to.
Its PIN never reaches Home Assistant (the provider's ``Connector`` has none). Devices appear
when a refresh or a claim lists them and go when released (``remote_actions``) or when
refreshes stop listing them (``devices``).
"""

from __future__ import annotations

from typing import override

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import Connector, ConnectorAssignment
from .api.provider import ProviderFeature
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .identifiers import device_identifier, entity_unique_id
from .providers import get_description

ASSIGNMENT_KEY = "remote_assignment"


def remote_device_info(entry: ConnectedEVConfigEntry, remote: Connector) -> DeviceInfo:
    """Describe a connector for the device registry: versions on the device card."""
    return DeviceInfo(
        identifiers={device_identifier(entry, remote.id)},
        manufacturer=get_description(entry.data).brand,
        model=remote.type.value.capitalize(),
        name=remote.name,
        hw_version=remote.hardware_version,
        sw_version=remote.software_version,
    )


class RemoteAssignmentSensor(CoordinatorEntity[ConnectedEVCoordinator], SensorEntity):
    """Whom the connector is assigned to; unavailable once it is no longer listed."""

    _attr_has_entity_name = True
    _attr_translation_key = ASSIGNMENT_KEY
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: ConnectedEVCoordinator, remote: Connector) -> None:
        # No context: refreshes narrow updates to changed vehicles and chargers only.
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.remote = remote
        self._attr_options = [assignment.value for assignment in ConnectorAssignment]
        self._attr_unique_id = entity_unique_id(entry, remote.id, ASSIGNMENT_KEY)
        self._attr_device_info = remote_device_info(entry, remote)

    @property
    @override
    def available(self) -> bool:
        """Available while the last poll worked and still listed the connector."""
        return super().available and self.remote.id in self.coordinator.data.remotes

    @property
    @override
    def native_value(self) -> str:
        """The assignment seen from the entry's customer."""
        remote = self.coordinator.data.remotes.get(self.remote.id, self.remote)
        return remote.assignment.value


@callback
def async_add_remote_entities(
    entry: ConnectedEVConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add each connector's device and entity now and whenever new ones are listed.

    The device card follows the versions the provider reports (a firmware update).
    """
    coordinator = entry.runtime_data.coordinator
    if ProviderFeature.REMOTES not in coordinator.provider.features:
        return
    known: dict[str, Connector] = {}

    @callback
    def update() -> None:
        registry = dr.async_get(coordinator.hass)
        remotes = coordinator.data.remotes
        for remote_id in known.keys() - remotes.keys():
            # Released or gone: once its device is removed, a new claim adds it again.
            if (
                registry.async_get_device_by_identifier(
                    device_identifier(entry, remote_id), entry.entry_id
                )
                is None
            ):
                del known[remote_id]
        new: list[RemoteAssignmentSensor] = []
        for remote_id, remote in remotes.items():
            previous = known.get(remote_id)
            if previous is None:
                new.append(RemoteAssignmentSensor(coordinator, remote))
            elif previous != remote and (
                device := registry.async_get_device_by_identifier(
                    device_identifier(entry, remote_id), entry.entry_id
                )
            ):
                registry.async_update_device(
                    device.id,
                    name=remote.name,
                    model=remote.type.value.capitalize(),
                    hw_version=remote.hardware_version,
                    sw_version=remote.software_version,
                )
            known[remote_id] = remote
        if new:
            async_add_entities(new)

    update()
    entry.async_on_unload(coordinator.async_add_listener(update))

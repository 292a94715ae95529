"""Sensors: battery, range, charging, pairing, smart charging, location, energy, push."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import (
    EntityCategory,
    UnitOfEnergy,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api.models import Capability, Charger, Vehicle
from .api.provider import ProviderFeature
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .energy import has_lifetime_energy
from .entity import ConnectedEVEntity, async_add_device_entities
from .identifiers import account_entity_unique_id, account_identifier
from .providers import get_description
from .push import PushHealth, PushManager
from .remotes import async_add_remote_entities
from .sensor_descriptions import (
    CHARGER_SENSORS,
    CHARGING_LOCATION,
    LIFETIME_ENERGY,
    SMART_CHARGING_STATUS,
    VEHICLE_SENSORS,
    ConnectedEVSensorEntityDescription,
)

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ConnectedEVPushSensorEntityDescription(SensorEntityDescription):
    """A sensor of the account's push (push is per account, not per car)."""

    value_fn: Callable[[PushManager], str | datetime | None]


PUSH_SENSORS: tuple[ConnectedEVPushSensorEntityDescription, ...] = (
    ConnectedEVPushSensorEntityDescription(
        key="push_health",
        translation_key="push_health",
        device_class=SensorDeviceClass.ENUM,
        options=[health.value for health in PushHealth],
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda push: push.health.value,
    ),
    ConnectedEVPushSensorEntityDescription(
        key="last_push_event",
        translation_key="last_push_event",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda push: push.last_event_at,
    ),
)


def _sensors[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator,
    device: DeviceT,
    descriptions: tuple[ConnectedEVSensorEntityDescription[DeviceT], ...],
) -> Iterator[ConnectedEVSensor[DeviceT]]:
    features = coordinator.provider.features
    for description in descriptions:
        if description.has_fn(device) and description.feature in (None, *features):
            yield ConnectedEVSensor(coordinator, device, description)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of every device, and of devices linked later."""
    async_add_device_entities(
        entry,
        async_add_entities,
        _vehicle_sensors,
        _charger_sensors,
    )
    if (push := entry.runtime_data.push).supported:
        async_add_entities(ConnectedEVPushSensor(push, desc) for desc in PUSH_SENSORS)
    async_add_remote_entities(entry, async_add_entities)


def _vehicle_sensors(
    coordinator: ConnectedEVCoordinator, vehicle: Vehicle
) -> Iterator[SensorEntity]:
    yield from _sensors(coordinator, vehicle, VEHICLE_SENSORS)
    if ProviderFeature.SMART_CHARGING in coordinator.provider.features and vehicle.can(
        Capability.SMART_CHARGING
    ):
        yield ConnectedEVSensor(coordinator, vehicle, SMART_CHARGING_STATUS)
    if has_lifetime_energy(coordinator.provider, vehicle):
        yield ConnectedEVLifetimeEnergySensor(coordinator, vehicle, LIFETIME_ENERGY)


def _charger_sensors(
    coordinator: ConnectedEVCoordinator, charger: Charger
) -> Iterator[SensorEntity]:
    yield from _sensors(coordinator, charger, CHARGER_SENSORS)
    if ProviderFeature.LOCATIONS in coordinator.provider.features:
        yield ConnectedEVSensor(coordinator, charger, CHARGING_LOCATION)
    if has_lifetime_energy(coordinator.provider, charger):
        yield ConnectedEVLifetimeEnergySensor(coordinator, charger, LIFETIME_ENERGY)


class ConnectedEVSensor[DeviceT: Vehicle | Charger](ConnectedEVEntity[DeviceT], SensorEntity):
    """A value a vehicle or charger reports."""

    entity_description: ConnectedEVSensorEntityDescription[DeviceT]
    _account_options: list[str] | None = None
    """Options drawn from the whole account, kept until an update that may change them."""

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Read the value from the device's last known data."""
        return self.entity_description.value_fn(self.device, self.coordinator.data)

    @property
    @override
    def options(self) -> list[str] | None:
        """The description's options, or those the account's devices give now.

        Those list every charger or location: worked out again only after an update for
        every device (names, locations and the set of devices change only in those), not
        at each write of this one.
        """
        if (options_fn := self.entity_description.options_fn) is not None:
            if self._account_options is None:
                self._account_options = options_fn(self.coordinator.data)
            return self._account_options
        return super().options

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Drop the account's options when the update is for every device."""
        if self.coordinator.updated_devices is None:
            self._account_options = None
        super()._handle_coordinator_update()

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Name the other device by id where the value names it."""
        if (attributes_fn := self.entity_description.attributes_fn) is None:
            return None
        return attributes_fn(self.device, self.coordinator.data)


class ConnectedEVLifetimeEnergySensor[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], RestoreSensor
):
    """Everything the device ever charged, for the Energy dashboard (total_increasing).

    The value only ever rises: Home Assistant takes any decrease of a total_increasing
    sensor for a meter reset and would count the energy twice. A provider's lifetime sum of
    one device never really decreases (a relinked device is a new device), so a smaller
    read is transient partial data and the larger value is kept. The last value is restored
    after a restart, before the start-up read (or when it fails).
    """

    def __init__(
        self,
        coordinator: ConnectedEVCoordinator,
        device: DeviceT,
        description: SensorEntityDescription,
    ) -> None:
        super().__init__(coordinator, device, description)
        self._attr_native_value = coordinator.data.lifetime_energy.get(device.id)

    @override
    async def async_added_to_hass(self) -> None:
        """Restore the last value unless a larger one was read already."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and last.native_unit_of_measurement == UnitOfEnergy.KILO_WATT_HOUR:
            value = last.native_value
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._keep_largest(float(value))

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Take a new read, never a smaller one."""
        self._keep_largest(self.coordinator.data.lifetime_energy.get(self.device_id))
        super()._handle_coordinator_update()

    def _keep_largest(self, value: float | None) -> None:
        current = self._attr_native_value
        if value is not None and (not isinstance(current, int | float) or value > current):
            self._attr_native_value = value


class ConnectedEVPushSensor(SensorEntity):
    """Whether push keeps the data current, on a service device of the account (diagnostic).

    Updated by the push manager, never polled: it tells whether polling is slowed to the
    safety poll, and when the provider last delivered anything.
    """

    entity_description: ConnectedEVPushSensorEntityDescription
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, push: PushManager, description: ConnectedEVPushSensorEntityDescription
    ) -> None:
        self.push = push
        self.entity_description = description
        entry = push.entry
        self._attr_unique_id = account_entity_unique_id(entry, description.key)
        self._attr_device_info = DeviceInfo(
            identifiers={account_identifier(entry)},
            name=entry.title,
            manufacturer=get_description(entry.data).brand,
            model="Account",
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    @override
    def native_value(self) -> str | datetime | None:
        """Read the health, or the time of the last verified delivery."""
        return self.entity_description.value_fn(self.push)

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the push manager."""
        self.async_on_remove(self.push.async_add_listener(self.async_write_ha_state))

"""Base entity: one vehicle or charger of the account, its device, availability and errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast, override

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import Capability, Charger, DeviceKind, PreferenceField, Vehicle
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .devices import device_name
from .identifiers import device_identifier, entity_unique_id

if TYPE_CHECKING:
    from .data import ConnectedEVData
    from .preferences import PreferencesManager


def reports_charge_state(device: Vehicle | Charger) -> bool:
    """Whether the device reports charging data: what charge-state entities are gated on."""
    return device.can(Capability.CHARGE_STATE)


def reports_battery(device: Vehicle | Charger) -> bool:
    """Whether the device reports its battery: charge state, or battery without the cable.

    Gates battery level, range, charge rate, capacity and charging; the cable's entities
    (plugged in, power delivery) stay on ``reports_charge_state``.
    """
    return device.can(Capability.CHARGE_STATE) or device.can(Capability.BATTERY)


def device_info(entry: ConnectedEVConfigEntry, device: Vehicle | Charger) -> DeviceInfo:
    """Describe a device for the device registry (the VIN is its serial number there)."""
    info = device.information
    model = info.model
    if model and info.year:
        model = f"{model} ({info.year})"
    return DeviceInfo(
        identifiers={device_identifier(entry, device.id)},
        manufacturer=info.brand or device.vendor.title(),
        model=model,
        name=device_name(device),
        serial_number=info.vin or info.serial_number,
    )


class ConnectedEVEntity[DeviceT: Vehicle | Charger](CoordinatorEntity[ConnectedEVCoordinator]):
    """An entity of one device; unavailable while polling fails or the device is gone."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ConnectedEVCoordinator,
        device: DeviceT,
        description: EntityDescription,
    ) -> None:
        # The device id as context: a refresh updates only the entities of changed devices.
        super().__init__(coordinator, context=device.id)
        self.entity_description = description
        self.device = device
        self.device_id = device.id
        self.kind = device.kind
        entry = coordinator.config_entry
        self._attr_unique_id = entity_unique_id(entry, device.id, description.key)
        self._attr_device_info = device_info(entry, device)

    def _find(self) -> DeviceT | None:
        data = self.coordinator.data
        devices = data.vehicles if self.kind is DeviceKind.VEHICLE else data.chargers
        return cast("DeviceT | None", devices.get(self.device_id))

    @property
    @override
    def available(self) -> bool:
        """Available while the last poll worked and still listed the device."""
        return super().available and self._find() is not None

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Keep the last known device, so state reads never see a missing one."""
        if (device := self._find()) is not None:
            self.device = device
        super()._handle_coordinator_update()


@callback
def async_add_device_entities(
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    vehicle_entities: Callable[[ConnectedEVCoordinator, Vehicle], Iterable[Entity]],
    charger_entities: Callable[[ConnectedEVCoordinator, Charger], Iterable[Entity]],
) -> None:
    """Add the entities of every device now, and of new devices (or capabilities) later."""
    coordinator = entry.runtime_data.coordinator
    known: dict[str, set[str | None]] = {}
    examined: dict[str, Vehicle | Charger] = {}
    """The device data each device's entities were last made from."""

    def entities_of(device: Vehicle | Charger) -> Iterable[Entity]:
        if isinstance(device, Vehicle):
            return vehicle_entities(coordinator, device)
        return charger_entities(coordinator, device)

    def forget_missing(data: ConnectedEVData) -> None:
        devices = dr.async_get(coordinator.hass)
        for device_id in known.keys() - data.vehicles.keys() - data.chargers.keys():
            # Missing from one refresh, a device keeps its entities (unavailable) until the
            # coordinator removes it; removed, its entities come back if it is linked again.
            examined.pop(device_id, None)
            identifier = device_identifier(entry, device_id)
            if devices.async_get_device_by_identifier(identifier, entry.entry_id) is None:
                del known[device_id]

    @callback
    def add_new_entities() -> None:
        data = coordinator.data
        listed: list[Vehicle | Charger]
        if (updated := coordinator.updated_devices) is None:
            forget_missing(data)
            listed = [*data.vehicles.values(), *data.chargers.values()]
        else:  # the same devices as before, some of them changed: only those can gain any
            listed = [
                device
                for device_id in updated
                if (device := data.vehicles.get(device_id) or data.chargers.get(device_id))
            ]
        new: list[Entity] = []
        for device in listed:
            # Which entities a device has follows from its data alone: data that is the
            # same object as last time (unchanged since, see api.parse_cache) adds nothing.
            if examined.get(device.id) is device:
                continue
            examined[device.id] = device
            seen = known.setdefault(device.id, set())
            for entity in entities_of(device):
                if entity.unique_id not in seen:
                    seen.add(entity.unique_id)
                    new.append(entity)
        if new:
            async_add_entities(new)

    add_new_entities()
    entry.async_on_unload(coordinator.async_add_listener(add_new_entities))


def async_add_preference_entities(
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    field: PreferenceField,
    create: Callable[[PreferencesManager, Vehicle], Entity],
) -> None:
    """Add one entity per vehicle whose provider honours the preference ``field``."""
    manager = entry.runtime_data.preferences
    async_add_device_entities(
        entry,
        async_add_entities,
        lambda _, vehicle: [create(manager, vehicle)] if manager.supports(vehicle, field) else [],
        lambda _, charger: [],
    )

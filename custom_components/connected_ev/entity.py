"""Base entity: one vehicle or charger of the account, its device, availability and errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any, Concatenate, cast, override

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.errors import (
    AuthenticationError,
    NotCapableError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from .api.models import Capability, Charger, DeviceKind, PreferenceField, Vehicle
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator, device_name

if TYPE_CHECKING:
    from .preferences import PreferencesManager


def reports_charge_state(device: Vehicle | Charger) -> bool:
    """Whether the device reports charging data: what charge-state entities are gated on."""
    return device.can(Capability.CHARGE_STATE)


def device_info(device: Vehicle | Charger) -> DeviceInfo:
    """Describe a device for the device registry (the VIN is its serial number there)."""
    info = device.information
    model = info.model
    if model and info.year:
        model = f"{model} ({info.year})"
    return DeviceInfo(
        identifiers={(DOMAIN, device.id)},
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
        super().__init__(coordinator)
        self.entity_description = description
        self.device = device
        self.device_id = device.id
        self.kind = device.kind
        self._attr_unique_id = f"{device.id}_{description.key}"
        self._attr_device_info = device_info(device)

    def _find(self) -> DeviceT | None:
        data = self.coordinator.data
        devices = data.vehicles if self.kind is DeviceKind.VEHICLE else data.chargers
        return cast(DeviceT | None, devices.get(self.device_id))

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

    @callback
    def add_new_entities() -> None:
        data = coordinator.data
        devices = dr.async_get(coordinator.hass)
        for device_id in known.keys() - data.vehicles.keys() - data.chargers.keys():
            # Missing from one refresh, a device keeps its entities (unavailable) until the
            # coordinator removes it; removed, its entities come back if it is linked again.
            if devices.async_get_device(identifiers={(DOMAIN, device_id)}) is None:
                del known[device_id]
        new: list[Entity] = []
        for device_id, entities in chain(
            ((v.id, vehicle_entities(coordinator, v)) for v in data.vehicles.values()),
            ((c.id, charger_entities(coordinator, c)) for c in data.chargers.values()),
        ):
            seen = known.setdefault(device_id, set())
            for entity in entities:
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


def translate_provider_error(
    entry: ConnectedEVConfigEntry, err: ProviderError
) -> HomeAssistantError:
    """Return the translated error for a provider error (starting reauth if rejected)."""
    if isinstance(err, AuthenticationError):
        entry.async_start_reauth(entry.runtime_data.coordinator.hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, NotCapableError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_capable",
            translation_placeholders={"detail": err.detail or str(err)},
        )
    if isinstance(err, RateLimitedError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="rate_limited")
    if isinstance(err, ProviderUnavailableError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="provider_unavailable")
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="unexpected_error",
        translation_placeholders={"error": err.detail or str(err)},
    )


def provider_errors_translated[EntityT: ConnectedEVEntity[Any], **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Turn provider errors of an entity action into translated Home Assistant errors."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ProviderError as err:
            raise translate_provider_error(self.coordinator.config_entry, err) from err

    return handler

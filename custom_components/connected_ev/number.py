"""Maximum charging current, and the target and minimum state of charge of smart charging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, override

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfElectricCurrent, UnitOfLength
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import (
    Capability,
    Charger,
    ChargingPreferencesUpdate,
    MinimalSoc,
    PreferenceField,
    SocUnit,
    Vehicle,
)
from .api.provider import as_preferences
from .const import MAX_CHARGING_CURRENT, MIN_CHARGING_CURRENT
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities
from .helpers import provider_errors_translated
from .preferences import PreferencesManager

PARALLEL_UPDATES = 1

MAX_MINIMAL_SOC_KM: Final = 2000
"""The largest minimum in km of range the actions take, too."""

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


@dataclass(frozen=True, kw_only=True)
class ConnectedEVSocNumberEntityDescription(NumberEntityDescription):
    """A state-of-charge preference, in percent."""

    field: PreferenceField


TARGET_SOC = ConnectedEVSocNumberEntityDescription(
    key="target_soc",
    translation_key="target_soc",
    field=PreferenceField.TARGET_SOC,
    entity_category=EntityCategory.CONFIG,
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    mode=NumberMode.SLIDER,
)
MINIMAL_SOC = ConnectedEVSocNumberEntityDescription(
    key="minimal_soc",
    translation_key="minimal_soc",
    field=PreferenceField.MINIMAL_SOC,
    entity_category=EntityCategory.CONFIG,
    native_unit_of_measurement=PERCENTAGE,
    native_min_value=0,
    native_max_value=100,
    native_step=1,
    mode=NumberMode.SLIDER,
)


def _vehicle_numbers(
    manager: PreferencesManager, coordinator: ConnectedEVCoordinator, vehicle: Vehicle
) -> Iterator[NumberEntity]:
    """Max current where changeable; SoC sliders for the fields the provider honours."""
    yield from _max_current_numbers(coordinator, vehicle)
    if manager.supports(vehicle, PreferenceField.TARGET_SOC):
        yield ConnectedEVSocNumber(manager, vehicle, TARGET_SOC)
    if (
        manager.supports(vehicle, PreferenceField.MINIMAL_SOC)
        and SocUnit.PERCENT in as_preferences(manager.provider).supported_minimal_soc_units
    ):
        yield ConnectedEVSocNumber(manager, vehicle, MINIMAL_SOC)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add max-current numbers and the SoC preferences of vehicles."""
    manager = entry.runtime_data.preferences
    async_add_device_entities(
        entry,
        async_add_entities,
        lambda coordinator, vehicle: _vehicle_numbers(manager, coordinator, vehicle),
        _max_current_numbers,
    )


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


class ConnectedEVSocNumber(ConnectedEVEntity[Vehicle], NumberEntity):
    """Target or minimum SoC of smart charging; the minimum never exceeds the target."""

    entity_description: ConnectedEVSocNumberEntityDescription

    def __init__(
        self,
        manager: PreferencesManager,
        vehicle: Vehicle,
        description: ConnectedEVSocNumberEntityDescription,
    ) -> None:
        super().__init__(manager.coordinator, vehicle, description)
        self._manager = manager

    @property
    @override
    def native_value(self) -> float | None:
        """The preference as last read from the provider."""
        preferences = self._manager.preferences_of(self.device)
        if preferences is None:
            return None
        if self.entity_description.field is PreferenceField.TARGET_SOC:
            return preferences.target_soc
        minimal = preferences.minimal_soc
        return minimal.value if minimal and minimal.unit is self._minimal_unit else None

    @property
    def _minimal_unit(self) -> SocUnit:
        """The unit the minimum is set in at the provider: km of range, else percent."""
        preferences = self._manager.preferences_of(self.device)
        minimal = preferences.minimal_soc if preferences is not None else None
        return SocUnit.KM if minimal is not None and minimal.unit is SocUnit.KM else SocUnit.PERCENT

    @property
    @override
    def native_unit_of_measurement(self) -> str | None:
        """A minimum set in km of range is shown (and changed) in km."""
        if (
            self.entity_description.field is PreferenceField.MINIMAL_SOC
            and self._minimal_unit is SocUnit.KM
        ):
            return UnitOfLength.KILOMETERS
        return super().native_unit_of_measurement

    @property
    @override
    def native_max_value(self) -> float:
        """The minimum's slider stops at the known target (else the car's charge limit)."""
        if self.entity_description.field is PreferenceField.MINIMAL_SOC:
            if self._minimal_unit is SocUnit.KM:
                return MAX_MINIMAL_SOC_KM
            target = self._manager.target_soc_of(self.device)
            if target is not None:
                return target
        return super().native_max_value

    @provider_errors_translated
    @override
    async def async_set_native_value(self, value: float) -> None:
        """Change only this preference."""
        if self.entity_description.field is PreferenceField.TARGET_SOC:
            update = ChargingPreferencesUpdate(target_soc=value)
        else:
            update = ChargingPreferencesUpdate(minimal_soc=MinimalSoc(value, self._minimal_unit))
        await self._manager.async_set(self.device, update)

"""The sensors a vehicle or charger can have, and how each reads the account's data.

Descriptions and the pure functions behind their values: the rules for "not plugged in",
"another charger" and "no location" live here, the entity classes in ``sensor``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPower,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.helpers.typing import StateType

from .api.models import (
    Capability,
    Charger,
    ChargerChargeState,
    ChargingSession,
    PowerDeliveryState,
    SmartChargingState,
    Vehicle,
    VehicleChargeState,
    VehicleCondition,
)
from .api.provider import ProviderFeature
from .data import ConnectedEVData
from .devices import device_name
from .entity import reports_battery, reports_charge_state

POWER_DELIVERY_STATES = [
    state.value for state in PowerDeliveryState if state is not PowerDeliveryState.UNKNOWN
]


NOT_PLUGGED_IN = "not_plugged_in"
"""The state of a vehicle's smart charging and plugged-in charger while no cable is in."""
OTHER_CHARGER = "other_charger"
"""Plugged in, but not to a charger of the account (a public charger, say)."""
NO_LOCATION = "no_location"
"""A charger tied to no charging location."""

SMART_CHARGING_STATES = [
    *(state.value for state in SmartChargingState if state is not SmartChargingState.UNKNOWN),
    NOT_PLUGGED_IN,
]


def smart_charging_state(vehicle: Vehicle, data: ConnectedEVData) -> str | None:
    """Return the provider's state; with no cable in and no state known, "not plugged in"."""
    status = data.smart_charging.get(vehicle.id)
    if status is None or status.state is SmartChargingState.UNKNOWN:
        return NOT_PLUGGED_IN if vehicle.charge_state.is_plugged_in is False else None
    return status.state.value


def smart_charging_plan(vehicle: Vehicle, data: ConnectedEVData) -> dict[str, Any]:
    """Return the plan's start, end and estimated cost, where the provider gives them."""
    status = data.smart_charging.get(vehicle.id)
    plan = status.plan if status is not None else None
    if plan is None:
        return dict.fromkeys(
            ("plan_start", "plan_end", "estimated_cost", "non_smart_cost", "currency")
        )
    return {
        "plan_start": plan.start_at,
        "plan_end": plan.stop_at or plan.estimated_finish_at,
        "estimated_cost": plan.smart_cost,
        "non_smart_cost": plan.non_smart_cost,
        "currency": plan.currency,
    }


def charging_location(charger: Charger, data: ConnectedEVData) -> str | None:
    """Return the location's name; "no location" when the charger is tied to none."""
    if charger.location_id is None:
        return NO_LOCATION
    location = data.location_of(charger)
    return location.name if location is not None else None


def location_options(data: ConnectedEVData) -> list[str]:
    """Return the states a charging-location sensor can take: the account's locations."""
    return [NO_LOCATION, *sorted({location.name for location in data.locations.values()})]


def charge_rate(state: VehicleChargeState | ChargerChargeState) -> float | None:
    """Return the rate in kW; 0 when the device says it is not charging.

    Providers send no rate (null) unless the device charges: shown as 0 kW, history graphs,
    power integrations and "charge rate above" automations see a device drawing nothing.
    """
    if state.charge_rate_kw is None and state.is_charging is False:
        return 0.0
    return state.charge_rate_kw


def power_delivery_state(state: PowerDeliveryState) -> str | None:
    """Return the stable key; the provider's "unknown" becomes Home Assistant's unknown."""
    return None if state is PowerDeliveryState.UNKNOWN else state.value


def plugged_in_charger(vehicle: Vehicle, data: ConnectedEVData) -> str | None:
    """Return the charger's name, else "not plugged in" or "another charger".

    A charger id the account does not list (being relinked, say) stays unknown.
    """
    charge_state = vehicle.charge_state
    if (charger_id := charge_state.plugged_in_charger_id) is None:
        if charge_state.is_plugged_in is None:
            return None
        return OTHER_CHARGER if charge_state.is_plugged_in else NOT_PLUGGED_IN
    charger = data.chargers.get(charger_id)
    return device_name(charger) if charger is not None else None


def charger_options(data: ConnectedEVData) -> list[str]:
    """Return the states a plugged-in-charger sensor can take: the account's chargers."""
    names = {device_name(charger) for charger in data.chargers.values()}
    return [NOT_PLUGGED_IN, OTHER_CHARGER, *sorted(names)]


def plugged_in_vehicle(charger: Charger, data: ConnectedEVData) -> str | None:
    """Return the vehicle's name; a vehicle the account does not list stays unknown."""
    vehicle_id = charger.charge_state.plugged_in_vehicle_id
    vehicle = data.vehicles.get(vehicle_id) if vehicle_id else None
    return device_name(vehicle) if vehicle is not None else None


@dataclass(frozen=True, kw_only=True)
class ConnectedEVSensorEntityDescription[DeviceT: Vehicle | Charger](SensorEntityDescription):
    """A sensor of a device: whether the device has it, and how to read it."""

    has_fn: Callable[[DeviceT], bool] = lambda _: True
    feature: ProviderFeature | None = None
    """The provider feature without which the value is never reported (no entity then)."""
    value_fn: Callable[[DeviceT, ConnectedEVData], StateType | datetime]
    attributes_fn: Callable[[DeviceT, ConnectedEVData], dict[str, Any]] | None = None
    options_fn: Callable[[ConnectedEVData], list[str]] | None = None
    """Enum options that follow the account (names of its chargers or locations)."""


SMART_CHARGING_STATUS = ConnectedEVSensorEntityDescription[Vehicle](
    key="smart_charging_status",
    translation_key="smart_charging_status",
    device_class=SensorDeviceClass.ENUM,
    options=SMART_CHARGING_STATES,
    value_fn=smart_charging_state,
    attributes_fn=smart_charging_plan,
)

CHARGING_LOCATION = ConnectedEVSensorEntityDescription[Charger](
    key="charging_location",
    translation_key="charging_location",
    device_class=SensorDeviceClass.ENUM,
    options_fn=location_options,
    value_fn=charging_location,
    attributes_fn=lambda charger, _: {"location_id": charger.location_id},
)


LIFETIME_ENERGY = SensorEntityDescription(
    key="lifetime_energy",
    translation_key="lifetime_energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=1,
)


def _session(vehicle: Vehicle) -> ChargingSession:
    return vehicle.charging_session or ChargingSession()


def _condition(vehicle: Vehicle) -> VehicleCondition:
    return vehicle.condition or VehicleCondition()


TELEMETRY_SENSORS: tuple[ConnectedEVSensorEntityDescription[Vehicle], ...] = (
    ConnectedEVSensorEntityDescription[Vehicle](
        key="session_start_level",
        translation_key="session_start_level",
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _session(vehicle).start_level,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="session_start",
        translation_key="session_start",
        device_class=SensorDeviceClass.TIMESTAMP,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _session(vehicle).started_at,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="session_energy",
        translation_key="session_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=1,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _session(vehicle).energy_added_kwh,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="time_to_80",
        translation_key="time_to_80",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        suggested_display_precision=0,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _session(vehicle).minutes_to_80,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="hv_battery_temperature",
        translation_key="hv_battery_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _condition(vehicle).hv_battery_temperature_c,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="low_voltage_battery",
        translation_key="low_voltage_battery",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda vehicle: vehicle.can(Capability.HEALTH),
        value_fn=lambda vehicle, _: _condition(vehicle).low_voltage_battery_v,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="fuel_level",
        translation_key="fuel_level",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        has_fn=lambda vehicle: vehicle.can(Capability.FUEL),
        value_fn=lambda vehicle, _: _condition(vehicle).fuel_level_percent,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        # From the vehicle's own counter (no statistics requests): the Energy dashboard's.
        key="lifetime_energy",
        translation_key="lifetime_energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=1,
        has_fn=lambda vehicle: vehicle.can(Capability.BATTERY),
        value_fn=lambda vehicle, _: _condition(vehicle).lifetime_charged_kwh,
    ),
)
"""What aftermarket telematics units report: the charging session, the battery's temperature,
the 12 V battery, fuel and the charged-energy counter. Gated on the capabilities that say a
vehicle reports them, so other providers' vehicles never get these entities."""

VEHICLE_SENSORS: tuple[ConnectedEVSensorEntityDescription[Vehicle], ...] = (
    ConnectedEVSensorEntityDescription[Vehicle](
        key="battery_level",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        has_fn=reports_battery,
        value_fn=lambda vehicle, _: vehicle.charge_state.battery_level,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="range",
        translation_key="range",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        has_fn=reports_battery,
        value_fn=lambda vehicle, _: vehicle.charge_state.range_km,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="charge_rate",
        translation_key="charge_rate",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=reports_battery,
        value_fn=lambda vehicle, _: charge_rate(vehicle.charge_state),
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="plugged_in_charger",
        translation_key="plugged_in_charger",
        device_class=SensorDeviceClass.ENUM,
        has_fn=reports_charge_state,
        feature=ProviderFeature.CHARGERS,
        options_fn=charger_options,
        value_fn=plugged_in_charger,
        attributes_fn=lambda vehicle, _: {"charger_id": vehicle.charge_state.plugged_in_charger_id},
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="charge_time_remaining",
        translation_key="charge_time_remaining",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        # Shown as hours and minutes ("1h 35m"): the frontend splits a duration in hours.
        suggested_unit_of_measurement=UnitOfTime.HOURS,
        suggested_display_precision=2,
        has_fn=reports_charge_state,
        value_fn=lambda vehicle, _: vehicle.charge_state.charge_time_remaining_min,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="charge_limit",
        translation_key="charge_limit",
        native_unit_of_measurement=PERCENTAGE,
        has_fn=reports_charge_state,
        feature=ProviderFeature.CHARGE_LIMIT,
        value_fn=lambda vehicle, _: vehicle.charge_state.charge_limit,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="battery_capacity",
        translation_key="battery_capacity",
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        has_fn=reports_battery,
        value_fn=lambda vehicle, _: vehicle.charge_state.battery_capacity_kwh,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="power_delivery_state",
        translation_key="power_delivery_state",
        device_class=SensorDeviceClass.ENUM,
        options=POWER_DELIVERY_STATES,
        has_fn=reports_charge_state,
        value_fn=lambda vehicle, _: power_delivery_state(vehicle.charge_state.power_delivery_state),
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="odometer",
        translation_key="odometer",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
        has_fn=lambda vehicle: vehicle.can(Capability.ODOMETER),
        value_fn=lambda vehicle, _: vehicle.odometer.distance_km if vehicle.odometer else None,
    ),
    # Where each data group carries its own timestamp: how old each part of the data is.
    ConnectedEVSensorEntityDescription[Vehicle](
        key="charge_state_updated",
        translation_key="charge_state_updated",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=reports_charge_state,
        feature=ProviderFeature.GROUP_TIMESTAMPS,
        value_fn=lambda vehicle, _: vehicle.charge_state.last_updated,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="location_updated",
        translation_key="location_updated",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda vehicle: vehicle.can(Capability.LOCATION),
        feature=ProviderFeature.GROUP_TIMESTAMPS,
        value_fn=lambda vehicle, _: vehicle.location.last_updated if vehicle.location else None,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="odometer_updated",
        translation_key="odometer_updated",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        has_fn=lambda vehicle: vehicle.can(Capability.ODOMETER),
        feature=ProviderFeature.GROUP_TIMESTAMPS,
        value_fn=lambda vehicle, _: vehicle.odometer.last_updated if vehicle.odometer else None,
    ),
    ConnectedEVSensorEntityDescription[Vehicle](
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda vehicle, _: vehicle.last_seen,
    ),
    *TELEMETRY_SENSORS,
)

CHARGER_SENSORS: tuple[ConnectedEVSensorEntityDescription[Charger], ...] = (
    ConnectedEVSensorEntityDescription[Charger](
        key="charge_rate",
        translation_key="charge_rate",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        has_fn=reports_charge_state,
        value_fn=lambda charger, _: charge_rate(charger.charge_state),
    ),
    ConnectedEVSensorEntityDescription[Charger](
        key="power_delivery_state",
        translation_key="power_delivery_state",
        device_class=SensorDeviceClass.ENUM,
        options=POWER_DELIVERY_STATES,
        has_fn=reports_charge_state,
        value_fn=lambda charger, _: power_delivery_state(charger.charge_state.power_delivery_state),
    ),
    ConnectedEVSensorEntityDescription[Charger](
        key="plugged_in_vehicle",
        translation_key="plugged_in_vehicle",
        has_fn=reports_charge_state,
        value_fn=plugged_in_vehicle,
        attributes_fn=lambda charger, _: {"vehicle_id": charger.charge_state.plugged_in_vehicle_id},
    ),
    ConnectedEVSensorEntityDescription[Charger](
        key="last_seen",
        translation_key="last_seen",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # A charger reports every poll whatever happens: only useful when debugging.
        entity_registry_enabled_default=False,
        value_fn=lambda charger, _: charger.last_seen,
    ),
)

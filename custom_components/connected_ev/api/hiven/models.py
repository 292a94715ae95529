"""Hiven-local models: what the shared models cannot (yet) express.

Enumerations carry Hiven's wire values and are lenient: an unknown value parses as
``UNKNOWN``. Conversions to the shared models live next to the data they convert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from ..models import (
    ChargingBehavior,
    ChargingPreferences,
    DeviceInformation,
    LenientEnum,
    MinimalSoc,
    PowerDeliveryState,
    SocUnit,
    Vehicle,
    VehicleChargeState,
    Weekday,
)
from .const import BRAND_NAMES, EV_DEVICE_TYPE


class HivenManufacturer(LenientEnum):
    """Vehicle manufacturers of the authorization URL call (the document's list)."""

    BMW = "BMW"
    CITROEN = "CITROEN"
    CUPRA = "CUPRA"
    DS = "DS"
    FORD = "FORD"
    HYUNDAI = "HYUNDAI"
    JAGUAR = "JAGUAR"
    KIA = "KIA"
    LAND_ROVER = "LANDROVER"
    MINI = "MINI"
    SKODA = "SKODA"
    TESLA = "TESLA"
    VOLKSWAGEN = "VOLKSWAGEN"
    UNKNOWN = "unknown"


class AuthorizationMode(StrEnum):
    """Smartcar mode: real vehicles, dummy test vehicles or simulated vehicles."""

    LIVE = "live"
    TEST = "test"
    SIMULATED = "simulated"


class ConnectOutcome(StrEnum):
    """What connecting a vehicle did (201 and 200 of the connect call)."""

    ADDED = "added"
    ALREADY_ADDED = "already_added"


class HivenChargingStatus(LenientEnum):
    """``chargingStatus`` of the vehicle status call."""

    CHARGING = "CHARGING"
    NOT_CHARGING = "NOT_CHARGING"
    COMPLETE = "COMPLETE"
    DISCONNECTED = "DISCONNECTED"
    PLUGGED = "PLUGGED"
    CHARGING_COMPLETED = "CHARGING_COMPLETED"
    UNKNOWN = "unknown"


class HivenChargingBehavior(LenientEnum):
    """``chargingBehavior`` of the charging preferences."""

    SMART_CHARGE_OFF = "SMART_CHARGE_OFF"
    SMART_CHARGE_AT_LOCATION = "SMART_CHARGE_AT_LOCATION"
    SMART_CHARGE_ANYWHERE = "SMART_CHARGE_ANYWHERE"
    UNKNOWN = "unknown"

    @property
    def shared(self) -> ChargingBehavior:
        """The provider-independent behaviour."""
        return _BEHAVIOR_TO_SHARED[self]

    @classmethod
    def from_shared(cls, behavior: ChargingBehavior) -> HivenChargingBehavior:
        """Hiven's value of a shared behaviour (``UNKNOWN`` for ``UNKNOWN``)."""
        for hiven, shared in _BEHAVIOR_TO_SHARED.items():
            if shared is behavior:
                return hiven
        return cls.UNKNOWN  # pragma: no cover - every shared member is mapped


_BEHAVIOR_TO_SHARED = {
    HivenChargingBehavior.SMART_CHARGE_OFF: ChargingBehavior.OFF,
    HivenChargingBehavior.SMART_CHARGE_AT_LOCATION: ChargingBehavior.AT_LOCATION,
    HivenChargingBehavior.SMART_CHARGE_ANYWHERE: ChargingBehavior.ANYWHERE,
    HivenChargingBehavior.UNKNOWN: ChargingBehavior.UNKNOWN,
}


class HivenSocUnit(LenientEnum):
    """Unit of a state-of-charge preference."""

    PERCENT = "PERCENT"
    KM = "KM"
    UNKNOWN = "unknown"

    @property
    def shared(self) -> SocUnit:
        """The provider-independent unit."""
        return SocUnit(self.value.lower())


class HivenCapability(LenientEnum):
    """What a vehicle model supports through Smartcar."""

    READ_LOCATION = "READ_LOCATION"
    EXECUTE_START_AND_STOP = "EXECUTE_START_AND_STOP"
    READ_BATTERY_CAPACITY = "READ_BATTERY_CAPACITY"
    UNKNOWN = "unknown"


class HivenVehicleType(LenientEnum):
    """Powertrain of a vehicle model in the capabilities list."""

    BEV = "BEV"
    PHEV = "PHEV"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ConnectResult:
    """The device id of a connected vehicle and whether it was new to the user."""

    device_id: str
    outcome: ConnectOutcome
    message: str | None = None

    @property
    def already_added(self) -> bool:
        """Whether the vehicle was already connected to this user (HTTP 200)."""
        return self.outcome is ConnectOutcome.ALREADY_ADDED


@dataclass(frozen=True, slots=True)
class SocLevel:
    """A state of charge in percent or in km of range (``targetSoC`` and ``minimalSoC``)."""

    value: float
    unit: HivenSocUnit = HivenSocUnit.PERCENT

    @property
    def shared(self) -> MinimalSoc:
        """The shared minimal-SoC model of this level."""
        return MinimalSoc(self.value, self.unit.shared)


@dataclass(frozen=True, slots=True)
class HivenEvPreferences:
    """A vehicle's smart-charging preferences as Hiven stores them (``None``: not set)."""

    charging_behavior: HivenChargingBehavior | None = None
    charging_location_ids: tuple[str, ...] | None = None
    charging_locations: tuple[HivenLocation, ...] | None = None
    minimal_soc: SocLevel | None = None
    target_soc: SocLevel | None = None
    ready_time: time | None = None
    weekday_ready_times: dict[Weekday, time] | None = None
    battery_capacity_kwh: float | None = None
    default_spot_price_area_id: str | None = None

    def to_shared(self) -> ChargingPreferences:
        """Convert to the shared model; a target in km has no shared field and is dropped."""
        target = self.target_soc
        return ChargingPreferences(
            behavior=None if self.charging_behavior is None else self.charging_behavior.shared,
            target_soc=(
                target.value if target is not None and target.unit is HivenSocUnit.PERCENT else None
            ),
            minimal_soc=None if self.minimal_soc is None else self.minimal_soc.shared,
            ready_time=self.ready_time,
            weekday_ready_times=self.weekday_ready_times,
            battery_capacity_kwh=self.battery_capacity_kwh,
            default_price_area=self.default_spot_price_area_id,
            charging_location_ids=self.charging_location_ids,
        )


@dataclass(frozen=True, slots=True)
class HivenDevice:
    """One item of the device list (vehicles and, ignored by this client, other types)."""

    id: str
    type: str | None
    integration: str | None = None
    user_id: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    year: int | None = None
    name: str | None = None
    vin: str | None = None
    engine_type: str | None = None
    device_type: str | None = None
    partner_id: str | None = None
    partner_name: str | None = None
    external_id: str | None = None
    created_at: datetime | None = None
    associated_to_charger: bool | None = None
    associated_charger_ids: tuple[str, ...] = ()
    location_supported: bool | None = None
    charging_preferences: HivenEvPreferences | None = None

    @property
    def is_vehicle(self) -> bool:
        """Whether the device is an EV (``type`` ``EV``)."""
        return (self.type or "").upper() == EV_DEVICE_TYPE

    def to_vehicle(self, default_user_id: str) -> Vehicle:
        """Convert to the shared vehicle (telemetry comes from the status call)."""
        vendor = self.manufacturer or "unknown"
        brand = None
        if self.manufacturer:
            brand = BRAND_NAMES.get(self.manufacturer.upper(), self.manufacturer)
        return Vehicle(
            id=self.id,
            user_id=self.user_id or default_user_id,
            vendor=vendor,
            last_seen=None,
            is_reachable=None,
            information=DeviceInformation(
                brand=brand,
                model=self.model,
                year=self.year,
                display_name=self.name,
                vin=self.vin,
            ),
            charge_state=VehicleChargeState(),
            charging_preferences=(
                None if self.charging_preferences is None else self.charging_preferences.to_shared()
            ),
        )


@dataclass(frozen=True, slots=True)
class HivenVehicleStatus:
    """Telemetry of a vehicle (the status call)."""

    id: str | None
    timestamp: datetime | None
    soc: float | None
    range_km: float | None
    charging_status: HivenChargingStatus
    battery_capacity_kwh: float | None

    def to_charge_state(self) -> VehicleChargeState:
        """Convert to the shared charge state (an unknown status leaves the rest unknown)."""
        plugged, charging, delivery = _STATUS_MAP[self.charging_status]
        return VehicleChargeState(
            battery_level=self.soc,
            range_km=self.range_km,
            is_plugged_in=plugged,
            is_charging=charging,
            is_fully_charged=(
                True
                if self.charging_status
                in (HivenChargingStatus.COMPLETE, HivenChargingStatus.CHARGING_COMPLETED)
                else None
            ),
            battery_capacity_kwh=self.battery_capacity_kwh,
            power_delivery_state=delivery,
            last_updated=self.timestamp,
        )


_STATUS_MAP: dict[HivenChargingStatus, tuple[bool | None, bool | None, PowerDeliveryState]] = {
    HivenChargingStatus.CHARGING: (True, True, PowerDeliveryState.PLUGGED_IN_CHARGING),
    # Not charging says nothing about the cable.
    HivenChargingStatus.NOT_CHARGING: (None, False, PowerDeliveryState.UNKNOWN),
    HivenChargingStatus.COMPLETE: (True, False, PowerDeliveryState.PLUGGED_IN_COMPLETE),
    HivenChargingStatus.CHARGING_COMPLETED: (True, False, PowerDeliveryState.PLUGGED_IN_COMPLETE),
    HivenChargingStatus.DISCONNECTED: (False, False, PowerDeliveryState.UNPLUGGED),
    HivenChargingStatus.PLUGGED: (True, False, PowerDeliveryState.PLUGGED_IN_STOPPED),
    HivenChargingStatus.UNKNOWN: (None, None, PowerDeliveryState.UNKNOWN),
}


@dataclass(frozen=True, slots=True)
class YearRange:
    """First and last model year (either may be unknown)."""

    start: int | None
    end: int | None


@dataclass(frozen=True, slots=True)
class VehicleModelCapabilities:
    """One vehicle model of the capabilities list and what it supports."""

    make: str
    model: str
    year_range: YearRange
    type: HivenVehicleType
    capabilities: frozenset[HivenCapability]


@dataclass(frozen=True, slots=True)
class HivenLocation:
    """A charging location: where smart charging applies, and its price area.

    ``id`` is the document's ``locationId`` (what ``chargingLocationIds`` refer to).
    """

    id: str
    latitude: float
    longitude: float
    name: str | None = None
    country_code: str | None = None
    postal_code: str | None = None
    spot_price_area_id: str | None = None

    def __repr__(self) -> str:
        """Leave the coordinates out of logs and tracebacks."""
        return f"HivenLocation(id={self.id!r}, spot_price_area_id={self.spot_price_area_id!r})"

"""Typed models shared by every provider client.

Provider modules translate their own JSON into these; Home Assistant code only ever sees
these. Enumerations are lenient: a value a provider adds later parses as ``UNKNOWN``.
Units are fixed by the field name (kW, kWh, km, minutes, percent, ampere).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import ClassVar, Self


class LenientEnum(StrEnum):
    """A string enum whose unknown values become ``UNKNOWN`` instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Self:
        return cls("unknown")


class DeviceKind(LenientEnum):
    """What a linked device is."""

    VEHICLE = "vehicle"
    CHARGER = "charger"
    UNKNOWN = "unknown"


class PowerDeliveryState(LenientEnum):
    """Where the energy flow between charger and vehicle stands (stable keys for HA enums)."""

    UNKNOWN = "unknown"
    UNPLUGGED = "unplugged"
    PLUGGED_IN_INITIALIZING = "plugged_in_initializing"
    PLUGGED_IN_CHARGING = "plugged_in_charging"
    PLUGGED_IN_STOPPED = "plugged_in_stopped"
    PLUGGED_IN_COMPLETE = "plugged_in_complete"
    PLUGGED_IN_NO_POWER = "plugged_in_no_power"
    PLUGGED_IN_FAULT = "plugged_in_fault"
    PLUGGED_IN_DISCHARGING = "plugged_in_discharging"


class Capability(LenientEnum):
    """Something a device can report or do; entities and actions are gated on these."""

    INFORMATION = "information"
    CHARGE_STATE = "charge_state"
    LOCATION = "location"
    ODOMETER = "odometer"
    START_CHARGING = "start_charging"
    STOP_CHARGING = "stop_charging"
    SMART_CHARGING = "smart_charging"
    SET_MAX_CURRENT = "set_max_current"
    BATTERY = "battery"
    """Battery level, range and charging, without the cable (``CHARGE_STATE`` has that too)."""
    FUEL = "fuel"
    IGNITION = "ignition"
    HEALTH = "health"
    """The 12 V battery and the dashboard's warning lamps (``VehicleCondition``)."""
    UNKNOWN = "unknown"


class ActionState(LenientEnum):
    """Lifecycle of a command sent to a device through the provider."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class ChargingCommand(LenientEnum):
    """The charging command an action carries out."""

    START = "start"
    STOP = "stop"
    UNKNOWN = "unknown"


class ActionFailure(LenientEnum):
    """Why an action failed or was cancelled."""

    NO_RESPONSE = "no_response"
    FAILED_PRECONDITION = "failed_precondition"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    UNNECESSARY = "unnecessary"
    REQUESTED_CANCELLATION = "requested_cancellation"
    UNKNOWN = "unknown"


class SmartChargingState(LenientEnum):
    """State of the provider's smart-charging engine for a vehicle (stable keys)."""

    DISABLED = "disabled"
    CONSIDERING = "considering"
    UNKNOWN = "unknown"
    PLAN_EXECUTING_STOPPING = "plan_executing_stopping"
    PLAN_EXECUTING_STOP_FAILED = "plan_executing_stop_failed"
    PLAN_EXECUTING_STOPPED = "plan_executing_stopped"
    PLAN_EXECUTING_STOPPED_AWAITING_PRICES = "plan_executing_stopped_awaiting_prices"
    PLAN_EXECUTING_STARTING = "plan_executing_starting"
    PLAN_EXECUTING_START_FAILED = "plan_executing_start_failed"
    PLAN_EXECUTING_STARTED = "plan_executing_started"
    PLAN_EXECUTING_CHARGE_INTERRUPTED = "plan_executing_charge_interrupted"
    PLAN_EXECUTING_OVERRIDDEN = "plan_executing_overridden"
    PLAN_ENDED_FINISHED = "plan_ended_finished"
    PLAN_ENDED_UNPLUGGED = "plan_ended_unplugged"
    PLAN_ENDED_FAILED = "plan_ended_failed"
    PLAN_ENDED_DISABLED = "plan_ended_disabled"
    PLAN_ENDED_DEADLINE_CHANGED = "plan_ended_deadline_changed"
    FULLY_CHARGED = "fully_charged"


class ChargingBehavior(LenientEnum):
    """When the provider's smart charging may plan a vehicle's charging."""

    OFF = "off"
    AT_LOCATION = "at_location"
    ANYWHERE = "anywhere"
    UNKNOWN = "unknown"


class SocUnit(LenientEnum):
    """What a minimal state of charge is measured in."""

    PERCENT = "percent"
    KM = "km"
    UNKNOWN = "unknown"


class Weekday(StrEnum):
    """Days of the week, Monday first (``datetime.weekday()`` is the index)."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @classmethod
    def of(cls, moment: datetime) -> Weekday:
        """Return the weekday of a (local) moment."""
        return list(cls)[moment.weekday()]


class PreferenceField(StrEnum):
    """A charging preference; the values are the action's field names.

    A provider lists the fields it honours natively. ``WEEKDAY_READY_TIMES`` absent but
    ``READY_TIME`` present means one daily deadline, which Home Assistant moves each day.
    """

    CHARGING_BEHAVIOR = "charging_behavior"
    TARGET_SOC = "target_soc"
    MINIMAL_SOC = "minimal_soc"
    READY_TIME = "ready_time"
    WEEKDAY_READY_TIMES = "weekday_ready_times"
    BATTERY_CAPACITY = "battery_capacity"
    DEFAULT_PRICE_AREA = "default_price_area"
    CHARGING_LOCATION_IDS = "charging_location_ids"


@dataclass(frozen=True, slots=True)
class MinimalSoc:
    """The charge smart charging always reaches first, in percent or km of range."""

    value: float
    unit: SocUnit = SocUnit.PERCENT


@dataclass(frozen=True, slots=True)
class ChargingPreferences:
    """A vehicle's smart-charging preferences, provider-independent (Hiven's richer shape).

    ``None`` means unknown or not offered by the provider. Weekday ready times override
    ``ready_time`` on their day; a missing day falls back to ``ready_time``.
    """

    behavior: ChargingBehavior | None = None
    target_soc: float | None = None
    minimal_soc: MinimalSoc | None = None
    ready_time: time | None = None
    weekday_ready_times: dict[Weekday, time] | None = None
    battery_capacity_kwh: float | None = None
    default_price_area: str | None = None
    charging_location_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargingPreferencesUpdate:
    """A partial change of preferences: ``None`` fields are not given and keep their value.

    ``weekday_ready_times`` replaces the whole weekly schedule (an empty mapping clears it).
    """

    behavior: ChargingBehavior | None = None
    target_soc: float | None = None
    minimal_soc: MinimalSoc | None = None
    ready_time: time | None = None
    weekday_ready_times: dict[Weekday, time] | None = None
    battery_capacity_kwh: float | None = None
    default_price_area: str | None = None
    charging_location_ids: tuple[str, ...] | None = None

    @property
    def fields(self) -> frozenset[PreferenceField]:
        """The fields this update gives."""
        values = {
            PreferenceField.CHARGING_BEHAVIOR: self.behavior,
            PreferenceField.TARGET_SOC: self.target_soc,
            PreferenceField.MINIMAL_SOC: self.minimal_soc,
            PreferenceField.READY_TIME: self.ready_time,
            PreferenceField.WEEKDAY_READY_TIMES: self.weekday_ready_times,
            PreferenceField.BATTERY_CAPACITY: self.battery_capacity_kwh,
            PreferenceField.DEFAULT_PRICE_AREA: self.default_price_area,
            PreferenceField.CHARGING_LOCATION_IDS: self.charging_location_ids,
        }
        return frozenset(name for name, value in values.items() if value is not None)


@dataclass(frozen=True, slots=True)
class DeviceInformation:
    """Identity of a device as the provider knows it; any field may be unknown."""

    brand: str | None = None
    model: str | None = None
    year: int | None = None
    display_name: str | None = None
    vin: str | None = None
    serial_number: str | None = None


@dataclass(frozen=True, slots=True)
class CapabilityInfo:
    """Whether a device can do one thing, and which interventions would unlock it."""

    is_capable: bool
    intervention_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GeoPosition:
    """A device's last known position; ``location_id`` is the charging location it is at."""

    latitude: float | None
    longitude: float | None
    last_updated: datetime | None = None
    location_id: str | None = None


@dataclass(frozen=True, slots=True)
class VehicleChargeState:
    """Battery and charging data of a vehicle."""

    battery_level: float | None = None
    range_km: float | None = None
    is_plugged_in: bool | None = None
    is_charging: bool | None = None
    is_fully_charged: bool | None = None
    battery_capacity_kwh: float | None = None
    charge_limit: float | None = None
    charge_rate_kw: float | None = None
    charge_time_remaining_min: float | None = None
    max_current_a: float | None = None
    power_delivery_state: PowerDeliveryState = PowerDeliveryState.UNKNOWN
    plugged_in_charger_id: str | None = None
    last_updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChargingSession:
    """The vehicle's current charging session, or its last one when ``ended_at`` is set."""

    start_level: float | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    energy_added_kwh: float | None = None
    minutes_to_80: float | None = None
    """Minutes until 80 % charge; ``None`` when unknown or already past 80 %."""


@dataclass(frozen=True, slots=True)
class VehicleCondition:
    """What the car's own sensors report besides charging (aftermarket telematics units)."""

    ignition_on: bool | None = None
    hv_battery_temperature_c: float | None = None
    low_voltage_battery_v: float | None = None
    """The 12 V battery's voltage."""
    fuel_level_percent: float | None = None
    warning_lamps: tuple[str, ...] | None = None
    """The names of the warning lamps lit now (``None``: not reported)."""
    healthy: bool | None = None
    """The provider's own verdict on the vehicle's health (``False``: something is wrong)."""
    lifetime_charged_kwh: float | None = None
    """Energy charged into the battery over the unit's life (a counter that only grows)."""


@dataclass(frozen=True, slots=True)
class ChargerChargeState:
    """Charging data of a charger."""

    is_plugged_in: bool | None = None
    is_charging: bool | None = None
    charge_rate_kw: float | None = None
    max_current_a: float | None = None
    power_delivery_state: PowerDeliveryState = PowerDeliveryState.UNKNOWN
    plugged_in_vehicle_id: str | None = None
    last_updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class SmartChargingPolicy:
    """A vehicle's smart-charging settings as the provider stores them."""

    is_enabled: bool
    deadline: str | None = None
    minimum_charge_limit: float = 0


@dataclass(frozen=True, slots=True)
class Odometer:
    """Distance travelled, in km."""

    distance_km: float | None
    last_updated: datetime | None = None


class _Capable:
    """What linked devices share: a capability map that gates entities and actions."""

    __slots__ = ()
    capabilities: dict[Capability, CapabilityInfo]

    def can(self, capability: Capability) -> bool:
        """Whether the device can do ``capability`` now."""
        info = self.capabilities.get(capability)
        return info is not None and info.is_capable


@dataclass(frozen=True, slots=True)
class Vehicle(_Capable):
    """A linked electric vehicle."""

    kind: ClassVar[DeviceKind] = DeviceKind.VEHICLE

    id: str
    user_id: str
    vendor: str
    last_seen: datetime | None
    is_reachable: bool | None
    information: DeviceInformation
    charge_state: VehicleChargeState
    capabilities: dict[Capability, CapabilityInfo] = field(default_factory=dict)
    smart_charging_policy: SmartChargingPolicy | None = None
    charging_preferences: ChargingPreferences | None = None
    odometer: Odometer | None = None
    location: GeoPosition | None = None
    scopes: tuple[str, ...] = ()
    charging_session: ChargingSession | None = None
    condition: VehicleCondition | None = None


@dataclass(frozen=True, slots=True)
class Charger(_Capable):
    """A linked home charger."""

    kind: ClassVar[DeviceKind] = DeviceKind.CHARGER

    id: str
    user_id: str
    vendor: str
    last_seen: datetime | None
    is_reachable: bool | None
    information: DeviceInformation
    charge_state: ChargerChargeState
    capabilities: dict[Capability, CapabilityInfo] = field(default_factory=dict)
    location_id: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargeAction:
    """A start/stop command and how far the provider got with it."""

    id: str
    user_id: str
    state: ActionState
    target_id: str
    target_kind: DeviceKind
    command: ChargingCommand
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    failure: ActionFailure | None = None
    failure_detail: str | None = None

    @property
    def is_final(self) -> bool:
        """Whether the action will not change state any more."""
        return self.state is not ActionState.PENDING


@dataclass(frozen=True, slots=True)
class MaxCurrentAction:
    """A command to change a device's maximum charging current."""

    id: str
    user_id: str
    state: ActionState
    target_id: str
    target_kind: DeviceKind
    max_current_a: float | None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    failure: ActionFailure | None = None
    failure_detail: str | None = None


@dataclass(frozen=True, slots=True)
class LinkSession:
    """Where to send the user's browser to link a device."""

    link_url: str
    link_token: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkOptions:
    """What a provider's authorization page may need besides the redirect (None: default).

    Providers that link through their own device picker (Enode) ignore these.
    """

    manufacturer: str | None = None
    country_code: str | None = None
    mode: str | None = None
    state: str | None = None
    model_id: str | None = None
    """The catalogue model the user picked (catalogue-then-authorize providers)."""
    label: str | None = None
    """The user's own name for the device, where the provider keeps one."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AddVehicleLink:
    """What a provider's add-vehicle page is prefilled with (``None``: not sent).

    ``query_type`` is ``vin`` or ``license_plate``: which of the two finds the vehicle.
    """

    query_type: str
    source: str
    vehicle_vin: str | None = None
    vehicle_country_code: str | None = None
    vehicle_license_plate: str | None = None
    vehicle_workshop_id: str | None = None
    vehicle_name: str | None = None
    vehicle_year: str | None = None
    vehicle_brand: str | None = None
    vehicle_unit_serial: str | None = None
    vehicle_fuel_type: str | None = None
    vehicle_engine_code: str | None = None
    customer_firstname: str | None = None
    customer_lastname: str | None = None
    customer_email: str | None = None
    customer_phone: str | None = None


@dataclass(frozen=True, slots=True)
class LinkResult:
    """A device linked by ``async_complete_link``, and whether the account already had it."""

    device_id: str
    already_linked: bool = False


class LinkStatus(LenientEnum):
    """Where a device's link to the account stands (providers that stream it)."""

    LINKING = "linking"
    """Created, waiting for the user to authorize it."""
    LINKED = "linked"
    REMOVING = "removing"
    REMOVED = "removed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DeviceStatusChange:
    """A live update: a device's link status changed (``LiveUpdates``)."""

    device_id: str
    status: LinkStatus


@dataclass(frozen=True, slots=True)
class LinkedVendor:
    """A vendor account the user linked, and whether its credentials still work."""

    vendor: str
    vendor_kind: DeviceKind
    is_valid: bool


@dataclass(frozen=True, slots=True)
class UserInfo:
    """The provider's view of the account user."""

    id: str
    linked_vendors: tuple[LinkedVendor, ...] = ()


@dataclass(frozen=True, slots=True)
class ChargingLocation:
    """A named place (home, work) that smart charging and chargers refer to."""

    id: str
    name: str
    latitude: float
    longitude: float
    timezone: str
    user_id: str | None = None
    created_at: datetime | None = None
    price_area: str | None = None


@dataclass(frozen=True, slots=True)
class SmartChargingPlan:
    """The provider's plan for the current charging session."""

    id: str | None
    location_id: str | None = None
    currency: str | None = None
    smart_cost: float | None = None
    non_smart_cost: float | None = None
    start_at: datetime | None = None
    stop_at: datetime | None = None
    estimated_finish_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SmartChargingStatus:
    """What smart charging is doing for a vehicle right now."""

    vehicle_id: str
    state: SmartChargingState
    state_changed_at: datetime | None = None
    plan: SmartChargingPlan | None = None
    at_charging_location: bool | None = None
    smart_override: SmartOverride | None = None


@dataclass(frozen=True, slots=True)
class SmartOverride:
    """A "charge now" override of smart charging."""

    target_id: str
    target_kind: DeviceKind
    vendor_action_id: str | None
    created_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Intervention:
    """Something the user must do to unlock a capability."""

    id: str
    title: str
    description: str
    vendor: str | None = None
    domain: str | None = None
    access: str | None = None
    agent: str | None = None
    needs_relink: bool = False


@dataclass(frozen=True, slots=True)
class Webhook:
    """A push subscription registered at the provider."""

    id: str
    url: str
    events: tuple[str, ...]
    is_active: bool
    last_success: datetime | None = None
    created_at: datetime | None = None
    api_version: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookTestResult:
    """Outcome of the provider's test delivery to a webhook."""

    success: bool
    description: str
    response_status: int | None = None


class PushEventKind(LenientEnum):
    """What a push event tells about."""

    DISCOVERED = "discovered"
    UPDATED = "updated"
    DELETED = "deleted"
    ACTION_UPDATED = "action_updated"
    CREDENTIALS_INVALIDATED = "credentials_invalidated"
    SMART_CHARGING_STATUS_UPDATED = "smart_charging_status_updated"
    HEARTBEAT = "heartbeat"
    TEST = "test"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class PushEvent:
    """One event of a push delivery, parsed; ``device_kind`` and the payload fit ``kind``."""

    kind: PushEventKind
    name: str
    created_at: datetime | None = None
    user_id: str | None = None
    device_kind: DeviceKind | None = None
    vehicle: Vehicle | None = None
    charger: Charger | None = None
    device_id: str | None = None
    updated_fields: tuple[str, ...] = ()
    action: ChargeAction | None = None
    vendor: str | None = None
    pending_events: int | None = None
    smart_charging_status: SmartChargingStatus | None = None


@dataclass(frozen=True, slots=True)
class PushDelivery:
    """A verified push delivery: its id (for de-duplication) and its events."""

    delivery_id: str | None
    events: tuple[PushEvent, ...]


class StatisticsResolution(StrEnum):
    """The length of the time buckets a provider adds statistics up in."""

    QUARTER_HOUR = "quarter_hour"
    HALF_HOUR = "half_hour"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class ChargingStatisticsEntry:
    """The energy a device charged in one time bucket that begins at ``start``.

    ``cost`` is what that energy cost in the provider's currency (``None``: not reported).
    """

    start: datetime
    energy_kwh: float
    cost: float | None = None


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a cursor-paginated list."""

    items: tuple[T, ...]
    next_cursor: str | None = None
    previous_cursor: str | None = None


class ConnectorType(LenientEnum):
    """Whether a connector is a hardware unit or a software link."""

    PHYSICAL = "physical"
    VIRTUAL = "virtual"
    UNKNOWN = "unknown"


class ConnectorAssignment(StrEnum):
    """Whom a connector is assigned to, seen from the account (the customer) itself."""

    THIS_CUSTOMER = "this_customer"
    OTHER_CUSTOMER = "other_customer"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True, slots=True)
class Connector:
    """A unit that lets a customer's vehicle be reached (a "remote"); never carries its PIN.

    The PIN stays inside the provider package, which alone checks it; what leaves it is this.
    """

    id: str
    name: str
    type: ConnectorType
    assignment: ConnectorAssignment
    hardware_version: str | None = None
    software_version: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectorFilter:
    """The documented filters of a connector listing (``None``: not filtered)."""

    assigned: bool | None = None
    customer_id: str | None = None
    name: str | None = None
    types: tuple[ConnectorType, ...] = ()


class ClaimRefusal(StrEnum):
    """Why a connector was not claimed or released (each a translated error)."""

    UNKNOWN_CONNECTOR = "unknown_connector"
    ALREADY_ASSIGNED = "already_assigned"
    WRONG_PIN = "wrong_pin"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    NOT_ASSIGNED_HERE = "not_assigned_here"

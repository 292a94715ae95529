"""Pure functions from Enode JSON (API version 2024-10-01) to the shared models.

Strict where a wrong value would make the model a lie: an object's identity (``id``,
``userId``, ``vendor``, ``targetId``), a list's ``data`` and the fields a model cannot do
without raise ``InvalidResponseError``. Lenient everywhere else, because Enode adds enum
values and devices report partial data: an optional field of the wrong type becomes
``None``, an unknown enum value becomes ``UNKNOWN``, an unknown capability is ignored.
Error messages name the object and field, never the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from ..errors import InvalidResponseError
from ..models import (
    ActionFailure,
    ActionState,
    Capability,
    CapabilityInfo,
    ChargeAction,
    Charger,
    ChargerChargeState,
    ChargingBehavior,
    ChargingCommand,
    ChargingLocation,
    ChargingPreferences,
    ChargingStatisticsEntry,
    DeviceInformation,
    DeviceKind,
    GeoPosition,
    Intervention,
    LenientEnum,
    LinkedVendor,
    LinkSession,
    MaxCurrentAction,
    MinimalSoc,
    Odometer,
    Page,
    PowerDeliveryState,
    SmartChargingPlan,
    SmartChargingPolicy,
    SmartChargingState,
    SmartChargingStatus,
    SmartOverride,
    SocUnit,
    UserInfo,
    Vehicle,
    VehicleChargeState,
    Webhook,
    WebhookTestResult,
)

type JsonObject = dict[str, Any]

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


# --- generic readers -------------------------------------------------------------------


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, dict):
        raise InvalidResponseError(f"Enode {what} is not a JSON object")
    return value


def _required_str(obj: JsonObject, key: str, what: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise InvalidResponseError(f"Enode {what}: '{key}' is missing or not a string")
    return value


def _required_id(obj: JsonObject, key: str, what: str) -> str:
    value = _required_str(obj, key, what)
    if not value:
        raise InvalidResponseError(f"Enode {what}: '{key}' is empty")
    return value


def _required_bool(obj: JsonObject, key: str, what: str) -> bool:
    value = obj.get(key)
    if not isinstance(value, bool):
        raise InvalidResponseError(f"Enode {what}: '{key}' is missing or not a boolean")
    return value


def _required_number(obj: JsonObject, key: str, what: str) -> float:
    value = _number(obj.get(key))
    if value is None:
        raise InvalidResponseError(f"Enode {what}: '{key}' is missing or not a number")
    return value


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _non_empty_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def parse_int(value: object) -> int | None:
    """Read an integral number as ``int``; anything else is ``None``."""
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def parse_timestamp(value: object) -> datetime | None:
    """Read an ISO 8601 timestamp as an aware datetime; no offset means UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _sub_object(value: object) -> JsonObject:
    """Return a nested object, or an empty one when it is null or of the wrong type."""
    return value if isinstance(value, dict) else {}


def parse_strings(value: object) -> tuple[str, ...]:
    """Read the strings of a JSON array (other items dropped); ``()`` for a non-array."""
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def enum_value[E: LenientEnum](enum: type[E], value: object) -> E:
    """Map an Enode enum string to ``enum``: ``PLUGGED_IN:CHARGING`` → ``plugged_in_charging``."""
    if not isinstance(value, str):
        return enum("unknown")
    return enum(value.replace(":", "_").lower())


def _optional[T](parse: Callable[[Any], T], value: object) -> T | None:
    """``parse(value)`` for an optional nested object; a malformed one is treated as absent."""
    if value is None:
        return None
    try:
        return parse(value)
    except InvalidResponseError:
        return None


# --- devices ---------------------------------------------------------------------------


def _capabilities(value: object) -> dict[Capability, CapabilityInfo]:
    """Known capabilities by key (``startCharging`` → ``START_CHARGING``); others ignored."""
    capabilities: dict[Capability, CapabilityInfo] = {}
    for key, item in _sub_object(value).items():
        capability = enum_value(Capability, _CAMEL_HUMP.sub(r"_\1", key))
        if capability is Capability.UNKNOWN or not isinstance(item, dict):
            continue
        is_capable = _bool(item.get("isCapable"))
        if is_capable is not None:
            capabilities[capability] = CapabilityInfo(
                is_capable, parse_strings(item.get("interventionIds"))
            )
    return capabilities


def _information(value: object) -> DeviceInformation:
    info = _sub_object(value)
    return DeviceInformation(
        brand=_str(info.get("brand")),
        model=_str(info.get("model")),
        year=parse_int(info.get("year")),
        display_name=_str(info.get("displayName")),
        vin=_str(info.get("vin")),
        serial_number=_str(info.get("serialNumber")),
    )


def parse_vehicle(data: object) -> Vehicle:
    """Parse a ``Vehicle`` object (also the ``vehicle`` of webhook events)."""
    obj = _object(data, "vehicle")
    charge = _sub_object(obj.get("chargeState"))
    odometer = obj.get("odometer")
    location = obj.get("location")
    policy = _optional(parse_smart_charging_policy, obj.get("smartChargingPolicy"))
    return Vehicle(
        id=_required_id(obj, "id", "vehicle"),
        user_id=_required_id(obj, "userId", "vehicle"),
        vendor=_required_str(obj, "vendor", "vehicle"),
        last_seen=parse_timestamp(obj.get("lastSeen")),
        is_reachable=_bool(obj.get("isReachable")),
        information=_information(obj.get("information")),
        charge_state=VehicleChargeState(
            battery_level=_number(charge.get("batteryLevel")),
            range_km=_number(charge.get("range")),
            is_plugged_in=_bool(charge.get("isPluggedIn")),
            is_charging=_bool(charge.get("isCharging")),
            is_fully_charged=_bool(charge.get("isFullyCharged")),
            battery_capacity_kwh=_number(charge.get("batteryCapacity")),
            charge_limit=_number(charge.get("chargeLimit")),
            charge_rate_kw=_number(charge.get("chargeRate")),
            charge_time_remaining_min=_number(charge.get("chargeTimeRemaining")),
            max_current_a=_number(charge.get("maxCurrent")),
            power_delivery_state=enum_value(PowerDeliveryState, charge.get("powerDeliveryState")),
            plugged_in_charger_id=_non_empty_str(charge.get("pluggedInChargerId")),
            last_updated=parse_timestamp(charge.get("lastUpdated")),
        ),
        capabilities=_capabilities(obj.get("capabilities")),
        smart_charging_policy=policy,
        charging_preferences=None if policy is None else preferences_from_policy(policy),
        odometer=(
            Odometer(
                distance_km=_number(odometer.get("distance")),
                last_updated=parse_timestamp(odometer.get("lastUpdated")),
            )
            if isinstance(odometer, dict)
            else None
        ),
        location=(
            GeoPosition(
                latitude=_number(location.get("latitude")),
                longitude=_number(location.get("longitude")),
                last_updated=parse_timestamp(location.get("lastUpdated")),
                location_id=_non_empty_str(location.get("id")),
            )
            if isinstance(location, dict)
            else None
        ),
        scopes=parse_strings(obj.get("scopes")),
    )


def parse_charger(data: object) -> Charger:
    """Parse a ``Charger`` object (also the ``charger`` of webhook events)."""
    obj = _object(data, "charger")
    charge = _sub_object(obj.get("chargeState"))
    return Charger(
        id=_required_id(obj, "id", "charger"),
        user_id=_required_id(obj, "userId", "charger"),
        vendor=_required_str(obj, "vendor", "charger"),
        last_seen=parse_timestamp(obj.get("lastSeen")),
        is_reachable=_bool(obj.get("isReachable")),
        information=_information(obj.get("information")),
        charge_state=ChargerChargeState(
            is_plugged_in=_bool(charge.get("isPluggedIn")),
            is_charging=_bool(charge.get("isCharging")),
            charge_rate_kw=_number(charge.get("chargeRate")),
            max_current_a=_number(charge.get("maxCurrent")),
            power_delivery_state=enum_value(PowerDeliveryState, charge.get("powerDeliveryState")),
            plugged_in_vehicle_id=_non_empty_str(charge.get("pluggedInVehicleId")),
            last_updated=parse_timestamp(charge.get("lastUpdated")),
        ),
        capabilities=_capabilities(obj.get("capabilities")),
        location_id=_non_empty_str(_sub_object(obj.get("location")).get("id")),
        scopes=parse_strings(obj.get("scopes")),
    )


# --- actions ---------------------------------------------------------------------------


def _failure(value: object) -> tuple[ActionFailure | None, str | None]:
    if not isinstance(value, dict):
        return None, None
    return enum_value(ActionFailure, value.get("type")), _str(value.get("detail"))


def parse_charge_action(data: object) -> ChargeAction:
    """Parse a ``ChargeAction`` (start/stop) of a vehicle or a charger."""
    obj = _object(data, "charge action")
    failure, failure_detail = _failure(obj.get("failureReason"))
    return ChargeAction(
        id=_required_id(obj, "id", "charge action"),
        # Required by the schema, yet missing from the spec's own charger-action example.
        user_id=_str(obj.get("userId")) or "",
        state=enum_value(ActionState, obj.get("state")),
        target_id=_required_id(obj, "targetId", "charge action"),
        target_kind=enum_value(DeviceKind, obj.get("targetType")),
        command=enum_value(ChargingCommand, obj.get("kind")),
        created_at=parse_timestamp(obj.get("createdAt")),
        updated_at=parse_timestamp(obj.get("updatedAt")),
        completed_at=parse_timestamp(obj.get("completedAt")),
        failure=failure,
        failure_detail=failure_detail,
    )


def parse_max_current_action(data: object) -> MaxCurrentAction:
    """Parse a ``MaxCurrentAction`` of a vehicle or a charger."""
    obj = _object(data, "max current action")
    failure, failure_detail = _failure(obj.get("failureReason"))
    return MaxCurrentAction(
        id=_required_id(obj, "id", "max current action"),
        user_id=_str(obj.get("userId")) or "",
        state=enum_value(ActionState, obj.get("state")),
        target_id=_required_id(obj, "targetId", "max current action"),
        target_kind=enum_value(DeviceKind, obj.get("targetType")),
        max_current_a=_number(_sub_object(obj.get("targetState")).get("maxCurrent")),
        created_at=parse_timestamp(obj.get("createdAt")),
        updated_at=parse_timestamp(obj.get("updatedAt")),
        completed_at=parse_timestamp(obj.get("completedAt")),
        failure=failure,
        failure_detail=failure_detail,
    )


def parse_action(data: object) -> ChargeAction | MaxCurrentAction:
    """Parse an action from the action endpoints, which return either kind."""
    obj = _object(data, "action")
    if "kind" in obj:
        return parse_charge_action(obj)
    if "targetState" in obj:
        return parse_max_current_action(obj)
    raise InvalidResponseError("Enode action is neither a charge nor a max current action")


# --- users and linking -----------------------------------------------------------------


def parse_link_session(data: object) -> LinkSession:
    """Parse the answer to a link or relink request."""
    obj = _object(data, "link session")
    return LinkSession(
        link_url=_required_id(obj, "linkUrl", "link session"),
        link_token=_non_empty_str(obj.get("linkToken")),
    )


def _linked_vendor(value: object) -> LinkedVendor | None:
    if not isinstance(value, dict):
        return None
    vendor = _non_empty_str(value.get("vendor"))
    is_valid = _bool(value.get("isValid"))
    if vendor is None or is_valid is None:
        return None
    return LinkedVendor(vendor, enum_value(DeviceKind, value.get("vendorType")), is_valid)


def parse_user(data: object) -> UserInfo:
    """Parse a user and the vendor accounts it linked (malformed entries dropped)."""
    obj = _object(data, "user")
    linked = obj.get("linkedVendors")
    vendors = (_linked_vendor(item) for item in linked) if isinstance(linked, list) else ()
    return UserInfo(
        id=_required_id(obj, "id", "user"),
        linked_vendors=tuple(vendor for vendor in vendors if vendor is not None),
    )


# --- locations -------------------------------------------------------------------------


def parse_location(data: object) -> ChargingLocation:
    """Parse a ``LocationResponse``; ``timezoneName`` defaults to UTC as documented."""
    obj = _object(data, "location")
    return ChargingLocation(
        id=_required_id(obj, "id", "location"),
        name=_required_str(obj, "name", "location"),
        latitude=_required_number(obj, "latitude", "location"),
        longitude=_required_number(obj, "longitude", "location"),
        timezone=_non_empty_str(obj.get("timezoneName")) or "UTC",
        user_id=_non_empty_str(obj.get("userId")),
        created_at=parse_timestamp(obj.get("createdAt")),
    )


# --- smart charging --------------------------------------------------------------------


def parse_smart_charging_policy(data: object) -> SmartChargingPolicy:
    """Parse a vehicle's smart-charging policy."""
    obj = _object(data, "smart charging policy")
    minimum = _number(obj.get("minimumChargeLimit"))
    return SmartChargingPolicy(
        is_enabled=_required_bool(obj, "isEnabled", "smart charging policy"),
        deadline=_non_empty_str(obj.get("deadline")),
        minimum_charge_limit=0.0 if minimum is None else minimum,
    )


def preferences_from_policy(policy: SmartChargingPolicy) -> ChargingPreferences:
    """Map Enode's policy to the shared preferences (percent minimum, one daily deadline).

    ``24:00`` is the same moment as the next ``00:00``, so it reads as midnight.
    """
    ready_time: time | None = None
    if policy.deadline is not None:
        hour, _, minute = policy.deadline.partition(":")
        if hour.isdigit() and minute.isdigit() and int(hour) <= 24 and int(minute) < 60:
            ready_time = time(int(hour) % 24, int(minute))
    return ChargingPreferences(
        behavior=ChargingBehavior.AT_LOCATION if policy.is_enabled else ChargingBehavior.OFF,
        minimal_soc=MinimalSoc(policy.minimum_charge_limit, SocUnit.PERCENT),
        ready_time=ready_time,
    )


def parse_smart_charging_plan(data: object) -> SmartChargingPlan:
    """Parse a smart-charging plan; fields may be missing while it is being computed."""
    obj = _object(data, "smart charging plan")
    return SmartChargingPlan(
        id=_non_empty_str(obj.get("id")),
        location_id=_non_empty_str(obj.get("locationId")),
        currency=_non_empty_str(obj.get("currency")),
        smart_cost=_number(obj.get("smartCost")),
        non_smart_cost=_number(obj.get("nonSmartCost")),
        start_at=parse_timestamp(obj.get("startAt")),
        stop_at=parse_timestamp(obj.get("stopAt")),
        estimated_finish_at=parse_timestamp(obj.get("estimatedFinishAt")),
        ended_at=parse_timestamp(obj.get("endedAt")),
    )


def parse_smart_override(data: object) -> SmartOverride:
    """Parse a "charge now" override (``SmartOverrideStatus``)."""
    obj = _object(data, "smart override")
    return SmartOverride(
        target_id=_required_id(obj, "targetId", "smart override"),
        target_kind=enum_value(DeviceKind, obj.get("targetType")),
        vendor_action_id=_non_empty_str(obj.get("vendorActionId")),
        created_at=parse_timestamp(obj.get("createdAt")),
        ended_at=parse_timestamp(obj.get("endedAt")),
    )


def parse_smart_charging_status(data: object) -> SmartChargingStatus:
    """Parse a vehicle's smart-charging status (also the payload of its webhook event)."""
    obj = _object(data, "smart charging status")
    consideration = _sub_object(obj.get("consideration"))
    return SmartChargingStatus(
        vehicle_id=_required_id(obj, "vehicleId", "smart charging status"),
        state=enum_value(SmartChargingState, obj.get("state")),
        state_changed_at=parse_timestamp(obj.get("stateChangedAt")),
        plan=_optional(parse_smart_charging_plan, obj.get("plan")),
        at_charging_location=_bool(consideration.get("atChargingLocation")),
        smart_override=_optional(parse_smart_override, obj.get("smartOverride")),
    )


# --- interventions ---------------------------------------------------------------------


def parse_intervention(data: object) -> Intervention:
    """Parse an intervention; ``resolution.action == "Link"`` means: relink."""
    obj = _object(data, "intervention")
    resolution = _object(obj.get("resolution"), "intervention resolution")
    return Intervention(
        id=_required_id(obj, "id", "intervention"),
        title=_required_str(resolution, "title", "intervention resolution"),
        description=_required_str(resolution, "description", "intervention resolution"),
        vendor=_non_empty_str(obj.get("vendor")),
        domain=_non_empty_str(obj.get("domain")),
        access=_non_empty_str(resolution.get("access")),
        agent=_non_empty_str(resolution.get("agent")),
        needs_relink=resolution.get("action") == "Link",
    )


def parse_interventions(data: object) -> list[Intervention]:
    """Parse the intervention list, a plain JSON array (not paginated)."""
    if not isinstance(data, list):
        raise InvalidResponseError("Enode intervention list is not a JSON array")
    return [parse_intervention(item) for item in data]


# --- webhooks --------------------------------------------------------------------------


def parse_webhook(data: object) -> Webhook:
    """Parse a ``WebhookResponse``; ``events`` defaults to every event as documented."""
    obj = _object(data, "webhook")
    events = obj.get("events")
    return Webhook(
        id=_required_id(obj, "id", "webhook"),
        url=_required_str(obj, "url", "webhook"),
        events=parse_strings(events) if isinstance(events, list) else ("*",),
        is_active=_required_bool(obj, "isActive", "webhook"),
        last_success=parse_timestamp(obj.get("lastSuccess")),
        created_at=parse_timestamp(obj.get("createdAt")),
        api_version=_non_empty_str(obj.get("apiVersion")),
    )


def parse_webhook_test_result(data: object) -> WebhookTestResult:
    """Parse a test delivery's outcome; ``response`` is null when nothing answered."""
    obj = _object(data, "webhook test result")
    return WebhookTestResult(
        success=_required_str(obj, "status", "webhook test result") == "SUCCESS",
        description=_str(obj.get("description")) or "",
        response_status=parse_int(_sub_object(obj.get("response")).get("code")),
    )


# --- statistics ------------------------------------------------------------------------


def parse_charging_statistics(data: object) -> list[ChargingStatisticsEntry]:
    """Parse a ``chargingStatisticsTimeseries``: a plain JSON array, one entry per bucket.

    ``kwhSum`` and ``date`` are required numbers/date-times: a bucket without them would make
    any sum of them a lie, so the whole answer is refused rather than read as zero.
    """
    if not isinstance(data, list):
        raise InvalidResponseError("Enode charging statistics is not a JSON array")
    return [_charging_statistics_entry(item) for item in data]


def _charging_statistics_entry(data: object) -> ChargingStatisticsEntry:
    what = "charging statistics entry"
    obj = _object(data, what)
    start = parse_timestamp(obj.get("date"))
    if start is None:
        raise InvalidResponseError(f"Enode {what}: 'date' is missing or not a date-time")
    return ChargingStatisticsEntry(
        start=start,
        energy_kwh=_required_number(obj, "kwhSum", what),
        # Required by the spec, but only the cost statistic needs it: without it, no cost.
        cost=_number(obj.get("costSum")),
    )


# --- pagination ------------------------------------------------------------------------


def parse_page[T](data: object, parse_item: Callable[[Any], T], what: str) -> Page[T]:
    """One page of a paginated list: ``{data: [...], pagination: {after, before}}``."""
    obj = _object(data, f"{what} list")
    items = obj.get("data")
    if not isinstance(items, list):
        raise InvalidResponseError(f"Enode {what} list: 'data' is missing or not an array")
    return page_of(obj, tuple(parse_item(item) for item in items))


def page_of[T](obj: JsonObject, items: tuple[T, ...]) -> Page[T]:
    """Return a page of items parsed already, with the cursors of the list's object."""
    pagination = _sub_object(obj.get("pagination"))
    return Page(
        items=items,
        next_cursor=_non_empty_str(pagination.get("after")),
        previous_cursor=_non_empty_str(pagination.get("before")),
    )

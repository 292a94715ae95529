"""Connected Cars GraphQL data → the shared models. Lenient: a field of the wrong type is unknown.

Choices where the API documents nothing (the local simulator agrees):

- Charge rate: Connected Cars has no power field. While ``isCharging``, the rate is the
  session's ``chargingStatus.averageChargeSpeed`` (read as kW, the session's average power);
  without it, the energy the session added (``chargeInKwhIncrease``) divided by the hours
  since ``startTime``, measured at the newest reading. Not charging: no rate (shown as 0 kW).
- ``timeUntil80PercentCharge`` is read as minutes.
- A vehicle reports a battery (``Capability.BATTERY``) once it sends a state of charge or is
  electric, fuel once it sends a fuel level; ignition, odometer, position and the 12 V
  battery come from the unit itself, so every vehicle has them. No field tells whether a cable
  is in, nor the charge limit: those stay unreported (no ``CHARGE_STATE`` capability).
- ``last_seen`` is the newest ``time`` of any reading (the unit reports every few seconds
  while driving, about every two hours when parked).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import InvalidResponseError
from ..models import (
    Capability,
    CapabilityInfo,
    ChargingSession,
    DeviceInformation,
    GeoPosition,
    Odometer,
    Vehicle,
    VehicleChargeState,
    VehicleCondition,
)
from .const import PROVIDER_NAME

ELECTRIC = "electric"
UNIT_CAPABILITIES = (
    Capability.INFORMATION,
    Capability.LOCATION,
    Capability.ODOMETER,
    Capability.IGNITION,
    Capability.HEALTH,
)
"""What every vehicle's telematics unit reports, whatever the drivetrain."""


def _object(value: Any, key: str) -> Mapping[str, Any]:
    field = value.get(key) if isinstance(value, Mapping) else None
    return field if isinstance(field, Mapping) else {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _time(value: Any) -> datetime | None:
    """Read an ISO 8601 instant; one without an offset is unreadable (never guessed)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _year(value: Any) -> int | None:
    number = _number(value)
    if number is None and isinstance(value, str) and value.strip().isdigit():
        number = float(value)
    return int(number) if number is not None and 1900 <= number <= 2200 else None


def _reading(raw: Mapping[str, Any], key: str, field: str) -> tuple[float | None, datetime | None]:
    value = _object(raw, key)
    return _number(value.get(field)), _time(value.get("time"))


def _newest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _lamps(raw: Any) -> tuple[str, ...] | None:
    """Name the lamps lit now (title, else type); ``None`` when lamps are not reported."""
    if not isinstance(raw, list):
        return None
    names: list[str] = []
    for lamp in raw:
        if isinstance(lamp, Mapping) and lamp.get("enabled") is True:
            name = _text(_object(lamp, "lampDetails").get("title")) or _text(lamp.get("type"))
            if name and name not in names:
                names.append(name)
    return tuple(names)


def _session(raw: Mapping[str, Any]) -> tuple[ChargingSession | None, float | None]:
    """Read the charging session and its average power (kW), if the vehicle reports one."""
    status = _object(raw, "chargingStatus")
    if not status:
        return None, None
    session = ChargingSession(
        start_level=_number(status.get("startChargePercentage")),
        started_at=_time(status.get("startTime")),
        ended_at=_time(status.get("endedAt")),
        energy_added_kwh=_number(status.get("chargeInKwhIncrease")),
        minutes_to_80=_number(status.get("timeUntil80PercentCharge")),
    )
    return session, _number(status.get("averageChargeSpeed"))


def _rate(
    is_charging: bool | None,
    session: ChargingSession | None,
    average_kw: float | None,
    measured_at: datetime | None,
) -> float | None:
    """While charging: the session's average power, else energy added over time elapsed."""
    if not is_charging or session is None:
        return None
    if average_kw is not None:
        return average_kw
    if (
        session.energy_added_kwh is None
        or session.started_at is None
        or measured_at is None
        or measured_at <= session.started_at
    ):
        return None
    hours = (measured_at - session.started_at).total_seconds() / 3600
    return round(session.energy_added_kwh / hours, 2)


def parse_vehicle(raw: Any, user_id: str) -> Vehicle:
    """One ``Vehicle`` object of the GraphQL response."""
    if not isinstance(raw, Mapping) or raw.get("id") in (None, ""):
        raise InvalidResponseError(f"{PROVIDER_NAME} returned a vehicle without an id")
    fuel_type = (_text(raw.get("fuelType")) or "").casefold()
    level, level_at = _reading(raw, "chargePercentage", "pct")
    range_km, range_at = _reading(raw, "rangeTotalKm", "km")
    capacity, capacity_at = _reading(raw, "highVoltageBatteryUsableCapacityKwh", "kwh")
    temperature, temperature_at = _reading(raw, "highVoltageBatteryTemperature", "celsius")
    charged, charged_at = _reading(raw, "carBatteryCharge", "kwh")
    odometer, odometer_at = _reading(raw, "odometer", "odometer")
    fuel, fuel_at = _reading(raw, "fuelPercentage", "percent")
    voltage, voltage_at = _reading(raw, "latestBatteryVoltage", "voltage")
    ignition = _object(raw, "ignition")
    ignition_at = _time(ignition.get("time"))
    position = _object(raw, "position")
    position_at = _time(position.get("time"))
    is_charging = _bool(raw.get("isCharging"))
    session, average_kw = _session(raw)
    last_seen = _newest(
        _time(raw.get("updateTime")),
        level_at,
        range_at,
        capacity_at,
        temperature_at,
        charged_at,
        odometer_at,
        fuel_at,
        voltage_at,
        ignition_at,
        position_at,
    )
    capabilities = set(UNIT_CAPABILITIES)
    if level is not None or fuel_type == ELECTRIC:
        capabilities.add(Capability.BATTERY)
    if fuel is not None:
        capabilities.add(Capability.FUEL)
    health = _object(raw, "health")
    brand = _text(raw.get("brand")) or _text(raw.get("make"))
    return Vehicle(
        id=str(raw["id"]),
        user_id=user_id,
        vendor=(brand or PROVIDER_NAME).upper(),
        last_seen=last_seen,
        is_reachable=None,
        information=DeviceInformation(
            brand=brand.title() if brand and brand.islower() else brand,
            model=_text(raw.get("model")),
            year=_year(raw.get("year")),
            display_name=_text(raw.get("name")) or _text(raw.get("licensePlate")),
            vin=_text(raw.get("vin")),
            serial_number=_text(raw.get("unitSerial")),
        ),
        charge_state=VehicleChargeState(
            battery_level=level,
            range_km=range_km,
            is_charging=is_charging,
            is_fully_charged=None,
            battery_capacity_kwh=capacity,
            charge_rate_kw=_rate(is_charging, session, average_kw, _newest(level_at, charged_at)),
            last_updated=_newest(level_at, range_at),
        ),
        capabilities={name: CapabilityInfo(is_capable=True) for name in sorted(capabilities)},
        odometer=Odometer(odometer, odometer_at) if odometer is not None else None,
        location=GeoPosition(
            latitude=_number(position.get("latitude")),
            longitude=_number(position.get("longitude")),
            last_updated=position_at,
        )
        if position
        else None,
        charging_session=session,
        condition=VehicleCondition(
            ignition_on=_bool(ignition.get("on")),
            hv_battery_temperature_c=temperature,
            low_voltage_battery_v=voltage,
            fuel_level_percent=fuel,
            warning_lamps=_lamps(raw.get("lampStates")),
            healthy=_bool(health.get("ok")),
            lifetime_charged_kwh=charged,
        ),
    )


def parse_vehicles(data: Any) -> tuple[str, list[Vehicle]]:
    """Read the ``Vehicles`` data: the user id and every vehicle (null vehicles skipped).

    A vehicle that cannot be read (no id) is skipped too, so one bad entry never hides the
    others.
    """
    viewer = _object(data, "viewer")
    if not viewer or viewer.get("id") in (None, ""):
        raise InvalidResponseError(f"{PROVIDER_NAME} returned no user")
    user_id = str(viewer["id"])
    relations = viewer.get("vehicles")
    if not isinstance(relations, list):
        raise InvalidResponseError(f"{PROVIDER_NAME} returned no vehicle list")
    vehicles: list[Vehicle] = []
    seen: set[str] = set()
    for relation in relations:
        raw = _object(relation, "vehicle")
        if not raw or raw.get("id") in (None, ""):
            continue
        vehicle = parse_vehicle(raw, user_id)
        if vehicle.id not in seen:
            seen.add(vehicle.id)
            vehicles.append(vehicle)
    return user_id, vehicles


def parse_organizations(data: Any) -> dict[str, tuple[str, str]]:
    """``globalOrganizations``: organization key → (API origin, Auth API origin)."""
    organizations = data.get("globalOrganizations") if isinstance(data, Mapping) else None
    if not isinstance(organizations, list):
        raise InvalidResponseError(f"{PROVIDER_NAME} returned no organizations")
    result: dict[str, tuple[str, str]] = {}
    for organization in organizations:
        if not isinstance(organization, Mapping):
            continue
        key = _text(organization.get("key"))
        api = _text(organization.get("apiDomain"))
        auth = _text(organization.get("authApiDomain"))
        if key and api and auth:
            result[key] = (origin_of(api), origin_of(auth))
    if not result:
        raise InvalidResponseError(f"{PROVIDER_NAME} returned no organizations")
    return result


def origin_of(domain: str) -> str:
    """``https://<domain>`` for a bare domain; a value with a scheme is taken as it is."""
    domain = domain.strip().rstrip("/")
    return domain if "://" in domain else f"https://{domain}"

"""Simulated vehicles: an OBD unit that reports while driving, parked and charging.

A vehicle is in one *mode* (parked, driving, charging) since a moment; its physical state at
any later time follows from the state at that moment, so the simulation is exact for any
clock jump. What the API shows is the state at the unit's **last report**: every 5 s while
driving (GPS sampling, push-v2 docs), about every 2 h while parked (the unit wakes up), and
every 5 min while charging (not documented; chosen). A mode change or an admin change is a
report of its own. Driving ends by itself when the battery (EV) or the tank is nearly empty,
charging when the battery is full.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import isoformat

PARKED, DRIVING, CHARGING = "parked", "driving", "charging"
MODES = (PARKED, DRIVING, CHARGING)
REPORT_PERIOD_S = {DRIVING: 5.0, PARKED: 2 * 3600.0, CHARGING: 300.0}
DRIVE_SPEED_KMH = 50.0
LOOP_RADIUS_KM = 3.0
KM_PER_DEGREE = 111.32
EV_FLOOR_PCT = 3.0
"""A driving EV parks itself at this state of charge (the driver stops to charge)."""
FUEL_FLOOR_L = 1.0
REST_VOLTAGE = 12.6
CHARGING_VOLTAGE = 14.2
"""While the engine runs or the car charges, the 12 V battery sits at charging voltage."""
HV_TEMPERATURE_C = {PARKED: 18.0, DRIVING: 27.0, CHARGING: 31.0}
FUEL_TYPES = (
    "diesel",
    "gasoline",
    "electric",
    "hybrid",
    "hybrid_diesel",
    "natural_gas",
    "hydrogen",
)
LAMPS: dict[str, tuple[str, str]] = {
    "engine": ("Engine warning", "Have the engine checked by a workshop"),
    "tirePressure": ("Tire pressure", "Check the tire pressure"),
    "brakeFluid": ("Brake fluid", "Top up the brake fluid"),
    "oilLevel": ("Oil level", "Top up the engine oil"),
}
"""Lamp types the sandbox reports (the real ``type`` values are not published; chosen)."""


class FleetError(Exception):
    """A request the sandbox refuses: HTTP ``status`` and the ``{message, type}`` body."""

    def __init__(self, status: int, message: str, kind: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Spec:
    """A vehicle model: battery, tank and consumption."""

    brand: str
    model: str
    year: int
    fuel_type: str
    capacity_kwh: float | None = None
    ev_range_km: float | None = None
    tank_l: float | None = None
    fuel_l_per_km: float = 0.0
    charge_kw: float = 0.0

    @property
    def has_battery(self) -> bool:
        """Return True for an EV or a plug-in hybrid."""
        return self.capacity_kwh is not None

    @property
    def kwh_per_km(self) -> float:
        """Energy used per km on electricity."""
        return (self.capacity_kwh or 0.0) / (self.ev_range_km or 1.0)


SPECS: dict[str, Spec] = {
    "electric": Spec("volkswagen", "ID.4 Pro", 2023, "electric", 77.0, 520.0, charge_kw=11.0),
    "hybrid": Spec("skoda", "Octavia iV", 2022, "hybrid", 13.0, 60.0, 45.0, 0.055, charge_kw=3.6),
    "gasoline": Spec("seat", "Leon 1.5 TSI", 2021, "gasoline", tank_l=50.0, fuel_l_per_km=0.06),
    "diesel": Spec("volkswagen", "Passat 2.0 TDI", 2020, "diesel", tank_l=66.0, fuel_l_per_km=0.05),
}


@dataclass(slots=True)
class ChargeSession:
    """One charging session: where it started, its power and when it ended."""

    start_pct: float
    start_time: float
    power_kw: float
    ended_at: float | None = None
    end_pct: float | None = None


@dataclass(slots=True)
class Physics:
    """The physical state of a vehicle at one moment."""

    soc: float | None
    fuel_l: float | None
    odometer_km: float
    latitude: float
    longitude: float
    direction: float
    charged_kwh_total: float


@dataclass(slots=True)
class Vehicle:
    """A simulated car with a Connected Cars unit, owned by a user of one organization."""

    id: str
    organization: str
    vin: str
    license_plate: str
    spec: Spec
    unit_serial: str
    name: str
    since: float
    base: Physics
    owner: int | None = None
    mode: str = PARKED
    rest_voltage: float = REST_VOLTAGE
    loop_center: tuple[float, float] = (0.0, 0.0)
    loop_angle: float = 0.0
    lamps: dict[str, tuple[bool, float]] = field(default_factory=dict)
    session: ChargeSession | None = None

    # --- physics -----------------------------------------------------------------------

    def _drive_km(self, seconds: float) -> float:
        return DRIVE_SPEED_KMH * max(0.0, seconds) / 3600.0

    def physics_at(self, moment: float) -> Physics:
        """Return the state at ``moment`` (>= ``since``) within the current mode."""
        base = self.base
        elapsed = max(0.0, moment - self.since)
        if self.mode == DRIVING:
            km = self._drive_km(elapsed)
            soc, fuel, electric_km = base.soc, base.fuel_l, 0.0
            if soc is not None and self.spec.capacity_kwh:
                usable_km = (soc / 100.0) * self.spec.capacity_kwh / self.spec.kwh_per_km
                electric_km = min(km, usable_km) if self.spec.tank_l else km
                soc = max(
                    0.0, soc - electric_km * self.spec.kwh_per_km / self.spec.capacity_kwh * 100
                )
            if fuel is not None:
                fuel = max(0.0, fuel - (km - electric_km) * self.spec.fuel_l_per_km)
            angle = self.loop_angle + km / LOOP_RADIUS_KM
            lat0, lon0 = self.loop_center
            latitude = lat0 + LOOP_RADIUS_KM * math.cos(angle) / KM_PER_DEGREE
            cos_lat = max(0.01, math.cos(math.radians(latitude)))
            longitude = lon0 + LOOP_RADIUS_KM * math.sin(angle) / (KM_PER_DEGREE * cos_lat)
            direction = (math.degrees(angle) + 90.0) % 360.0
            return Physics(
                soc,
                fuel,
                base.odometer_km + km,
                latitude,
                longitude,
                direction,
                base.charged_kwh_total,
            )
        if self.mode == CHARGING and self.session is not None and base.soc is not None:
            capacity = self.spec.capacity_kwh or 1.0
            kwh = min(self.session.power_kw * elapsed / 3600.0, capacity * (100 - base.soc) / 100)
            return Physics(
                base.soc + kwh / capacity * 100,
                base.fuel_l,
                base.odometer_km,
                base.latitude,
                base.longitude,
                base.direction,
                base.charged_kwh_total + kwh,
            )
        return Physics(
            base.soc,
            base.fuel_l,
            base.odometer_km,
            base.latitude,
            base.longitude,
            base.direction,
            base.charged_kwh_total,
        )

    def mode_ends_at(self) -> float | None:
        """When the current mode ends by itself (battery or tank empty, battery full)."""
        base = self.base
        if self.mode == CHARGING and self.session is not None and base.soc is not None:
            capacity = self.spec.capacity_kwh or 0.0
            return self.since + capacity * (100 - base.soc) / 100 / self.session.power_kw * 3600
        if self.mode != DRIVING:
            return None
        spec = self.spec
        if spec.tank_l is not None and base.fuel_l is not None:
            electric_km = 0.0
            if base.soc is not None and spec.capacity_kwh:
                electric_km = (base.soc / 100) * spec.capacity_kwh / spec.kwh_per_km
            fuel_km = max(0.0, base.fuel_l - FUEL_FLOOR_L) / spec.fuel_l_per_km
            km = electric_km + fuel_km
        elif base.soc is not None and spec.capacity_kwh:
            km = max(0.0, base.soc - EV_FLOOR_PCT) / 100 * spec.capacity_kwh / spec.kwh_per_km
        else:  # pragma: no cover - every spec has a battery or a tank
            return None
        return self.since + km / DRIVE_SPEED_KMH * 3600

    def switch(self, mode: str, moment: float, *, power_kw: float | None = None) -> None:
        """Commit the state at ``moment`` and continue in ``mode`` from then (a report)."""
        if mode == CHARGING and not self.spec.has_battery:
            raise FleetError(409, "A combustion car cannot charge", "not_chargeable")
        driven_km = self._drive_km(moment - self.since) if self.mode == DRIVING else 0.0
        self.base = self.physics_at(moment)
        if self.mode == CHARGING and mode != CHARGING:
            self._end_session(moment)
        if mode == DRIVING and self.mode == DRIVING:
            self.loop_angle += driven_km / LOOP_RADIUS_KM  # keep going round the same loop
        elif mode == DRIVING:
            # A loop through where the car stands: it drives round it, north of the centre.
            self.loop_center = (
                self.base.latitude - LOOP_RADIUS_KM / KM_PER_DEGREE,
                self.base.longitude,
            )
            self.loop_angle = 0.0
        if mode == CHARGING and (self.mode != CHARGING or power_kw is not None):
            self._end_session(moment)
            soc = self.base.soc if self.base.soc is not None else 0.0
            self.session = ChargeSession(soc, moment, power_kw or self.spec.charge_kw)
        self.mode = mode
        self.since = moment

    def _end_session(self, moment: float) -> None:
        session = self.session
        if session is not None and session.ended_at is None:
            session.ended_at = moment
            session.end_pct = self.base.soc

    def simulate(self, now: float) -> None:
        """Let modes end by themselves up to ``now``."""
        ends = self.mode_ends_at()
        if ends is not None and ends <= now:
            self.switch(PARKED, ends)

    # --- what the unit reports ---------------------------------------------------------

    def last_report(self, now: float) -> float:
        """Return the time of the unit's latest report at ``now``."""
        period = REPORT_PERIOD_S[self.mode]
        return self.since + math.floor(max(0.0, now - self.since) / period) * period

    def graphql(self, now: float) -> dict[str, Any]:
        """Return the vehicle as the GraphQL API shows it: the values of its last report."""
        reported = self.last_report(now)
        state = self.physics_at(reported)
        at = isoformat(reported)
        spec = self.spec
        ev = spec.has_battery and state.soc is not None
        soc = state.soc or 0.0
        data: dict[str, Any] = {
            "id": self.id,
            "vin": self.vin,
            "licensePlate": self.license_plate,
            "name": self.name,
            "brand": spec.brand,
            "make": spec.brand.title(),
            "model": spec.model,
            "year": spec.year,
            "fuelType": spec.fuel_type,
            "unitSerial": self.unit_serial,
            "updateTime": at,
            "position": {
                "latitude": round(state.latitude, 6),
                "longitude": round(state.longitude, 6),
                "speed": DRIVE_SPEED_KMH if self.mode == DRIVING else 0.0,
                "direction": round(state.direction, 1),
                "time": at,
            },
            "odometer": {"odometer": round(state.odometer_km, 1), "time": at},
            "ignition": {"on": self.mode == DRIVING, "time": at},
            "latestBatteryVoltage": {"voltage": self.voltage(), "time": at},
            "lampStates": self.lamp_states(),
            "health": {"ok": not any(on for on, _ in self.lamps.values())},
            "isCharging": (self.mode == CHARGING) if ev else None,
            "chargePercentage": {"pct": round(soc, 1), "time": at} if ev else None,
            "rangeTotalKm": {"km": round(self.range_km(state), 1), "time": at} if ev else None,
            "chargingStatus": self.charging_status(reported, state) if ev else None,
            "highVoltageBatteryUsableCapacityKwh": (
                {"kwh": spec.capacity_kwh, "time": at} if ev else None
            ),
            "highVoltageBatteryTemperature": (
                {"celsius": HV_TEMPERATURE_C[self.mode], "time": at} if ev else None
            ),
            "carBatteryCharge": (
                {"kwh": round(state.charged_kwh_total, 3), "time": at} if ev else None
            ),
            "fuelLevel": None,
            "fuelPercentage": None,
        }
        if spec.tank_l is not None and state.fuel_l is not None:
            data["fuelLevel"] = {"liter": round(state.fuel_l, 1), "time": at}
            data["fuelPercentage"] = {
                "percent": round(state.fuel_l / spec.tank_l * 100, 1),
                "time": at,
            }
        return data

    def voltage(self) -> float:
        """12 V battery voltage: charging voltage while running or charging."""
        return CHARGING_VOLTAGE if self.mode != PARKED else round(self.rest_voltage, 2)

    def range_km(self, state: Physics) -> float:
        """Total range: electric plus, for a hybrid, what the tank gives."""
        electric = (state.soc or 0.0) / 100 * (self.spec.ev_range_km or 0.0)
        fuel = 0.0
        if state.fuel_l is not None and self.spec.fuel_l_per_km:
            fuel = state.fuel_l / self.spec.fuel_l_per_km
        return electric + fuel

    def lamp_states(self) -> list[dict[str, Any]]:
        """Every lamp the unit knows, on or off."""
        return [
            {
                "type": lamp,
                "enabled": self.lamps.get(lamp, (False, self.since))[0],
                "time": isoformat(self.lamps.get(lamp, (False, self.since))[1]),
                "lampDetails": {"title": title, "subtitle": subtitle},
            }
            for lamp, (title, subtitle) in LAMPS.items()
        ]

    def charging_status(self, reported: float, state: Physics) -> dict[str, Any] | None:
        """Return the current session while charging, else the last one (``None`` before any)."""
        session = self.session
        if session is None:
            return None
        capacity = self.spec.capacity_kwh or 1.0
        end = session.ended_at if session.ended_at is not None else reported
        pct = state.soc if session.end_pct is None else session.end_pct
        pct = pct or 0.0
        kwh = (pct - session.start_pct) / 100 * capacity
        hours = (end - session.start_time) / 3600
        until_80: float | None = None
        if session.ended_at is None and pct < 80:
            until_80 = round((80 - pct) / 100 * capacity / session.power_kw * 60, 1)
        return {
            "startChargePercentage": round(session.start_pct, 1),
            "startTime": isoformat(session.start_time),
            "endedAt": None if session.ended_at is None else isoformat(session.ended_at),
            "chargedPercentage": round(pct - session.start_pct, 1),
            "averageChargeSpeed": round(kwh / hours, 2) if hours > 0 else 0.0,
            "chargeInKwhIncrease": round(kwh, 3),
            "rangeIncrease": round(
                (pct - session.start_pct) / 100 * (self.spec.ev_range_km or 0), 1
            ),
            "timeUntil80PercentCharge": until_80,
            "showSummaryForChargeEnded": session.ended_at is not None,
        }

    def summary(self, now: float) -> dict[str, Any]:
        """Return the admin view: identity, owner, mode and the last report."""
        return {
            "organization": self.organization,
            "owner": self.owner,
            "mode": self.mode,
            "since": isoformat(self.since),
            **self.graphql(now),
        }

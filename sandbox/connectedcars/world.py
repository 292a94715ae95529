"""Everything the Connected Cars sandbox simulates: accounts and each organization's vehicles.

Vehicle ids are small integers shown as strings and counted per organization, so the same
id exists in two organizations (as in the real API, where ids are unique only within an
``organizationKey``). Every read first brings the fleet up to the clock's "now".
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.clock import SimClock
from sandbox.connectedcars.accounts import ORGANIZATIONS, Accounts, User
from sandbox.connectedcars.fleet import (
    FUEL_TYPES,
    LAMPS,
    MODES,
    SPECS,
    FleetError,
    Physics,
    Spec,
    Vehicle,
)

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "sandbox-password"  # noqa: S105 - a published sandbox credential
EMPTY_EMAIL = "empty@example.com"
HOMES = {"semler": (55.6761, 12.5683), "vwaustralia": (-33.8688, 151.2093)}
VIN_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
WMI = {"volkswagen": "WVW", "skoda": "TMB", "seat": "VSS"}
VOLTAGE_RANGE = (0.0, 16.0)


def spec_for(fuel_type: str) -> Spec:
    """Return the model simulated for a fuel type (hybrids charge; other fuels burn)."""
    if fuel_type not in FUEL_TYPES:
        raise FleetError(
            400, "fuelType must be one of " + ", ".join(FUEL_TYPES), "validation_error"
        )
    if fuel_type in SPECS:
        return SPECS[fuel_type]
    return SPECS["hybrid" if fuel_type.startswith("hybrid") else "gasoline"]


class World:
    """Accounts, vehicles and the clock they live on."""

    def __init__(self, clock: SimClock, *, seed: int = 0) -> None:
        self.clock = clock
        self.accounts = Accounts(clock)
        self.vehicles: dict[str, dict[str, Vehicle]] = {key: {} for key in ORGANIZATIONS}
        self._next_id = dict.fromkeys(ORGANIZATIONS, 1)
        self._random = random.Random(seed)  # noqa: S311 - simulated data, not security

    def simulate(self) -> None:
        """Bring every vehicle up to now (drives and charges end by themselves)."""
        now = self.clock.now()
        for fleet in self.vehicles.values():
            for vehicle in fleet.values():
                vehicle.simulate(now)

    # --- vehicles ----------------------------------------------------------------------

    def _vin(self, brand: str) -> str:
        tail = "".join(self._random.choice(VIN_CHARACTERS) for _ in range(11))
        return WMI.get(brand, "WVW") + "ZZZ" + tail

    def add_vehicle(
        self,
        user: User | None,
        organization: str,
        fuel_type: str = "electric",
        *,
        vin: str | None = None,
        license_plate: str | None = None,
        name: str | None = None,
    ) -> Vehicle:
        """Create a vehicle in an organization, owned by ``user`` (or nobody yet)."""
        spec = spec_for(fuel_type)
        if vin is not None and any(v.vin == vin for v in self.vehicles[organization].values()):
            raise FleetError(409, "A vehicle with this VIN already exists", "vehicle_exists")
        number = self._next_id[organization]
        self._next_id[organization] = number + 1
        now = self.clock.now()
        latitude, longitude = HOMES.get(organization, HOMES["semler"])
        soc = 64.0 if spec.has_battery else None
        fuel = spec.tank_l * 0.7 if spec.tank_l is not None else None
        plate = license_plate or (
            "".join(self._random.choice("ABCDEFGHJKLMNPRSTUVXYZ") for _ in range(2))
            + f"{self._random.randrange(10000, 99999)}"
        )
        vehicle = Vehicle(
            id=str(number),
            organization=organization,
            vin=vin or self._vin(spec.brand),
            license_plate=plate,
            spec=spec,
            unit_serial=str(self._random.randrange(10_000_000, 99_999_999)),
            name=name or f"{spec.brand.title()} {spec.model}",
            since=now,
            base=Physics(
                soc=soc,
                fuel_l=fuel,
                odometer_km=round(self._random.uniform(8_000, 60_000), 1),
                latitude=latitude + number * 0.001,
                longitude=longitude,
                direction=0.0,
                charged_kwh_total=round(self._random.uniform(1_000, 9_000), 1)
                if spec.has_battery
                else 0.0,
            ),
            owner=None if user is None else user.id,
        )
        self.vehicles[organization][vehicle.id] = vehicle
        return vehicle

    def claim(
        self, user: User, *, vin: str | None = None, license_plate: str | None = None
    ) -> Vehicle | None:
        """Give the user a vehicle nobody owns yet with this VIN or plate (a fitted unit)."""
        for vehicle in self.vehicles[user.organization].values():
            if vehicle.owner is None and (
                (vin is not None and vehicle.vin == vin)
                or (license_plate is not None and vehicle.license_plate == license_plate)
            ):
                vehicle.owner = user.id
                return vehicle
        return None

    def vehicle(self, organization: str, vehicle_id: str) -> Vehicle:
        """Return a vehicle of an organization, else 404."""
        vehicle = self.vehicles.get(organization, {}).get(vehicle_id)
        if vehicle is None:
            raise FleetError(404, "Vehicle could not be found", "vehicle_not_found")
        return vehicle

    def remove_vehicle(self, organization: str, vehicle_id: str) -> None:
        """Delete a vehicle (its owner no longer sees it)."""
        self.vehicle(organization, vehicle_id)
        del self.vehicles[organization][vehicle_id]

    def vehicles_of(self, user: User) -> list[Vehicle]:
        """Return the user's vehicles, oldest first (the first is the primary one)."""
        fleet = self.vehicles.get(user.organization, {})
        return [v for v in fleet.values() if v.owner == user.id]

    def set_mode(
        self, organization: str, vehicle_id: str, mode: str, *, power_kw: float | None = None
    ) -> Vehicle:
        """Start driving, park or start charging now."""
        if mode not in MODES:  # pragma: no cover - the admin routes only pass known modes
            raise FleetError(400, "unknown mode", "validation_error")
        self.simulate()
        vehicle = self.vehicle(organization, vehicle_id)
        vehicle.switch(mode, self.clock.now(), power_kw=power_kw)
        return vehicle

    def patch(self, organization: str, vehicle_id: str, body: dict[str, Any]) -> Vehicle:
        """Set state of charge, fuel, 12 V voltage or lamps; the unit reports it at once."""
        self.simulate()
        vehicle = self.vehicle(organization, vehicle_id)
        now = self.clock.now()
        vehicle.switch(vehicle.mode, now)
        if "soc" in body:
            if vehicle.base.soc is None:
                raise FleetError(409, "This vehicle has no high-voltage battery", "not_chargeable")
            vehicle.base.soc = _number(body["soc"], "soc", 0, 100)
        if "fuelPercent" in body:
            if vehicle.spec.tank_l is None or vehicle.base.fuel_l is None:
                raise FleetError(409, "This vehicle has no fuel tank", "no_tank")
            percent = _number(body["fuelPercent"], "fuelPercent", 0, 100)
            vehicle.base.fuel_l = vehicle.spec.tank_l * percent / 100
        if "batteryVoltage" in body:
            vehicle.rest_voltage = _number(body["batteryVoltage"], "batteryVoltage", *VOLTAGE_RANGE)
        lamps = body.get("lamps", {})
        if not isinstance(lamps, dict) or any(
            lamp not in LAMPS or not isinstance(on, bool) for lamp, on in lamps.items()
        ):
            raise FleetError(
                400, "lamps must map " + ", ".join(LAMPS) + " to true or false", "validation_error"
            )
        for lamp, on in lamps.items():
            vehicle.lamps[lamp] = (on, now)
        return vehicle

    # --- the default fleet -------------------------------------------------------------

    def seed_default(self) -> None:
        """Create the demo accounts and their vehicles.

        An EV, a plug-in hybrid and a combustion car in Denmark, one EV in Australia (with the
        same small id) and a Danish account without vehicles.
        """
        demo = self.accounts.add_user("semler", DEMO_EMAIL, DEMO_PASSWORD, "Demo", "Driver")
        for fuel_type in ("electric", "hybrid", "gasoline"):
            self.add_vehicle(demo, "semler", fuel_type)
        self.accounts.add_user("semler", EMPTY_EMAIL, DEMO_PASSWORD, "New", "Owner")
        australia = self.accounts.add_user(
            "vwaustralia", DEMO_EMAIL, DEMO_PASSWORD, "Demo", "Driver"
        )
        self.add_vehicle(australia, "vwaustralia", "electric")

    def state(self) -> dict[str, Any]:
        """Everything, for the admin API (VINs included: it is a local test tool)."""
        self.simulate()
        now = self.clock.now()
        accounts = self.accounts
        return {
            "now": self.clock.iso_now(),
            "users": [
                {**user.info(), "organization": user.organization}
                for user in accounts.users.values()
            ],
            "devices": [{**d.as_json(), "userId": d.user_id} for d in accounts.devices.values()],
            "vehicles": [
                v.summary(now) for fleet in self.vehicles.values() for v in fleet.values()
            ],
            "loginLimit": {"limit": accounts.login_limit, "windowSeconds": accounts.login_window},
        }


def _number(value: object, name: str, low: float, high: float) -> float:
    """Return a number within bounds, else a 400 naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise FleetError(
            400, f"{name} must be a number from {low:g} to {high:g}", "validation_error"
        )
    return float(value)

"""The simulated state: cars, users' devices, authorization codes, preferences, locations.

Cars charge lazily: every read first brings the simulation up to the clock's "now", so time
only needs to be advanced (``SimClock``), never ticked.

Hiven reads each added car through Smartcar on its own cadence (``REFRESH_CADENCE``); the
status ``timestamp`` is the time of that read, and a change made in the car (``car_change``)
shows from the next one.
"""

from __future__ import annotations

import random
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import SimClock, isoformat
from sandbox.hiven import catalog
from sandbox.refresh import Cadence, RefreshSchedule

CHARGE_RATE_PERCENT_PER_HOUR = 20.0
CODE_TTL_SECONDS = 600.0
CHARGING_STATUSES = (
    "CHARGING",
    "NOT_CHARGING",
    "COMPLETE",
    "DISCONNECTED",
    "PLUGGED",
    "CHARGING_COMPLETED",
)
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"

REFRESH_CADENCE = Cadence(charging=300.0, idle=1800.0, jitter=0.1)
"""How often Hiven reads a car through Smartcar: every 5 minutes while charging, else 30.

Neither Hiven nor Smartcar documents how often Hiven reads a car. Smartcar recommends polling a
vehicle about every 30 minutes (carmakers limit requests too), so the sandbox reads an idle car
that often; a smart-charging platform must see a charge reach its target, so it reads a
charging car every 5 minutes. Each gap ±10 %, chosen by the car's state at the read. The
admin API's direct changes (PATCH) and the progress of a charge show at once; a PATCH counts
as a read (the ``timestamp`` moves), so tests see what they set. Without ``provider_cadence``
(tests written before it) every request reads the car: the ``timestamp`` is now and car-side
changes show at once.
"""


class WorldError(Exception):
    """A request the world refuses; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class Car:
    """A simulated vehicle behind Smartcar; ``owner`` is the Hiven user it is added to."""

    id: str
    external_id: str
    model: catalog.CarModel
    year: int
    vin: str
    soc: float
    charging_status: str
    created_at: float
    updated_at: float
    owner: str | None = None
    added_at: float | None = None
    preferences: dict[str, Any] = field(default_factory=dict)
    capability_refreshes: int = 0

    @property
    def name(self) -> str:
        """Display name of the car."""
        brand = catalog.BRAND_NAMES.get(self.model.make, self.model.make)
        return f"{brand} {self.model.model}"

    def device_json(self, locations: Mapping[str, Location] | None = None) -> dict[str, Any]:
        """Return the car as the device list and details show it.

        With the user's ``locations``, the preferences also list ``chargingLocations`` (the
        document's optional member) for the ids in ``chargingLocationIds``.
        """
        preferences = dict(self.preferences)
        ids = preferences.get("chargingLocationIds")
        if locations is not None and isinstance(ids, list):
            preferences["chargingLocations"] = [
                locations[i].as_json() for i in ids if i in locations
            ]
        return {
            "id": self.id,
            "type": "EV",
            "integration": "SMARTCAR",
            "associatedToCharger": False,
            "associatedChargerIds": [],
            "createdAt": isoformat(self.added_at or self.created_at),
            "attributes": {
                "partnerId": "smartcar",
                "partnerName": "Smartcar",
                "externalId": self.external_id,
                "userId": self.owner,
                "vin": self.vin,
                "manufacturer": self.model.make,
                "year": self.year,
                "model": self.model.model,
                "name": self.name,
                "deviceType": "VEHICLE",
                "engineType": self.model.type,
            },
            "settings": {
                "locationSupported": catalog.READ_LOCATION in self.model.capabilities,
                "chargingPreferences": preferences,
            },
        }

    def status_json(self) -> dict[str, Any]:
        """Return the car's telemetry."""
        return {
            "id": self.id,
            "timestamp": isoformat(self.updated_at),
            "soc": round(self.soc, 1),
            "range": round(self.model.range_km * self.soc / 100, 1),
            "chargingStatus": self.charging_status,
            "batteryCapacity": self.model.capacity_kwh if self.model.reports_capacity else None,
        }


@dataclass(slots=True)
class Charger:
    """A non-EV device of a user, so that clients learn to skip other device types."""

    id: str
    owner: str
    created_at: float

    def device_json(self) -> dict[str, Any]:
        """Return the charger as the device list shows it."""
        return {
            "id": self.id,
            "type": "CHARGER",
            "integration": "OCPP",
            "createdAt": isoformat(self.created_at),
            "attributes": {"userId": self.owner, "name": "Sandbox charger"},
        }


@dataclass(frozen=True, slots=True)
class AuthCode:
    """An authorization code the authorize page issued: single use, short-lived."""

    car_id: str
    redirect_uri: str
    expires_at: float


@dataclass(slots=True)
class Location:
    """A user location (assumption A2): ``id`` is its ``locationId``; ``record_id`` its ``id``."""

    id: str
    record_id: str
    owner: str
    latitude: float
    longitude: float
    country_code: str
    postal_code: str | None = None
    name: str | None = None

    @property
    def spot_price_area_id(self) -> str:
        """The price area Hiven would assign from the country."""
        return catalog.SPOT_PRICE_AREAS.get(self.country_code, self.country_code)

    def as_json(self) -> dict[str, Any]:
        """Return the location as the API shows it."""
        return {
            "id": self.record_id,
            "locationId": self.id,
            "name": self.name,
            "coordinates": {"latitude": self.latitude, "longitude": self.longitude},
            "countryCode": self.country_code,
            "postalCode": self.postal_code,
            "spotPriceAreaId": self.spot_price_area_id,
        }


class World:
    """Everything the sandbox simulates, behind methods the handlers call."""

    def __init__(self, clock: SimClock, *, seed: int = 0, provider_cadence: bool = False) -> None:
        self.clock = clock
        self.provider_cadence = provider_cadence
        self._random = random.Random(seed)  # noqa: S311 - simulated data, not security
        self.cars: dict[str, Car] = {}
        self.chargers: dict[str, Charger] = {}
        self.codes: dict[str, AuthCode] = {}
        self.locations: dict[str, Location] = {}
        self.redirect_uris: set[str] = set()
        self._simulated_until = clock.now()
        self.refreshes = RefreshSchedule(REFRESH_CADENCE, seed)
        """When Hiven next reads each added car, and the car-side changes waiting."""

    def _id(self) -> str:
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    # --- simulation --------------------------------------------------------------------

    def simulate(self) -> None:
        """Bring every car up to now: charging cars gain charge, full ones complete.

        Hiven's reads of the cars due by now happen in order, each after the charge up to it.
        """
        now = self.clock.now()
        while (due := self.refreshes.next_due(now)) is not None:
            moment, car_id = due
            self._charge_until(moment)
            self._refresh(car_id, moment)
        self._charge_until(now)
        if not self.provider_cadence:
            for car in self.cars.values():
                car.updated_at = now

    def _charge_until(self, moment: float) -> None:
        elapsed = max(0.0, moment - self._simulated_until)
        self._simulated_until = max(self._simulated_until, moment)
        if elapsed <= 0:
            return
        for car in self.cars.values():
            if car.charging_status == "CHARGING":
                car.soc = min(100.0, car.soc + CHARGE_RATE_PERCENT_PER_HOUR * elapsed / 3600)
                if car.soc >= 100.0:
                    car.charging_status = "CHARGING_COMPLETED"

    def _refresh(self, car_id: str, moment: float) -> None:
        """Hiven reads a car: its ``timestamp`` moves and car-side changes arrive."""
        car = self.cars[car_id]
        car.updated_at = moment
        self._apply(car)
        self.refreshes.schedule_after(car_id, moment, charging=car.charging_status == "CHARGING")

    def _apply(self, car: Car) -> None:
        """Make the car-side changes waiting for the car what Hiven shows."""
        changes = self.refreshes.take(car.id)
        if "soc" in changes:
            car.soc = float(changes["soc"])
        if "charging_status" in changes:
            car.charging_status = str(changes["charging_status"])

    def touch(self, car: Car) -> None:
        """Note a direct change: Hiven has just read the car (next read planned if added)."""
        now = self.clock.now()
        car.updated_at = now
        if car.owner is None:
            self.refreshes.forget(car.id)
        elif self.provider_cadence and not self.refreshes.tracks(car.id):
            self.refreshes.schedule_after(car.id, now, charging=car.charging_status == "CHARGING")

    def car_change(
        self, car: Car, *, soc: float | None = None, charging_status: str | None = None
    ) -> float | None:
        """Change the car itself; Hiven shows it from its next read (None: not added)."""
        self.simulate()
        changes = {"soc": soc, "charging_status": charging_status}
        self.refreshes.defer(car.id, {k: v for k, v in changes.items() if v is not None})
        if not self.provider_cadence:
            self._apply(car)
            return self.clock.now()
        return self.refreshes.next_refresh(car.id)

    # --- cars --------------------------------------------------------------------------

    def create_car(self, make: str, *, soc: float | None = None) -> Car:
        """Create a simulated car of a manufacturer, not yet added to anyone."""
        model = catalog.FIRST_MODEL[make]
        now = self.clock.now()
        vin = "".join(self._random.choice(_VIN_CHARS) for _ in range(17))
        car = Car(
            id=self._id(),
            external_id=self._id(),
            model=model,
            year=self._random.randint(model.year_start, model.year_end),
            vin=vin,
            soc=float(self._random.randint(20, 80)) if soc is None else soc,
            charging_status=self._random.choice(("PLUGGED", "DISCONNECTED")),
            created_at=now,
            updated_at=now,
            preferences={"chargingBehavior": "SMART_CHARGE_OFF"},
        )
        self.cars[car.id] = car
        return car

    def cars_of_make(self, make: str) -> list[Car]:
        """Cars of a manufacturer (offered on the authorize page)."""
        return [car for car in self.cars.values() if car.model.make == make]

    def add_to_user(self, car: Car, user_id: str) -> None:
        """Add a car to a user straight away (admin seeding)."""
        car.owner = user_id
        car.added_at = self.clock.now()
        self.touch(car)

    def seed_user(
        self, user_id: str, *, vehicles: int, chargers: int = 0, make: str | None = None
    ) -> tuple[list[Car], list[Charger]]:
        """Add new cars (cycling through the makes unless one is given) and chargers."""
        cars = []
        for index in range(vehicles):
            car = self.create_car(make or catalog.MANUFACTURERS[index % len(catalog.MANUFACTURERS)])
            self.add_to_user(car, user_id)
            cars.append(car)
        new_chargers = []
        for _ in range(chargers):
            charger = Charger(self._id(), user_id, self.clock.now())
            self.chargers[charger.id] = charger
            new_chargers.append(charger)
        return cars, new_chargers

    def devices_of(self, user_id: str) -> list[dict[str, Any]]:
        """Every device of a user (cars and chargers), oldest first."""
        self.simulate()
        cars = [
            car.device_json(self.locations) for car in self.cars.values() if car.owner == user_id
        ]
        chargers = [c.device_json() for c in self.chargers.values() if c.owner == user_id]
        return cars + chargers

    def user_car(self, user_id: str, device_id: str) -> Car:
        """Return a car of the user (404 otherwise; other users' cars do not exist for them)."""
        self.simulate()
        car = self.cars.get(device_id)
        if car is None or car.owner != user_id:
            raise WorldError(404, "Device not found")
        return car

    def user_device(self, user_id: str, device_id: str) -> dict[str, Any]:
        """Any device of the user, as JSON."""
        charger = self.chargers.get(device_id)
        if charger is not None and charger.owner == user_id:
            return charger.device_json()
        return self.user_car(user_id, device_id).device_json(self.locations)

    def remove_car(self, user_id: str, device_id: str) -> None:
        """Remove a car from its user; its preferences are forgotten."""
        car = self.user_car(user_id, device_id)
        car.owner = None
        car.added_at = None
        car.preferences = {"chargingBehavior": "SMART_CHARGE_OFF"}
        self.refreshes.forget(car.id)

    # --- authorization -----------------------------------------------------------------

    def issue_code(self, car: Car, redirect_uri: str) -> str:
        """Issue a single-use code for a car, as Smartcar's redirect carries it."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = AuthCode(car.id, redirect_uri, self.clock.now() + CODE_TTL_SECONDS)
        return code

    def connect(self, user_id: str, code: str, redirect_url: str) -> tuple[Car, bool]:
        """Exchange a code: (car, True) when newly added, (car, False) when already added."""
        grant = self.codes.pop(code, None)
        if grant is None or grant.expires_at < self.clock.now():
            raise WorldError(400, "Invalid or expired authorization code")
        if grant.redirect_uri != redirect_url:
            raise WorldError(400, "redirectUrl does not match the authorization request")
        car = self.cars[grant.car_id]
        if car.owner is not None and car.owner != user_id:
            raise WorldError(409, "Vehicle is already added to another user's account")
        if car.owner == user_id:
            return car, False
        self.add_to_user(car, user_id)
        return car, True

    # --- locations ---------------------------------------------------------------------

    def locations_of(self, user_id: str) -> list[Location]:
        """Return the user's locations."""
        return [loc for loc in self.locations.values() if loc.owner == user_id]

    def user_location(self, user_id: str, location_id: str) -> Location:
        """Return a location of the user (404 otherwise)."""
        location = self.locations.get(location_id)
        if location is None or location.owner != user_id:
            raise WorldError(404, "Location not found")
        return location

    def add_location(self, user_id: str, **fields: Any) -> Location:
        """Create a location."""
        location = Location(id=self._id(), record_id=self._id(), owner=user_id, **fields)
        self.locations[location.id] = location
        return location

    def delete_location(self, user_id: str, location_id: str) -> None:
        """Delete a location and drop it from the user's cars' preferences."""
        self.user_location(user_id, location_id)
        del self.locations[location_id]
        for car in self.cars.values():
            ids = car.preferences.get("chargingLocationIds")
            if car.owner == user_id and isinstance(ids, list) and location_id in ids:
                car.preferences["chargingLocationIds"] = [i for i in ids if i != location_id]

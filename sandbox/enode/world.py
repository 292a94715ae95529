"""In-memory state of the simulated Enode account and the physics of its devices.

Pure logic: no HTTP, no asyncio. Everything is deterministic given the clock and the seed, so
tests can reason about exact battery levels after advancing the clock. State advances lazily:
every read goes through :meth:`World.now`, which integrates charging and resolves due actions.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

from sandbox.clock import SimClock
from sandbox.enode import catalog, smart
from sandbox.enode.energy import EnergyBucket, EnergyLedger, series
from sandbox.refresh import Cadence, RefreshSchedule

type TargetType = Literal["vehicle", "charger"]
type ChargeKind = Literal["START", "STOP"]

GEOFENCE_RADIUS_M = 200.0
EARTH_RADIUS_M = 6_371_000.0
VOLTAGE = 230.0
PHASES = 3
KM_PER_KWH = 6.0
LINK_SESSION_TTL = 24 * 3600.0
MAX_FAILED_UNPLUGGED_COMMANDS = 10
DEFAULT_CHARGE_LIMIT = 80.0
DEFAULT_HOME = (59.9139, 10.7522)
FULL_EPSILON = 1e-9
_VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_VIN_LENGTH = 17
_OFFSET_LAT_DEG = 0.0004
_OFFSET_LON_DEG = 0.0006

REFRESH_CADENCE = Cadence(charging=120.0, idle=420.0, jitter=0.1)
"""How often Enode reads a device: about every 2 minutes while charging, 7 otherwise.

Enode documents no cadence; its refresh-hint description says it detects changes "within
seconds to a few minutes" and adapts its refresh interval. The sandbox chooses 2 minutes
while the device charges (a vehicle charging, or a charger with a vehicle charging on it) and
7 minutes otherwise, each gap ±10 %; the state at a refresh picks the next gap. ``lastSeen``
moves at each refresh of a reachable device. Changes made in the car (``car_change``) wait
for the next refresh. Without ``provider_cadence`` (tests written before it) Enode instead
reads every device at every request: ``lastSeen`` is now and car-side changes show at once.
A simplification the tests rely on: the progress of a charge shows at once (``lastSeen``
still moves only at refreshes), and commands' results and the admin API's direct changes
(plug, unplug, PATCH) show at once and move ``lastSeen`` then, as if the device had just
been read.
"""


class WorldError(Exception):
    """Base class of the errors the world reports to the API layer."""


class NotFoundError(WorldError):
    """The addressed object does not exist (HTTP 404)."""


class PreconditionError(WorldError):
    """A request cannot be carried out in the current state (HTTP 400)."""


class ControlledError(WorldError):
    """Smart charging (or a schedule) controls the device's charging (HTTP 422)."""


class GoneError(WorldError):
    """A link session was used already or expired (HTTP 410)."""


class ActionResolvedError(WorldError):
    """An action cannot be cancelled because it is no longer pending (HTTP 409)."""

    def __init__(self, action: Action) -> None:
        super().__init__("Action already in a resolved state.")
        self.action = action


@dataclass(slots=True)
class LinkedVendor:
    """A vendor account of a user, valid until its credentials are invalidated."""

    vendor: str
    vendor_type: str
    is_valid: bool = True


@dataclass(slots=True)
class User:
    """An Enode user of the client: owns devices and locations."""

    id: str
    seq: int
    created_at: float
    vendors: dict[tuple[str, str], LinkedVendor] = field(default_factory=dict)
    deauthorized: bool = False


@dataclass(slots=True)
class SmartPolicy:
    """Smart charging settings of a vehicle."""

    is_enabled: bool = False
    deadline: str | None = None
    minimum_charge_limit: float = 0.0


@dataclass(slots=True)
class SmartOverride:
    """A forced charge that overrides smart charging until charging stops."""

    created_at: float
    vendor_action_id: str | None
    ended_at: float | None = None


@dataclass(slots=True)
class Vehicle:
    """A simulated vehicle; ``user_id`` is None while it waits to be linked."""

    id: str
    seq: int
    created_at: float
    vendor: str
    brand: str
    model: str
    year: int
    vin: str
    display_name: str | None
    capacity_kwh: float
    max_current: float
    soc: float
    charge_limit: float
    odometer_km: float
    latitude: float
    longitude: float
    native: dict[str, bool]
    user_id: str | None = None
    scopes: list[str] = field(default_factory=list)
    linked_at: float = 0.0
    reachable: bool = True
    last_seen: float = 0.0
    plugged_in: bool = False
    charger_id: str | None = None
    charging: bool = False
    charge_updated: float = 0.0
    location_updated: float = 0.0
    odometer_updated: float = 0.0
    inferred_location: tuple[float, float, float] | None = None
    paired_charger_id: str | None = None
    failed_unplugged_commands: int = 0
    smart_policy: SmartPolicy = field(default_factory=SmartPolicy)
    smart_override: SmartOverride | None = None
    smart_state_changed_at: float = 0.0
    smart_state_seen: str = "DISABLED"
    """The smart-charging state last reviewed, to know when ``stateChangedAt`` moves."""
    smart_plans: list[smart.SmartPlan] = field(default_factory=list)
    """Recent plans, oldest first."""
    smart_plan_id: str | None = None
    """The plan the status shows: the active one, or the last one until plugged in again."""


@dataclass(slots=True)
class Charger:
    """A simulated home charger; ``user_id`` is None while it waits to be linked."""

    id: str
    seq: int
    created_at: float
    vendor: str
    brand: str
    model: str
    year: int | None
    serial_number: str
    max_current: float
    native: dict[str, bool]
    user_id: str | None = None
    scopes: list[str] = field(default_factory=list)
    linked_at: float = 0.0
    reachable: bool = True
    last_seen: float = 0.0
    location_id: str | None = None
    location_updated: float | None = None
    state_updated: float = 0.0


@dataclass(slots=True)
class Location:
    """A named place of a user; vehicles within 200 m report its id."""

    id: str
    seq: int
    user_id: str
    name: str
    latitude: float
    longitude: float
    timezone_name: str
    created_at: float


@dataclass(slots=True)
class Action:
    """A charge (START/STOP) or max-current command and its progress."""

    id: str
    seq: int
    user_id: str
    target_id: str
    target_type: TargetType
    kind: ChargeKind | None
    target_max_current: float | None
    created_at: float
    updated_at: float
    due_at: float
    state: str = "PENDING"
    completed_at: float | None = None
    failure_type: str | None = None
    failure_detail: str | None = None


@dataclass(slots=True)
class LinkSession:
    """A single-use Link UI session."""

    token: str
    user_id: str
    vendor_type: str
    vendor: str | None
    scopes: list[str]
    language: str
    redirect_uri: str
    color_scheme: str
    created_at: float
    expires_at: float
    relink_asset_id: str | None = None
    used: bool = False


@dataclass(slots=True)
class Webhook:
    """A registered webhook endpoint."""

    id: str
    seq: int
    url: str
    secret: str
    events: list[str]
    api_version: str | None
    created_at: float
    last_success: float
    auth_header_name: str | None = None
    auth_header_value: str | None = None
    is_active: bool = True


type Device = Vehicle | Charger


@dataclass(slots=True)
class WorldEvent:
    """Something a webhook subscriber would hear about, with the live subject object."""

    name: str
    user_id: str
    at: float
    vehicle: Vehicle | None = None
    charger: Charger | None = None
    action: Action | None = None
    vendor: str | None = None
    updated_fields: list[str] = field(default_factory=list)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


class World:
    """The whole simulated account: users, devices, locations, actions, links and webhooks."""

    def __init__(
        self,
        clock: SimClock,
        *,
        action_delay: float = 5.0,
        seed: int = 0,
        home: tuple[float, float] = DEFAULT_HOME,
        provider_cadence: bool = False,
    ) -> None:
        self.clock = clock
        self.provider_cadence = provider_cadence
        """Whether devices are read on ``REFRESH_CADENCE`` rather than at every request."""
        self.action_delay = action_delay
        self.home = home
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - simulation data, not secrets
        self.seq = 0
        self.vendor_turns: dict[tuple[str, ...], int] = {}
        self.sim_time = clock.now()
        self.users: dict[str, User] = {}
        self.vehicles: dict[str, Vehicle] = {}
        self.chargers: dict[str, Charger] = {}
        self.locations: dict[str, Location] = {}
        self.actions: dict[str, Action] = {}
        self.link_sessions: dict[str, LinkSession] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.energy: dict[str, EnergyLedger] = {}
        """What each device (by id) charged: a vehicle's energy also counts for its charger."""
        self.listeners: list[Callable[[WorldEvent], None]] = []
        self.refreshes = RefreshSchedule(REFRESH_CADENCE, seed)
        """When Enode next reads each linked device, and the car-side changes waiting."""

    # ------------------------------------------------------------------ time and events

    def now(self) -> float:
        """Advance the simulation to the clock's time and return it."""
        target = self.clock.now()
        if target > self.sim_time:
            self._advance(target)
        smart.review(self)
        return self.sim_time

    def _next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def new_id(self) -> str:
        """Return a fresh UUID4 string drawn from the world's seeded generator."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def events_enabled(self, user_id: str) -> bool:
        """Return False for deauthorized users: Enode sends them no webhook events."""
        user = self.users.get(user_id)
        return user is not None and not user.deauthorized

    def _emit(self, event: WorldEvent) -> None:
        if not self.events_enabled(event.user_id):
            return
        for listener in self.listeners:
            listener(event)

    # ------------------------------------------------------------------ simulation

    def _advance(self, target: float) -> None:
        """Integrate up to ``target``, stopping at each due action, plan step and refresh.

        At equal moments an action comes first, then a plan step, then a refresh: a refresh
        reads what the others changed.
        """
        due = sorted(
            (a for a in self.actions.values() if a.state == "PENDING" and a.due_at <= target),
            key=lambda a: (a.due_at, a.seq),
        )
        while True:
            nexts: list[tuple[float, int, Callable[[], None]]] = []
            if due:
                nexts.append((due[0].due_at, 0, partial(self._resolve, due[0])))
            if (step := self._next_plan_step(target)) is not None:
                nexts.append((step[0], 1, partial(smart.step, self, step[1], step[2])))
            if (refresh := self.refreshes.next_due(target)) is not None:
                nexts.append((refresh[0], 2, partial(self._refresh, refresh[1], refresh[0])))
            if not nexts:
                break
            moment, rank, happen = min(nexts, key=lambda found: (found[0], found[1]))
            self._integrate(max(moment, self.sim_time))
            if rank == 0:
                due.pop(0)
            happen()
        self._integrate(target)

    def _refresh(self, device_id: str, moment: float) -> None:
        """Enode reads a device: ``lastSeen`` moves and car-side changes arrive.

        An unreachable device is not read: its changes keep waiting.
        """
        device: Device = self.vehicles.get(device_id) or self.chargers[device_id]
        if self.device_reachable(device):
            device.last_seen = moment
            if isinstance(device, Vehicle) and (changes := self.refreshes.take(device_id)):
                self._set_vehicle_facts(device, moment, **changes)
        self.refreshes.schedule_after(device_id, moment, charging=self._charging(device))

    def _charging(self, device: Device) -> bool:
        """Whether the device charges now (a charger: a vehicle charges on it)."""
        vehicle = device if isinstance(device, Vehicle) else self.plugged_vehicle(device)
        return vehicle is not None and vehicle.plugged_in and vehicle.charging

    def _touch(self, device: Device, moment: float) -> None:
        """Note a change the provider knows at once: it has just seen the device."""
        if self.device_reachable(device):
            device.last_seen = moment

    def schedule_refreshes(self) -> None:
        """Plan a refresh for every linked device without one (after a restore)."""
        if not self.provider_cadence:
            return
        moment = self.sim_time
        devices: list[Device] = [*self.vehicles.values(), *self.chargers.values()]
        for device in devices:
            if device.user_id is not None and not self.refreshes.tracks(device.id):
                self.refreshes.schedule_after(device.id, moment, charging=self._charging(device))

    def _next_plan_step(self, target: float) -> tuple[float, Vehicle, smart.SmartPlan] | None:
        """Return the earliest smart-plan step due by ``target``: (when, vehicle, plan)."""
        steps = [
            (plan.next_at, vehicle, plan)
            for vehicle in self.vehicles.values()
            if (plan := smart.active_plan(vehicle)) is not None
            and plan.next_at is not None
            and plan.next_at <= target
        ]
        return min(steps, key=lambda found: found[0], default=None)

    def _integrate(self, until: float) -> None:
        """Charge every charging vehicle from ``sim_time`` to ``until``."""
        start = self.sim_time
        if until <= start:
            return
        for vehicle in self.vehicles.values():
            if not (vehicle.plugged_in and vehicle.charging):
                continue
            rate = self.charge_rate_kw(vehicle)
            limit = vehicle.charge_limit
            energy_needed = max(0.0, (limit - vehicle.soc) / 100.0 * vehicle.capacity_kwh)
            seconds_needed = energy_needed / rate * 3600.0
            if seconds_needed <= until - start:
                vehicle.soc = limit
                self._record_energy(vehicle, start, start + seconds_needed, rate)
                self.stop_charging(vehicle, start + seconds_needed)
            else:
                vehicle.soc += rate * (until - start) / 3600.0 / vehicle.capacity_kwh * 100.0
                vehicle.charge_updated = until
                self._record_energy(vehicle, start, until, rate)
        self.sim_time = until

    def _record_energy(self, vehicle: Vehicle, start: float, end: float, kw: float) -> None:
        """Book the energy into the vehicle's ledger and the simulated charger's, by place.

        The place is the charger's charging location, else the user's location the vehicle
        is at (``locationId`` of the statistics).
        """
        charger = self.plugged_charger(vehicle)
        location_id = charger.location_id if charger is not None else None
        if location_id is None:
            location_id = self.location_id_at(vehicle.user_id, vehicle.latitude, vehicle.longitude)
        for device in (vehicle, charger):
            if device is not None:
                ledger = self.energy.setdefault(device.id, EnergyLedger())
                ledger.add(start, end, kw, location_id)

    def stop_charging(self, vehicle: Vehicle, moment: float) -> None:
        """Stop the charge; an override ends with it, and a full battery ends the plan."""
        vehicle.charging = False
        vehicle.charge_updated = moment
        override = vehicle.smart_override
        if override is not None and override.ended_at is None:
            override.ended_at = moment
        plan = smart.active_plan(vehicle)
        if plan is not None and self.is_full(vehicle):
            smart.end_plan(plan, smart.ENDED_FINISHED, moment)

    def charge_rate_kw(self, vehicle: Vehicle) -> float:
        """Return the power the vehicle would draw where it is plugged in, in kW."""
        amps = vehicle.max_current
        charger = self.chargers.get(vehicle.charger_id) if vehicle.charger_id else None
        if charger is not None:
            amps = min(amps, charger.max_current)
        return amps * VOLTAGE * PHASES / 1000.0

    def is_full(self, vehicle: Vehicle) -> bool:
        """Return True when the battery has reached the charge limit."""
        return vehicle.soc >= vehicle.charge_limit - FULL_EPSILON

    def power_delivery_state(self, vehicle: Vehicle) -> str:
        """Return the vehicle's Enode ``powerDeliveryState``."""
        if not vehicle.plugged_in:
            return "UNPLUGGED"
        if vehicle.charging:
            return "PLUGGED_IN:CHARGING"
        if self.is_full(vehicle):
            return "PLUGGED_IN:COMPLETE"
        return "PLUGGED_IN:STOPPED"

    def charge_time_remaining_min(self, vehicle: Vehicle) -> float | None:
        """Return the minutes until the charge limit while charging, else None."""
        if not (vehicle.plugged_in and vehicle.charging):
            return None
        energy = max(0.0, (vehicle.charge_limit - vehicle.soc) / 100.0 * vehicle.capacity_kwh)
        return energy / self.charge_rate_kw(vehicle) * 60.0

    def range_km(self, vehicle: Vehicle) -> float:
        """Return the estimated range, proportional to the battery level."""
        return vehicle.soc / 100.0 * vehicle.capacity_kwh * KM_PER_KWH

    # ------------------------------------------------------------------ users

    def ensure_user(self, user_id: str) -> User:
        """Return the user, creating it as Enode does on first use."""
        user = self.users.get(user_id)
        if user is None:
            user = User(id=user_id, seq=self._next_seq(), created_at=self.now())
            self.users[user_id] = user
        return user

    def get_user(self, user_id: str) -> User:
        """Return an existing user or raise :class:`NotFoundError`."""
        user = self.users.get(user_id)
        if user is None:
            raise NotFoundError(f"User {user_id} not found.")
        return user

    def vendor_valid(self, user_id: str | None, vendor: str, vendor_type: str) -> bool:
        """Return True when the user's credentials for this vendor account are valid."""
        user = self.users.get(user_id) if user_id else None
        if user is None:
            return False
        linked = user.vendors.get((vendor, vendor_type))
        return linked is not None and linked.is_valid and not user.deauthorized

    def delete_user(self, user_id: str) -> None:
        """Delete a user, its devices (back to the pool), locations and sessions."""
        user = self.get_user(user_id)
        self.now()
        for vehicle in self.vehicles_of(user.id):
            self._unlink_device(vehicle)
        for charger in self.chargers_of(user.id):
            self._unlink_device(charger)
        for location in [loc for loc in self.locations.values() if loc.user_id == user.id]:
            del self.locations[location.id]
        self._drop_link_sessions(user.id)
        del self.users[user.id]

    def deauthorize_user(self, user_id: str) -> None:
        """Forget the user's vendor credentials but keep its data; no events from now on."""
        user = self.get_user(user_id)
        self.now()
        user.deauthorized = True
        for linked in user.vendors.values():
            linked.is_valid = False
        self._drop_link_sessions(user.id)

    def invalidate_credentials(self, user_id: str, vendor: str | None = None) -> list[str]:
        """Simulate a vendor revoking credentials; returns the vendors affected."""
        user = self.get_user(user_id)
        moment = self.now()
        affected: list[str] = []
        for linked in user.vendors.values():
            if vendor is not None and linked.vendor != vendor:
                continue
            if linked.is_valid:
                linked.is_valid = False
                if linked.vendor not in affected:
                    affected.append(linked.vendor)
        for name in affected:
            self._emit(WorldEvent("user:credentials:invalidated", user.id, moment, vendor=name))
        return affected

    def disconnect_vendor(self, user_id: str, vendor: str, vendor_type: str | None = None) -> None:
        """Remove one vendor (optionally one vendor type) and its devices from a user."""
        user = self.get_user(user_id)
        self.now()
        devices: list[Device] = [*self.vehicles_of(user.id), *self.chargers_of(user.id)]
        for device in devices:
            if device.vendor == vendor and vendor_type in (None, device_type(device)):
                self._unlink_device(device)
        for key in list(user.vendors):
            if key[0] == vendor and vendor_type in (None, key[1]):
                del user.vendors[key]

    def _drop_link_sessions(self, user_id: str) -> None:
        for session in self.link_sessions.values():
            if session.user_id == user_id:
                session.used = True

    # ------------------------------------------------------------------ devices

    def _next_vendor(self, choices: tuple[str, ...]) -> str:
        turn = self.vendor_turns.get(choices, 0)
        self.vendor_turns[choices] = turn + 1
        return choices[turn % len(choices)]

    def create_vehicle(self, vendor: str | None = None) -> Vehicle:
        """Create an unlinked simulated vehicle near home, available for linking."""
        moment = self.now()
        vendor = vendor or self._next_vendor(catalog.SEED_VEHICLE_VENDORS)
        profile = catalog.vehicle_profile(vendor)
        index = len(self.vehicles)
        brand = catalog.VEHICLE_BRANDS[vendor]
        vehicle = Vehicle(
            id=self.new_id(),
            seq=self._next_seq(),
            created_at=moment,
            vendor=vendor,
            brand=brand,
            model=profile.model,
            year=profile.year,
            vin="".join(self.rng.choice(_VIN_ALPHABET) for _ in range(_VIN_LENGTH)),
            display_name=f"My {brand}",
            capacity_kwh=profile.capacity_kwh,
            max_current=profile.max_current,
            soc=float(self.rng.randint(40, 70)),
            charge_limit=DEFAULT_CHARGE_LIMIT,
            odometer_km=float(self.rng.randint(5_000, 60_000)),
            latitude=self.home[0] + index * _OFFSET_LAT_DEG,
            longitude=self.home[1] + index * _OFFSET_LON_DEG,
            native={name: name not in profile.missing for name in catalog.VEHICLE_CAPABILITIES},
            last_seen=moment,
            charge_updated=moment,
            location_updated=moment,
            odometer_updated=moment,
            smart_state_changed_at=moment,
        )
        self.vehicles[vehicle.id] = vehicle
        return vehicle

    def create_charger(self, vendor: str | None = None) -> Charger:
        """Create an unlinked simulated charger, available for linking."""
        moment = self.now()
        vendor = vendor or self._next_vendor(catalog.SEED_CHARGER_VENDORS)
        profile = catalog.charger_profile(vendor)
        charger = Charger(
            id=self.new_id(),
            seq=self._next_seq(),
            created_at=moment,
            vendor=vendor,
            brand=catalog.CHARGER_BRANDS[vendor],
            model=profile.model,
            year=None,
            serial_number=f"{profile.serial_prefix}{self.rng.randint(100_000, 999_999)}",
            max_current=profile.max_current,
            native=dict.fromkeys(catalog.CHARGER_CAPABILITIES, True),
            last_seen=moment,
            state_updated=moment,
        )
        self.chargers[charger.id] = charger
        return charger

    def link_device(self, device: Device, user_id: str, scopes: Iterable[str]) -> None:
        """Give a device to a user with the granted scopes and announce it."""
        moment = self.now()
        user = self.ensure_user(user_id)
        vendor_type = device_type(device)
        user.deauthorized = False
        user.vendors[(device.vendor, vendor_type)] = LinkedVendor(device.vendor, vendor_type)
        device.user_id = user.id
        device.scopes = sorted({s for s in scopes if s.startswith(f"{vendor_type}:")})
        device.linked_at = moment
        device.last_seen = moment
        if self.provider_cadence:
            self.refreshes.schedule_after(device.id, moment, charging=self._charging(device))
        if isinstance(device, Vehicle):
            self._emit(WorldEvent("user:vehicle:discovered", user.id, moment, vehicle=device))
        else:
            self._emit(WorldEvent("user:charger:discovered", user.id, moment, charger=device))
        self._refresh_pairings()

    def _unlink_device(self, device: Device) -> None:
        moment = self.sim_time
        user_id = device.user_id or ""
        if isinstance(device, Vehicle):
            self._emit(WorldEvent("user:vehicle:deleted", user_id, moment, vehicle=device))
            device.paired_charger_id = None
            device.failed_unplugged_commands = 0
            device.smart_policy = SmartPolicy()
            device.smart_override = None
            device.smart_plans = []
            device.smart_plan_id = None
            device.inferred_location = None
        else:
            self._emit(WorldEvent("user:charger:deleted", user_id, moment, charger=device))
            device.location_id = None
            device.location_updated = None
        for action in list(self.actions.values()):
            if action.target_id == device.id and action.state == "PENDING":
                self._finish(action, "FAILED", "NOT_FOUND", "The device was deleted.")
        device.user_id = None
        device.scopes = []
        self.refreshes.forget(device.id)
        self._refresh_pairings()

    def _refresh_pairings(self) -> None:
        """Clear pairing unlocks whose charger no longer belongs to the vehicle's user."""
        for vehicle in self.vehicles.values():
            if vehicle.paired_charger_id is None:
                continue
            charger = self.chargers.get(vehicle.paired_charger_id)
            if charger is None or charger.user_id is None or charger.user_id != vehicle.user_id:
                vehicle.paired_charger_id = None
        for vehicle in self.vehicles.values():
            charger = self.plugged_charger(vehicle)
            same_user = charger is not None and charger.user_id == vehicle.user_id
            if charger is not None and same_user and vehicle.user_id is not None:
                self._pair(vehicle, charger)

    def _pair(self, vehicle: Vehicle, charger: Charger) -> None:
        vehicle.paired_charger_id = charger.id
        vehicle.failed_unplugged_commands = 0
        location = self.locations.get(charger.location_id) if charger.location_id else None
        if location is not None and not vehicle.native.get("location", True):
            vehicle.inferred_location = (location.latitude, location.longitude, self.sim_time)

    def pool_vehicles(self, vendor: str | None = None) -> list[Vehicle]:
        """Return unlinked vehicles, optionally of one vendor."""
        return [
            v for v in self.vehicles.values() if v.user_id is None and vendor in (None, v.vendor)
        ]

    def pool_chargers(self, vendor: str | None = None) -> list[Charger]:
        """Return unlinked chargers, optionally of one vendor."""
        return [
            c for c in self.chargers.values() if c.user_id is None and vendor in (None, c.vendor)
        ]

    def vehicles_of(self, user_id: str | None) -> list[Vehicle]:
        """Return linked vehicles of one user, or of every user when ``user_id`` is None."""
        return [
            v
            for v in self.vehicles.values()
            if v.user_id is not None and user_id in (None, v.user_id)
        ]

    def chargers_of(self, user_id: str | None) -> list[Charger]:
        """Return linked chargers of one user, or of every user when ``user_id`` is None."""
        return [
            c
            for c in self.chargers.values()
            if c.user_id is not None and user_id in (None, c.user_id)
        ]

    def get_vehicle(self, vehicle_id: str, *, linked: bool = True) -> Vehicle:
        """Return a vehicle (only linked ones unless ``linked`` is False)."""
        vehicle = self.vehicles.get(vehicle_id)
        if vehicle is None or (linked and vehicle.user_id is None):
            raise NotFoundError(f"Vehicle {vehicle_id} not found.")
        return vehicle

    def get_charger(self, charger_id: str, *, linked: bool = True) -> Charger:
        """Return a charger (only linked ones unless ``linked`` is False)."""
        charger = self.chargers.get(charger_id)
        if charger is None or (linked and charger.user_id is None):
            raise NotFoundError(f"Charger {charger_id} not found.")
        return charger

    def device_reachable(self, device: Device) -> bool:
        """Return True when Enode could talk to the device right now."""
        return device.reachable and self.vendor_valid(
            device.user_id, device.vendor, device_type(device)
        )

    def plugged_charger(self, vehicle: Vehicle) -> Charger | None:
        """Return the simulated charger the vehicle is physically plugged into, if any."""
        if not vehicle.plugged_in or vehicle.charger_id is None:
            return None
        return self.chargers.get(vehicle.charger_id)

    def plugged_vehicle(self, charger: Charger) -> Vehicle | None:
        """Return the simulated vehicle physically plugged into the charger, if any."""
        for vehicle in self.vehicles.values():
            if vehicle.plugged_in and vehicle.charger_id == charger.id:
                return vehicle
        return None

    def paired_charger_id(self, vehicle: Vehicle) -> str | None:
        """Return ``pluggedInChargerId``: set only for a charger of the same user."""
        charger = self.plugged_charger(vehicle)
        if charger is None or charger.user_id is None or charger.user_id != vehicle.user_id:
            return None
        return charger.id

    def paired_vehicle_id(self, charger: Charger) -> str | None:
        """Return ``pluggedInVehicleId``: set only for a vehicle of the same user."""
        vehicle = self.plugged_vehicle(charger)
        if vehicle is None or vehicle.user_id is None or vehicle.user_id != charger.user_id:
            return None
        return vehicle.id

    def vehicle_capability(self, vehicle: Vehicle, name: str) -> tuple[bool, tuple[str, ...]]:
        """Return whether the vehicle is capable of ``name`` and the interventions if not."""
        if name in catalog.PAIRING_CAPABILITIES and vehicle.paired_charger_id is not None:
            return True, ()
        if vehicle.native.get(name, True):
            return True, ()
        return False, catalog.intervention_ids(vehicle.vendor, "vehicle", name)

    def charger_capability(self, charger: Charger, name: str) -> tuple[bool, tuple[str, ...]]:
        """Return whether the charger is capable of ``name`` and the interventions if not."""
        if charger.native.get(name, True):
            return True, ()
        return False, catalog.intervention_ids(charger.vendor, "charger", name)

    def vehicle_position(self, vehicle: Vehicle) -> tuple[float, float, float] | None:
        """Return what Enode knows of the vehicle's position: (lat, lon, updated) or None."""
        capable, _ = self.vehicle_capability(vehicle, "location")
        if not capable or "vehicle:read:location" not in vehicle.scopes:
            return None
        if vehicle.native.get("location", True):
            return vehicle.latitude, vehicle.longitude, vehicle.location_updated
        return vehicle.inferred_location

    def charging_location_id(self, vehicle: Vehicle) -> str | None:
        """Return the user's location the vehicle is known to be at (a charging location)."""
        position = self.vehicle_position(vehicle)
        if position is None:
            return None
        return self.location_id_at(vehicle.user_id, position[0], position[1])

    def location_id_at(self, user_id: str | None, latitude: float, longitude: float) -> str | None:
        """Return the id of the user's nearest location within the 200 m geofence."""
        best: tuple[float, str] | None = None
        for location in self.locations.values():
            if location.user_id != user_id:
                continue
            distance = haversine_m(latitude, longitude, location.latitude, location.longitude)
            if distance <= GEOFENCE_RADIUS_M and (best is None or distance < best[0]):
                best = (distance, location.id)
        return None if best is None else best[1]

    # ------------------------------------------------------------------ physical changes (admin)

    def plug(self, vehicle_id: str, charger_id: str | None, *, auto_start: bool = False) -> None:
        """Plug a vehicle into a simulated charger (or an unknown one when None)."""
        vehicle = self.get_vehicle(vehicle_id, linked=False)
        moment = self.now()
        charger = self.get_charger(charger_id, linked=False) if charger_id else None
        if charger is not None:
            occupant = self.plugged_vehicle(charger)
            if occupant is not None and occupant.id != vehicle.id:
                raise PreconditionError(f"Charger {charger.id} is in use by {occupant.id}.")
        if vehicle.plugged_in:
            self.unplug(vehicle.id)
        vehicle.smart_plan_id = None  # a new plug-in: the last plan is no longer shown
        vehicle.plugged_in = True
        vehicle.charger_id = charger.id if charger else None
        vehicle.charging = auto_start and not self.is_full(vehicle)
        vehicle.charge_updated = moment
        if charger is not None:
            charger.state_updated = moment
            location = self.locations.get(charger.location_id) if charger.location_id else None
            if location is not None:
                vehicle.latitude, vehicle.longitude = location.latitude, location.longitude
                vehicle.location_updated = moment
            if vehicle.user_id is not None and charger.user_id == vehicle.user_id:
                self._pair(vehicle, charger)
            self._touch(charger, moment)
        self._touch(vehicle, moment)

    def unplug(self, vehicle_id: str) -> None:
        """Unplug a vehicle; pairing unlocks persist as Enode does."""
        vehicle = self.get_vehicle(vehicle_id, linked=False)
        moment = self.now()
        charger = self.plugged_charger(vehicle)
        if charger is not None:
            charger.state_updated = moment
        if vehicle.charging:
            self.stop_charging(vehicle, moment)
        plan = smart.active_plan(vehicle)
        if plan is not None:
            smart.end_plan(plan, smart.ENDED_UNPLUGGED, moment)
        vehicle.plugged_in = False
        vehicle.charger_id = None
        vehicle.charge_updated = moment
        self._touch(vehicle, moment)
        if charger is not None:
            self._touch(charger, moment)

    def patch_vehicle(
        self,
        vehicle_id: str,
        *,
        battery_level: float | None = None,
        charge_limit: float | None = None,
        is_reachable: bool | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        odometer: float | None = None,
        capabilities: dict[str, bool] | None = None,
    ) -> Vehicle:
        """Change simulated facts about a vehicle at once (validated by the caller)."""
        vehicle = self.get_vehicle(vehicle_id, linked=False)
        moment = self.now()
        if is_reachable is not None:
            vehicle.reachable = is_reachable
        self._set_vehicle_facts(
            vehicle,
            moment,
            battery_level=battery_level,
            charge_limit=charge_limit,
            latitude=latitude,
            longitude=longitude,
            odometer=odometer,
        )
        if capabilities:
            vehicle.native.update(capabilities)
        self._touch(vehicle, moment)
        return vehicle

    def car_change(
        self,
        vehicle_id: str,
        *,
        battery_level: float | None = None,
        charge_limit: float | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        odometer: float | None = None,
    ) -> float | None:
        """Change facts in the car; Enode shows them from its next refresh of the vehicle.

        Returns when that refresh is planned (None: the vehicle is not linked, so Enode does
        not read it; the change waits until it is linked and read). Without
        ``provider_cadence`` the change shows at once, as a read at every request would see it.
        """
        vehicle = self.get_vehicle(vehicle_id, linked=False)
        moment = self.now()
        changes = {
            "battery_level": battery_level,
            "charge_limit": charge_limit,
            "latitude": latitude,
            "longitude": longitude,
            "odometer": odometer,
        }
        if not self.provider_cadence:
            self._set_vehicle_facts(vehicle, moment, **changes)
            return moment
        self.refreshes.defer(vehicle.id, {k: v for k, v in changes.items() if v is not None})
        return self.refreshes.next_refresh(vehicle.id)

    def _set_vehicle_facts(
        self,
        vehicle: Vehicle,
        moment: float,
        *,
        battery_level: float | None = None,
        charge_limit: float | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        odometer: float | None = None,
    ) -> None:
        if battery_level is not None:
            vehicle.soc = battery_level
            vehicle.charge_updated = moment
        if charge_limit is not None:
            vehicle.charge_limit = charge_limit
            vehicle.charge_updated = moment
        if vehicle.charging and self.is_full(vehicle):
            self.stop_charging(vehicle, moment)
        if latitude is not None or longitude is not None:
            vehicle.latitude = vehicle.latitude if latitude is None else latitude
            vehicle.longitude = vehicle.longitude if longitude is None else longitude
            vehicle.location_updated = moment
        if odometer is not None:
            vehicle.odometer_km = odometer
            vehicle.odometer_updated = moment

    def patch_charger(
        self,
        charger_id: str,
        *,
        is_reachable: bool | None = None,
        max_current: float | None = None,
        capabilities: dict[str, bool] | None = None,
    ) -> Charger:
        """Change simulated facts about a charger (validated by the caller)."""
        charger = self.get_charger(charger_id, linked=False)
        moment = self.now()
        if is_reachable is not None:
            charger.reachable = is_reachable
        if max_current is not None:
            charger.max_current = max_current
            charger.state_updated = moment
        if capabilities:
            charger.native.update(capabilities)
        self._touch(charger, moment)
        return charger

    def seen(self, device: Device) -> float:
        """Return ``lastSeen``: Enode's last read of the device (see ``REFRESH_CADENCE``)."""
        if not self.provider_cadence and self.device_reachable(device):
            device.last_seen = self.sim_time
        return device.last_seen

    # ------------------------------------------------------------------ actions

    def _pending_actions(self, target_id: str) -> list[Action]:
        return [
            a for a in self.actions.values() if a.target_id == target_id and a.state == "PENDING"
        ]

    def _new_action(
        self,
        device: Device,
        *,
        kind: ChargeKind | None = None,
        max_current: float | None = None,
    ) -> Action:
        moment = self.sim_time
        assert device.user_id is not None  # noqa: S101 - only linked devices get actions
        for other in self._pending_actions(device.id):
            self._finish(other, "CANCELLED", "CONFLICT", "A newer action for this device exists.")
        action = Action(
            id=self.new_id(),
            seq=self._next_seq(),
            user_id=device.user_id,
            target_id=device.id,
            target_type=device_type(device),
            kind=kind,
            target_max_current=max_current,
            created_at=moment,
            updated_at=moment,
            due_at=moment + self.action_delay,
        )
        self.actions[action.id] = action
        return action

    def _finish(
        self, action: Action, state: str, failure: str | None = None, detail: str | None = None
    ) -> None:
        moment = self.sim_time
        action.state = state
        action.updated_at = moment
        action.completed_at = moment
        action.failure_type = failure
        action.failure_detail = detail
        fields = ["state", "updatedAt", "completedAt"]
        if failure is not None:
            fields.append("failureReason")
        self._emit(
            WorldEvent(
                "user:vendor-action:updated",
                action.user_id,
                moment,
                action=action,
                updated_fields=fields,
            )
        )
        vehicle = self.vehicles.get(action.target_id)
        if vehicle is None or action.kind is None or action.target_type != "vehicle":
            return
        if state == "CONFIRMED":
            vehicle.failed_unplugged_commands = 0
        elif failure in ("FAILED_PRECONDITION", "NO_RESPONSE") and not vehicle.plugged_in:
            self._count_unplugged_failure(vehicle)

    def _count_unplugged_failure(self, vehicle: Vehicle) -> None:
        if vehicle.paired_charger_id is None:
            return
        vehicle.failed_unplugged_commands += 1
        if vehicle.failed_unplugged_commands >= MAX_FAILED_UNPLUGGED_COMMANDS:
            vehicle.paired_charger_id = None
            vehicle.failed_unplugged_commands = 0

    def _resolve(self, action: Action) -> None:
        device: Device | None = (
            self.vehicles.get(action.target_id)
            if action.target_type == "vehicle"
            else self.chargers.get(action.target_id)
        )
        if device is None or device.user_id != action.user_id:
            self._finish(action, "FAILED", "NOT_FOUND", "The device was deleted.")
            return
        if not self.device_reachable(device):
            self._finish(action, "FAILED", "NO_RESPONSE", "The device remained unreachable.")
            return
        if action.target_max_current is not None:
            device.max_current = action.target_max_current
            if isinstance(device, Charger):
                device.state_updated = self.sim_time
            self._touch(device, self.sim_time)
            self._finish(action, "CONFIRMED")
            return
        vehicle = device if isinstance(device, Vehicle) else self.plugged_vehicle(device)
        if vehicle is None or not vehicle.plugged_in:
            self._finish(action, "CANCELLED", "FAILED_PRECONDITION", "No vehicle is plugged in.")
            return
        if action.kind == "START":
            if not vehicle.charging and self.is_full(vehicle):
                self._finish(action, "CANCELLED", "FAILED_PRECONDITION", "Fully charged.")
                return
            vehicle.charging = True
            vehicle.charge_updated = self.sim_time
        elif vehicle.charging:
            self.stop_charging(vehicle, self.sim_time)
        self._touch(device, self.sim_time)
        self._touch(vehicle, self.sim_time)
        self._finish(action, "CONFIRMED")

    def charge_vehicle(
        self, vehicle_id: str, kind: ChargeKind, *, override: bool = False
    ) -> Action:
        """Handle ``POST /vehicles/{id}/charging``: create or reuse an action.

        A smart override (``override``) is the one way to charge while a plan is in control.
        """
        vehicle = self.get_vehicle(vehicle_id)
        self.now()
        if "vehicle:control:charging" not in vehicle.scopes:
            raise PreconditionError("The vehicle:control:charging scope was not granted.")
        capability = "startCharging" if kind == "START" else "stopCharging"
        capable, _ = self.vehicle_capability(vehicle, capability)
        if not capable:
            raise PreconditionError(f"The vehicle is not capable of {capability}.")
        if not override and smart.controls_charging(vehicle):
            raise ControlledError("The vehicle has an active smart charging plan.")
        return self._charge_action(vehicle, vehicle, kind)

    def charge_charger(self, charger_id: str, kind: ChargeKind) -> Action:
        """Handle ``POST /chargers/{id}/charging``: create or reuse an action."""
        charger = self.get_charger(charger_id)
        self.now()
        if "charger:control:charging" not in charger.scopes:
            raise PreconditionError("The charger:control:charging scope was not granted.")
        capability = "startCharging" if kind == "START" else "stopCharging"
        capable, _ = self.charger_capability(charger, capability)
        if not capable:
            raise PreconditionError(f"The charger is not capable of {capability}.")
        vehicle = self.plugged_vehicle(charger)
        # The sandbox has no schedules: the plan of the vehicle it charges controls a charger.
        if (
            vehicle is not None
            and self.paired_vehicle_id(charger)
            and smart.controls_charging(vehicle)
        ):
            raise ControlledError("The charger is controlled by a smart charging plan.")
        return self._charge_action(charger, vehicle, kind)

    def _charge_action(self, target: Device, vehicle: Vehicle | None, kind: ChargeKind) -> Action:
        pending = self._pending_actions(target.id)
        for action in pending:
            if action.kind == kind:
                return action
        if not any(action.kind is not None for action in pending):
            self._check_charge_precondition(target, vehicle, kind)
        return self._new_action(target, kind=kind)

    def _check_charge_precondition(
        self, target: Device, vehicle: Vehicle | None, kind: ChargeKind
    ) -> None:
        if vehicle is None or not vehicle.plugged_in:
            if isinstance(target, Vehicle):
                self._count_unplugged_failure(target)
            raise PreconditionError("No vehicle is plugged in.")
        if kind == "START":
            if vehicle.charging:
                raise PreconditionError("Already charging.")
            if self.is_full(vehicle):
                raise PreconditionError("The vehicle is fully charged.")
        elif not vehicle.charging:
            raise PreconditionError("Charging is already stopped.")

    def set_max_current(self, target_type: TargetType, target_id: str, amps: float) -> Action:
        """Handle ``POST /{vehicles|chargers}/{id}/max-current``."""
        device: Device
        if target_type == "vehicle":
            device = self.get_vehicle(target_id)
            capable, _ = self.vehicle_capability(device, "setMaxCurrent")
        else:
            device = self.get_charger(target_id)
            capable, _ = self.charger_capability(device, "setMaxCurrent")
        self.now()
        if not capable:
            raise PreconditionError(f"The {target_type} is not capable of setMaxCurrent.")
        return self._new_action(device, max_current=amps)

    def get_action(self, target_type: TargetType, action_id: str) -> Action:
        """Return an action of the given target type or raise :class:`NotFoundError`."""
        self.now()
        action = self.actions.get(action_id)
        if action is None or action.target_type != target_type:
            raise NotFoundError(f"Action {action_id} not found.")
        return action

    def cancel_action(self, target_type: TargetType, action_id: str) -> Action:
        """Cancel a pending action; resolved ones raise :class:`ActionResolvedError`."""
        action = self.get_action(target_type, action_id)
        if action.state != "PENDING":
            raise ActionResolvedError(action)
        self._finish(action, "CANCELLED", "REQUESTED_CANCELLATION", "Cancelled on request.")
        return action

    # ------------------------------------------------------------------ smart charging

    def update_smart_policy(
        self,
        vehicle_id: str,
        *,
        is_enabled: bool | None = None,
        deadline: str | None = None,
        minimum_charge_limit: float | None = None,
    ) -> SmartPolicy:
        """Apply a partial smart charging policy, checking what Enode checks."""
        vehicle = self.get_vehicle(vehicle_id)
        self.now()
        policy = vehicle.smart_policy
        new = SmartPolicy(
            is_enabled=policy.is_enabled if is_enabled is None else is_enabled,
            deadline=policy.deadline if deadline is None else deadline,
            minimum_charge_limit=(
                policy.minimum_charge_limit
                if minimum_charge_limit is None
                else minimum_charge_limit
            ),
        )
        if new.is_enabled:
            capable, _ = self.vehicle_capability(vehicle, "smartCharging")
            if not capable:
                raise PreconditionError("The vehicle is not capable of smart charging.")
            if new.deadline is None:
                raise PreconditionError("Smart charging needs a deadline.")
        if new.minimum_charge_limit > vehicle.charge_limit:
            raise PreconditionError("minimumChargeLimit exceeds the vehicle's charge limit.")
        vehicle.smart_policy = new
        self.now()
        return new

    def smart_state(self, vehicle: Vehicle) -> str:
        """Return the ``SmartChargeState``: the plan's while one is shown, else the policy's."""
        plan = smart.current_plan(vehicle)
        if plan is not None:
            return plan.state
        if not vehicle.smart_policy.is_enabled:
            return "DISABLED"
        if vehicle.plugged_in and self.is_full(vehicle):
            return "FULLY_CHARGED"
        return "CONSIDERING"

    def create_smart_override(self, vehicle_id: str) -> SmartOverride:
        """Force charging now; the override ends when charging stops."""
        vehicle = self.get_vehicle(vehicle_id)
        moment = self.now()
        current = vehicle.smart_override
        if current is not None and current.ended_at is None:
            return current
        if not vehicle.plugged_in:
            raise PreconditionError("No vehicle is plugged in.")
        action_id: str | None = None
        if not vehicle.charging:
            action_id = self.charge_vehicle(vehicle.id, "START", override=True).id
        vehicle.smart_override = SmartOverride(created_at=moment, vendor_action_id=action_id)
        self.now()
        return vehicle.smart_override

    def end_smart_override(self, vehicle_id: str) -> SmartOverride:
        """End the active override or raise :class:`NotFoundError`."""
        vehicle = self.get_vehicle(vehicle_id)
        moment = self.now()
        override = vehicle.smart_override
        if override is None or override.ended_at is not None:
            raise NotFoundError("No smart override exists for this vehicle.")
        override.ended_at = moment
        self.now()
        return override

    def get_smart_plan(self, vehicle_id: str, plan_id: str) -> smart.SmartPlan:
        """Return a plan of the vehicle by id, or its newest for ``latest``."""
        vehicle = self.get_vehicle(vehicle_id)
        self.now()
        plans = vehicle.smart_plans
        found = (
            plans[-1:] if plan_id == "latest" else [plan for plan in plans if plan.id == plan_id]
        )
        if not found:
            raise NotFoundError(f"Smart charging plan {plan_id} not found.")
        return found[0]

    # ------------------------------------------------------------------ locations

    def create_location(
        self, user_id: str, name: str, latitude: float, longitude: float, timezone_name: str
    ) -> Location:
        """Create a location for a user (the user is created on demand)."""
        user = self.ensure_user(user_id)
        location = Location(
            id=self.new_id(),
            seq=self._next_seq(),
            user_id=user.id,
            name=name,
            latitude=latitude,
            longitude=longitude,
            timezone_name=timezone_name,
            created_at=self.now(),
        )
        self.locations[location.id] = location
        return location

    def get_location(self, location_id: str) -> Location:
        """Return a location or raise :class:`NotFoundError`."""
        location = self.locations.get(location_id)
        if location is None:
            raise NotFoundError(f"Location {location_id} not found.")
        return location

    def update_location(
        self,
        location_id: str,
        *,
        name: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        timezone_name: str | None = None,
    ) -> Location:
        """Apply a partial update to a location."""
        location = self.get_location(location_id)
        self.now()
        if name is not None:
            location.name = name
        if latitude is not None:
            location.latitude = latitude
        if longitude is not None:
            location.longitude = longitude
        if timezone_name is not None:
            location.timezone_name = timezone_name
        return location

    def delete_location(self, location_id: str) -> Location:
        """Delete a location; chargers that pointed to it lose their location."""
        location = self.get_location(location_id)
        moment = self.now()
        for charger in self.chargers.values():
            if charger.location_id == location.id:
                charger.location_id = None
                charger.location_updated = moment
        del self.locations[location.id]
        return location

    def set_charger_location(self, charger_id: str, location_id: str | None) -> Charger:
        """Handle ``PUT /chargers/{id}``: point a charger at a location of its user."""
        charger = self.get_charger(charger_id)
        moment = self.now()
        if location_id is not None:
            location = self.locations.get(location_id)
            if location is None or location.user_id != charger.user_id:
                raise NotFoundError(f"Location {location_id} not found.")
        charger.location_id = location_id
        charger.location_updated = moment
        return charger

    # ------------------------------------------------------------------ statistics

    def charging_statistics(
        self,
        user_id: str,
        kind: str,
        device_id: str | None,
        *,
        start: float,
        end: float | None,
        resolution: str,
        utc_offset_hours: float = 0.0,
        location_id: str | None = None,
    ) -> list[EnergyBucket]:
        """Handle ``GET /users/{userId}/statistics/charging`` (query already validated).

        Without ``device_id`` every device of ``kind`` counts (no HVACs are simulated). The
        buckets run from ``start`` (no earlier than the devices exist) to ``end`` or now.
        """
        moment = self.now()
        devices = self._statistics_devices(user_id, kind, device_id)
        if location_id is not None:
            location = self.locations.get(location_id)
            if location is None or location.user_id != user_id:
                raise NotFoundError(f"Location {location_id} not found.")
        if not devices:
            return []
        return series(
            (self.energy[device.id] for device in devices if device.id in self.energy),
            first=max(start, min(device.created_at for device in devices)),
            last=moment if end is None else min(end, moment),
            resolution=resolution,
            utc_offset_hours=utc_offset_hours,
            location_id=location_id,
        )

    def _statistics_devices(self, user_id: str, kind: str, device_id: str | None) -> list[Device]:
        if device_id is None:
            if kind == "vehicle":
                return list(self.vehicles_of(user_id))
            if kind == "charger":
                return list(self.chargers_of(user_id))
            return []
        device: Device | None = self.vehicles.get(device_id) or self.chargers.get(device_id)
        if device is None or device.user_id is None or device.user_id != user_id:
            raise NotFoundError(f"Asset {device_id} not found.")
        if device_type(device) != kind:
            raise PreconditionError(f"Asset {device_id} is a {device_type(device)}, not {kind}.")
        return [device]

    # ------------------------------------------------------------------ linking

    def create_link_session(
        self,
        user_id: str,
        *,
        vendor_type: str,
        vendor: str | None,
        scopes: list[str],
        language: str,
        redirect_uri: str,
        color_scheme: str,
        relink_asset_id: str | None = None,
    ) -> LinkSession:
        """Create a single-use Link UI session valid for 24 simulated hours."""
        self.ensure_user(user_id)
        moment = self.now()
        session = LinkSession(
            token=secrets.token_urlsafe(24),
            user_id=user_id,
            vendor_type=vendor_type,
            vendor=vendor,
            scopes=list(scopes),
            language=language,
            redirect_uri=redirect_uri,
            color_scheme=color_scheme,
            created_at=moment,
            expires_at=moment + LINK_SESSION_TTL,
            relink_asset_id=relink_asset_id,
        )
        self.link_sessions[session.token] = session
        return session

    def create_relink_session(
        self, asset_id: str, *, language: str, redirect_uri: str, color_scheme: str
    ) -> LinkSession:
        """Create a session that restores the credentials behind a linked asset."""
        device: Device | None = self.vehicles.get(asset_id) or self.chargers.get(asset_id)
        if device is None or device.user_id is None:
            raise PreconditionError(f"Asset {asset_id} not found.")
        return self.create_link_session(
            device.user_id,
            vendor_type=device_type(device),
            vendor=device.vendor,
            scopes=device.scopes,
            language=language,
            redirect_uri=redirect_uri,
            color_scheme=color_scheme,
            relink_asset_id=device.id,
        )

    def open_link_session(self, token: str) -> LinkSession:
        """Return a usable session, raising NotFound (unknown) or Gone (used/expired)."""
        session = self.link_sessions.get(token)
        if session is None:
            raise NotFoundError("Unknown link session.")
        if session.used or self.now() >= session.expires_at:
            raise GoneError("This link session was already used or has expired.")
        return session

    def link_candidates(self, session: LinkSession) -> list[Device]:
        """Return the unlinked devices a session may link, creating one if there is none."""
        if session.relink_asset_id is not None:
            device: Device | None = self.vehicles.get(session.relink_asset_id) or self.chargers.get(
                session.relink_asset_id
            )
            return [] if device is None else [device]
        candidates: list[Device]
        if session.vendor_type == "vehicle":
            candidates = list(self.pool_vehicles(session.vendor))
            if not candidates:
                candidates = [self.create_vehicle(session.vendor)]
        else:
            candidates = list(self.pool_chargers(session.vendor))
            if not candidates:
                candidates = [self.create_charger(session.vendor)]
        return candidates

    def complete_link(self, token: str, vendor: str | None, device_id: str | None) -> Device:
        """Finish a link session: link the chosen (or a new) device to the session's user."""
        session = self.open_link_session(token)
        if session.relink_asset_id is not None:
            device = self._relink(session)
        else:
            device = self._choose_device(session, vendor, device_id)
            self.link_device(device, session.user_id, session.scopes)
        session.used = True
        return device

    def _relink(self, session: LinkSession) -> Device:
        asset_id = session.relink_asset_id
        device: Device | None = (
            self.vehicles.get(asset_id) or self.chargers.get(asset_id) if asset_id else None
        )
        if device is None or device.user_id != session.user_id:
            raise PreconditionError("The asset is no longer linked.")
        user = self.get_user(session.user_id)
        user.deauthorized = False
        key = (device.vendor, device_type(device))
        user.vendors[key] = LinkedVendor(*key)
        return device

    def _choose_device(
        self, session: LinkSession, vendor: str | None, device_id: str | None
    ) -> Device:
        if device_id:
            device: Device | None = self.vehicles.get(device_id) or self.chargers.get(device_id)
            if (
                device is None
                or device.user_id is not None
                or device_type(device) != session.vendor_type
                or session.vendor not in (None, device.vendor)
            ):
                raise PreconditionError("That device is not available for linking.")
            return device
        vendor = session.vendor or vendor
        if vendor is not None and vendor not in catalog.VENDORS_BY_TYPE[session.vendor_type]:
            raise PreconditionError(f"Unknown {session.vendor_type} vendor {vendor}.")
        if session.vendor_type == "vehicle":
            return self.create_vehicle(vendor)
        return self.create_charger(vendor)

    def cancel_link(self, token: str) -> LinkSession:
        """Mark a session as used because the person cancelled."""
        session = self.open_link_session(token)
        session.used = True
        return session

    # ------------------------------------------------------------------ seeding

    def seed_user(
        self,
        user_id: str,
        *,
        vehicles: int = 0,
        chargers: int = 0,
        vehicle_vendor: str | None = None,
        charger_vendor: str | None = None,
    ) -> tuple[list[Vehicle], list[Charger]]:
        """Link new simulated devices directly to a user with every relevant scope."""
        new_vehicles = [self.create_vehicle(vehicle_vendor) for _ in range(vehicles)]
        new_chargers = [self.create_charger(charger_vendor) for _ in range(chargers)]
        devices: list[Device] = [*new_vehicles, *new_chargers]
        for device in devices:
            self.link_device(device, user_id, catalog.SCOPES)
        return new_vehicles, new_chargers

    # ------------------------------------------------------------------ webhooks registry

    def create_webhook(
        self,
        *,
        url: str,
        secret: str,
        events: list[str],
        api_version: str | None,
        auth: tuple[str, str] | None,
    ) -> Webhook:
        """Register a webhook; the same URL twice is refused as Enode does."""
        moment = self.now()
        if any(hook.url == url for hook in self.webhooks.values()):
            raise PreconditionError("Webhook already exists.")
        webhook = Webhook(
            id=self.new_id(),
            seq=self._next_seq(),
            url=url,
            secret=secret,
            events=events,
            api_version=api_version,
            created_at=moment,
            last_success=moment,
            auth_header_name=auth[0] if auth else None,
            auth_header_value=auth[1] if auth else None,
        )
        self.webhooks[webhook.id] = webhook
        return webhook

    def get_webhook(self, webhook_id: str) -> Webhook:
        """Return a webhook or raise :class:`NotFoundError`."""
        webhook = self.webhooks.get(webhook_id)
        if webhook is None:
            raise NotFoundError(f"Could not find webhook {webhook_id}")
        return webhook

    def delete_webhook(self, webhook_id: str) -> None:
        """Remove a webhook."""
        del self.webhooks[self.get_webhook(webhook_id).id]


def device_type(device: Device) -> TargetType:
    """Return the Enode vendor type of a simulated device."""
    return "vehicle" if isinstance(device, Vehicle) else "charger"

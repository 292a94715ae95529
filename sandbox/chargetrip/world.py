"""Chargetrip's state: user tokens, connected vehicles and their status machine.

The cars themselves are the Enode sandbox's simulated vehicles (``sandbox.enode.world``):
Chargetrip runs Enode underneath, so a connected vehicle that finished the Link step is backed
by an Enode vehicle and its data (battery, charging, odometer, position, per-group dates) come
from that simulation. Pure logic: no HTTP, no asyncio.

Choices where Chargetrip's documents are silent (the client makes the same ones):
- tokens are opaque strings issued by the admin API (Chargetrip's customer integration issues
  them in production); an unknown token is ``AUTH_TOKEN_INVALID``, an expired one
  ``AUTH_TOKEN_EXPIRED``;
- units: ``percentage`` and ``limit`` 0-100, ``range``/``distance`` km, ``capacity`` kWh,
  ``charge_speed`` kW; GeoJSON coordinates ``[longitude, latitude]``;
- a data group outside the granted scopes is ``null``; ``battery`` rides on ``charge_state``;
- the Link step appends ``code`` to the redirect (``redirect_code`` off: no code), and
  ``authorizeConnectedVehicle`` checks it only when one was issued;
- removal goes ``pending_removal`` then ``removed`` after ``removal_delay`` simulated seconds
  (at once for a vehicle never authorized) and is refused while a subscription is open.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sandbox.chargetrip import catalog
from sandbox.chargetrip.errors import ChargetripError
from sandbox.clock import SimClock, isoformat
from sandbox.enode import catalog as enode_catalog
from sandbox.enode.world import Vehicle, World

SCOPES = ("location", "charge_state", "odometer")
STATUSES = ("pending_authorization", "authorized", "pending_removal", "removed")
DEFAULT_REMOVAL_DELAY = 5.0
DEFAULT_PER_MAKE_LIMIT = 5
ACTIVE = ("pending_authorization", "authorized")
_SHOW_VIN = ("authorized", "pending_removal")


@dataclass(slots=True)
class Token:
    """A user's authorization token."""

    value: str
    user_id: str
    expires_at: float | None
    expired: bool = False


@dataclass(slots=True)
class ConnectedVehicle:
    """A catalogue model a user connects; ``sim`` is the Enode vehicle once linked."""

    id: str
    user_id: str
    model: catalog.Model
    label: str | None
    redirect_uri: str
    requested_scope: list[str]
    session: str
    status: str = "pending_authorization"
    scope: list[str] | None = None
    code: str | None = None
    sim: Vehicle | None = None
    removal_due: float | None = None

    def as_json(self, base_url: str) -> dict[str, Any]:
        """Return the ``ConnectedVehicle`` object."""
        pending = self.status == "pending_authorization"
        return {
            "id": self.id,
            "vehicle_id": self.model.id,
            "status": self.status,
            "authorization_url": f"{base_url}/link/{self.session}" if pending else None,
            "provider": catalog.ENODE,
            "scope": list(self.scope if self.scope is not None else self.requested_scope),
            "label": self.label,
            "vin": self.sim.vin if self.sim is not None and self.status in _SHOW_VIN else None,
        }


@dataclass(slots=True)
class Settings:
    """What the admin API can change about the project."""

    error_code_lower: bool = False
    redirect_code: bool = True
    per_make_limit: int = DEFAULT_PER_MAKE_LIMIT
    enode_enabled: bool = True
    free_plan: bool = False
    """The catalogue's ``connect.providers`` is null, as for Chargetrip's free users."""
    removal_delay: float = DEFAULT_REMOVAL_DELAY


@dataclass(slots=True)
class ChargetripWorld:
    """Tokens, connected vehicles and the Enode simulation behind them."""

    clock: SimClock
    seed: int = 0
    settings: Settings = field(default_factory=Settings)
    tokens: dict[str, Token] = field(default_factory=dict)
    vehicles: dict[str, ConnectedVehicle] = field(default_factory=dict)
    subscriptions: dict[str, int] = field(default_factory=dict)
    listeners: list[Callable[[ConnectedVehicle], None]] = field(default_factory=list)
    sim: World = field(init=False)

    def __post_init__(self) -> None:
        self.sim = World(self.clock, seed=self.seed)

    # ------------------------------------------------------------------ tokens

    def issue_token(self, user_id: str, ttl: float | None = None) -> Token:
        """Issue a token for a user, valid for ``ttl`` simulated seconds (None: forever)."""
        expires = None if ttl is None else self.clock.now() + ttl
        token = Token(f"ct_{secrets.token_urlsafe(24)}", user_id, expires)
        self.tokens[token.value] = token
        return token

    def user_of(self, value: str | None) -> str:
        """Return the user a token belongs to, or raise the documented auth error."""
        token = self.tokens.get(strip_bearer(value or ""))
        if token is None:
            raise ChargetripError("AUTH_TOKEN_INVALID")
        if token.expired or (token.expires_at is not None and self.clock.now() >= token.expires_at):
            raise ChargetripError("AUTH_TOKEN_EXPIRED")
        return token.user_id

    def expire(self, value: str) -> None:
        """Make a token answer ``AUTH_TOKEN_EXPIRED`` from now on (unknown tokens: no-op)."""
        token = self.tokens.get(strip_bearer(value))
        if token is not None:
            token.expired = True

    # ------------------------------------------------------------------ time and events

    def tick(self) -> None:
        """Bring the simulation to now and finish due removals."""
        now = self.sim.now()
        for vehicle in list(self.vehicles.values()):
            if vehicle.removal_due is not None and vehicle.removal_due <= now:
                self._set(vehicle, "removed")

    def _notify(self, vehicle: ConnectedVehicle) -> None:
        for listener in list(self.listeners):
            listener(vehicle)

    def _set(self, vehicle: ConnectedVehicle, status: str) -> None:
        vehicle.status = status
        vehicle.removal_due = None
        if status == "removed" and vehicle.sim is not None:
            self.sim.vehicles.pop(vehicle.sim.id, None)
        self._notify(vehicle)

    # ------------------------------------------------------------------ connected vehicles

    def get(self, user_id: str, vehicle_id: str) -> ConnectedVehicle:
        """Return a user's connected vehicle or raise ``CONNECTED_VEHICLE_NOT_FOUND``."""
        vehicle = self.vehicles.get(vehicle_id)
        if vehicle is None or vehicle.user_id != user_id:
            raise ChargetripError("CONNECTED_VEHICLE_NOT_FOUND")
        return vehicle

    def of_user(self, user_id: str, statuses: list[str] | None) -> list[ConnectedVehicle]:
        """Return a user's connected vehicles, oldest first, optionally by status."""
        return [
            vehicle
            for vehicle in self.vehicles.values()
            if vehicle.user_id == user_id and (statuses is None or vehicle.status in statuses)
        ]

    def create(
        self,
        user_id: str,
        model_id: str,
        *,
        label: str | None,
        redirect_uri: str | None,
        scope: list[str] | None,
    ) -> ConnectedVehicle:
        """``createConnectedVehicle``: a pending vehicle with a Link session."""
        model = catalog.BY_ID.get(model_id)
        if model is None:
            raise ChargetripError("VEHICLE_NOT_FOUND")
        if not self.settings.enode_enabled or not model.connectable:
            raise ChargetripError("CONNECT_PROVIDER_NOT_ALLOWED")
        if not redirect_uri or not scope:
            raise ChargetripError("NEW_CONNECTED_VEHICLE_INVALID_OPTIONS_ENODE")
        mine = self.of_user(user_id, list(ACTIVE))
        if any(vehicle.model.id == model_id for vehicle in mine):
            raise ChargetripError("VEHICLE_ALREADY_CONNECTED")
        if sum(v.model.make == model.make for v in mine) >= self.settings.per_make_limit:
            raise ChargetripError("CONNECTED_VEHICLE_PER_MAKE_LIMIT_REACHED")
        vehicle = ConnectedVehicle(
            id=self.sim.new_id(),
            user_id=user_id,
            model=model,
            label=label,
            redirect_uri=redirect_uri,
            requested_scope=[s for s in SCOPES if s in scope],
            session=secrets.token_urlsafe(16),
        )
        self.vehicles[vehicle.id] = vehicle
        return vehicle

    def by_session(self, session: str) -> ConnectedVehicle | None:
        """Return the pending vehicle of a Link session."""
        for vehicle in self.vehicles.values():
            if vehicle.session == session and vehicle.status == "pending_authorization":
                return vehicle
        return None

    def finish_link(self, vehicle: ConnectedVehicle, scope: list[str]) -> str:
        """Finish the Enode Link step: back the vehicle by a simulated car; return the redirect."""
        if vehicle.sim is None:
            vehicle.sim = self._simulated(vehicle)
        vehicle.scope = [s for s in SCOPES if s in scope]
        extra: dict[str, str] = {}
        if self.settings.redirect_code:
            vehicle.code = secrets.token_urlsafe(16)
            extra["code"] = vehicle.code
        return with_query(vehicle.redirect_uri, extra)

    def _simulated(self, vehicle: ConnectedVehicle) -> Vehicle:
        vendor = vehicle.model.vendor or "TESLA"
        car = self.sim.create_vehicle(vendor)
        car.model = vehicle.model.model
        car.capacity_kwh = vehicle.model.usable_kwh
        car.display_name = vehicle.label
        self.sim.link_device(car, vehicle.user_id, enode_catalog.SCOPES)
        return car

    def authorize(self, user_id: str, vehicle_id: str, code: str | None) -> ConnectedVehicle:
        """``authorizeConnectedVehicle``: authorized once the Link step is done."""
        vehicle = self.get(user_id, vehicle_id)
        if vehicle.status == "authorized":
            return vehicle
        if vehicle.status != "pending_authorization" or vehicle.sim is None:
            raise ChargetripError("CONNECTED_VEHICLE_FORBIDDEN")
        if vehicle.code is not None and code is not None and code != vehicle.code:
            raise ChargetripError("AUTH_CODE_INVALID")
        vehicle.code = None
        self._set(vehicle, "authorized")
        return vehicle

    def rename(self, user_id: str, vehicle_id: str, label: str | None) -> ConnectedVehicle:
        """``updateConnectedVehicle``: change the label."""
        vehicle = self.get(user_id, vehicle_id)
        vehicle.label = label
        self._notify(vehicle)
        return vehicle

    def remove(self, user_id: str, vehicle_id: str) -> ConnectedVehicle:
        """``removeConnectedVehicle``: revoke access, then remove."""
        vehicle = self.get(user_id, vehicle_id)
        if vehicle.status not in ACTIVE:
            raise ChargetripError(
                "CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED",
                f"You cannot remove a vehicle with status {vehicle.status}",
            )
        if self.subscriptions.get(vehicle.id, 0) > 0:
            raise ChargetripError(
                "CONNECTED_VEHICLE_REMOVAL_NOT_ALLOWED",
                "You cannot remove a vehicle with an open subscription",
            )
        if vehicle.status == "pending_authorization":
            self._set(vehicle, "removed")
            return vehicle
        self.set_status(vehicle, "pending_removal")
        return vehicle

    def set_status(self, vehicle: ConnectedVehicle, status: str) -> None:
        """Move a vehicle to a status (the admin API, or removal); pushes the change.

        Authorizing a vehicle whose Link step never happened links it with the scopes asked.
        """
        if status == "authorized" and vehicle.sim is None:
            vehicle.scope = list(vehicle.requested_scope)
            vehicle.sim = self._simulated(vehicle)
        self._set(vehicle, status)
        if status == "pending_removal":
            vehicle.removal_due = self.clock.now() + self.settings.removal_delay
            self.tick()

    def seed_connected(
        self, user_id: str, count: int, model_id: str | None = None
    ) -> list[ConnectedVehicle]:
        """Add authorized vehicles with every scope straight to a user."""
        connectable = [model for model in catalog.MODELS if model.connectable]
        made = []
        for index in range(count):
            model = catalog.BY_ID[model_id] if model_id else connectable[index % len(connectable)]
            vehicle = ConnectedVehicle(
                id=self.sim.new_id(),
                user_id=user_id,
                model=model,
                label=None,
                redirect_uri="",
                requested_scope=list(SCOPES),
                session=secrets.token_urlsafe(16),
            )
            vehicle.scope = list(SCOPES)
            vehicle.sim = self._simulated(vehicle)
            vehicle.status = "authorized"
            self.vehicles[vehicle.id] = vehicle
            made.append(vehicle)
        return made

    # ------------------------------------------------------------------ live data

    def data(self, user_id: str, vehicle_id: str) -> dict[str, Any]:
        """``connectedVehicleData``: the groups the granted scopes allow."""
        vehicle = self.get(user_id, vehicle_id)
        if vehicle.status != "authorized" or vehicle.sim is None:
            raise ChargetripError("CONNECTED_VEHICLE_FORBIDDEN")
        self.tick()
        car, scope = vehicle.sim, vehicle.scope or []
        world = self.sim
        charge_date = isoformat(car.charge_updated)
        remaining = world.charge_time_remaining_min(car)
        data: dict[str, Any] = {"battery": None, "charge": None, "location": None, "odometer": None}
        if "charge_state" in scope:
            data["battery"] = {
                "range": round(world.range_km(car), 1),
                "percentage": round(car.soc, 1),
                "capacity": car.capacity_kwh,
                "date": charge_date,
            }
            data["charge"] = {
                "is_plugged_in": car.plugged_in,
                "is_charging": car.plugged_in and car.charging,
                "is_fully_charged": car.plugged_in and world.is_full(car),
                "limit": round(car.charge_limit),
                "charge_speed": round(world.charge_rate_kw(car), 2) if car.charging else 0.0,
                "fully_charged_at": None
                if remaining is None
                else isoformat(world.sim_time + remaining * 60.0),
                "minutes_till_charged": None if remaining is None else round(remaining),
                "date": charge_date,
            }
        if "location" in scope:
            data["location"] = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [car.longitude, car.latitude]},
                "properties": {"date": isoformat(car.location_updated)},
            }
        if "odometer" in scope:
            data["odometer"] = {
                "distance": round(car.odometer_km, 1),
                "date": isoformat(car.odometer_updated),
            }
        return data


def strip_bearer(value: str) -> str:
    """Return a token without a leading ``Bearer`` (either form is accepted)."""
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else value.strip()


def with_query(url: str, extra: dict[str, str]) -> str:
    """Return ``url`` with ``extra`` appended to the query it already has."""
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *extra.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))

"""Chargetrip responses → the shared models; error codes → the typed errors.

Lenient throughout: a field of the wrong type reads as unknown, an unknown status as
``UNKNOWN``, an entry that is not an object is skipped. Units and coordinate order are the
choices written down in ``const``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ..errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    InvalidResponseError,
    NotCapableError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from ..models import (
    Capability,
    CapabilityInfo,
    DeviceInformation,
    GeoPosition,
    LenientEnum,
    LinkStatus,
    Odometer,
    PowerDeliveryState,
    Vehicle,
    VehicleChargeState,
)
from .const import (
    PROVIDER_NAME,
    STATUS_AUTHORIZED,
    STATUS_PENDING_AUTHORIZATION,
    STATUS_PENDING_REMOVAL,
    STATUS_REMOVED,
)

_ERRORS: Final[Mapping[str, type[ProviderError]]] = {
    "auth_token_expired": AuthenticationError,
    "auth_token_invalid": AuthenticationError,
    # Not in the documents: what a missing or unknown client or app id answers (sandbox).
    "unauthorized": AuthenticationError,
    "connect_provider_not_allowed": NotCapableError,
    "connected_vehicle_per_make_limit_reached": ForbiddenError,
    "connected_vehicle_removal_not_allowed": ConflictError,
    "enode_proxy_exception": ProviderUnavailableError,
    "new_connected_vehicle_invalid_options_enode": InvalidRequestError,
    "vehicle_already_connected": ConflictError,
    "connect_multiple_vehicles_not_allowed": ConflictError,
    "auth_code_invalid": NotCapableError,
    "connected_vehicle_forbidden": NotCapableError,
    "connected_vehicle_not_found": NotFoundError,
    "vehicle_not_found": NotFoundError,
    "operation_not_allowed": ForbiddenError,
    "rate_limit_exceeded": RateLimitedError,
}
"""Every code of providers-more.md A.5, lower case: codes are compared case-insensitively."""

# How much an error outranks another when one response carries several.
_RANK: Final[tuple[type[ProviderError], ...]] = (
    AuthenticationError,
    RateLimitedError,
    ProviderUnavailableError,
)

_STATUSES: Final = {
    STATUS_PENDING_AUTHORIZATION: LinkStatus.LINKING,
    STATUS_AUTHORIZED: LinkStatus.LINKED,
    STATUS_PENDING_REMOVAL: LinkStatus.REMOVING,
    STATUS_REMOVED: LinkStatus.REMOVED,
}

_SCOPE_CAPABILITIES: Final = {
    "charge_state": Capability.CHARGE_STATE,
    "location": Capability.LOCATION,
    "odometer": Capability.ODOMETER,
}


class Scope(LenientEnum):
    """A ``ConnectScope``: which data group the user granted."""

    LOCATION = "location"
    CHARGE_STATE = "charge_state"
    ODOMETER = "odometer"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class GraphQLFailure:
    """One entry of ``errors``: its code (lower case, None if absent) and path."""

    code: str | None
    path: tuple[str | int, ...] = ()

    def error(self, operation: str) -> ProviderError:
        """Return the typed error this code stands for; the message names no id or value."""
        cls = _ERRORS.get(self.code or "", ProviderError)
        return cls(f"{PROVIDER_NAME} {operation}: {self.code or 'error'}", problem_type=self.code)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A GraphQL response: what resolved (possibly partial) and what failed."""

    data: dict[str, Any]
    failures: tuple[GraphQLFailure, ...]

    def failure_at(self, field: str) -> GraphQLFailure | None:
        """Return the failure of a top-level (aliased) field, if it failed."""
        return next((f for f in self.failures if f.path[:1] == (field,)), None)

    def worst(self, operation: str) -> ProviderError:
        """Return the error for the whole response: authentication first, then backoff."""
        errors = [failure.error(operation) for failure in self.failures]
        for cls in _RANK:
            if found := next((err for err in errors if type(err) is cls), None):
                return found
        return errors[0]


def parse_envelope(document: Any, operation: str) -> Envelope:
    """Read a response body (HTTP 200 whatever happened); malformed ones are invalid."""
    if not isinstance(document, dict):
        raise InvalidResponseError(f"{PROVIDER_NAME} {operation} did not return an object")
    data, errors = document.get("data"), document.get("errors")
    if (data is not None and not isinstance(data, dict)) or (
        errors is not None and not isinstance(errors, list)
    ):
        raise InvalidResponseError(f"{PROVIDER_NAME} {operation} returned a malformed response")
    if data is None and not errors:
        raise InvalidResponseError(f"{PROVIDER_NAME} {operation} returned neither data nor errors")
    return Envelope(data or {}, tuple(parse_failure(item) for item in errors or ()))


def parse_failure(item: Any) -> GraphQLFailure:
    """Read one ``errors`` entry: ``extensions.exception.code`` (or ``extensions.code``)."""
    if not isinstance(item, dict):
        return GraphQLFailure(None)
    extensions = item.get("extensions")
    code: Any = None
    if isinstance(extensions, dict):
        exception = extensions.get("exception")
        code = exception.get("code") if isinstance(exception, dict) else None
        if not isinstance(code, str):
            code = extensions.get("code")
    path = item.get("path")
    return GraphQLFailure(
        code.lower() if isinstance(code, str) else None,
        tuple(p for p in path if isinstance(p, (str, int))) if isinstance(path, list) else (),
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_status(value: Any) -> LinkStatus:
    """Read a ``ConnectedVehicleStatus``; unknown values are ``UNKNOWN``."""
    if not isinstance(value, str):
        return LinkStatus.UNKNOWN
    return _STATUSES.get(value, LinkStatus.UNKNOWN)


def parse_scopes(value: Any) -> tuple[Scope, ...]:
    """Read the granted scopes, known ones only."""
    if not isinstance(value, list):
        return ()
    scopes = (Scope(item) for item in value if isinstance(item, str))
    return tuple(scope for scope in scopes if scope is not Scope.UNKNOWN)


@dataclass(frozen=True, slots=True)
class ConnectedVehicle:
    """A connected vehicle as listed: ids, link status, scopes, label, VIN."""

    id: str
    vehicle_id: str | None
    status: LinkStatus
    scopes: tuple[Scope, ...] = ()
    label: str | None = None
    vin: str | None = None
    authorization_url: str | None = None


def parse_connected_vehicle(item: Any) -> ConnectedVehicle | None:
    """Read a ``ConnectedVehicle``; None without an id."""
    if not isinstance(item, dict) or (vehicle_id := _str(item.get("id"))) is None:
        return None
    return ConnectedVehicle(
        id=vehicle_id,
        vehicle_id=_str(item.get("vehicle_id")),
        status=parse_status(item.get("status")),
        scopes=parse_scopes(item.get("scope")),
        label=_str(item.get("label")),
        vin=_str(item.get("vin")),
        authorization_url=_str(item.get("authorization_url")),
    )


def parse_connected_vehicles(value: Any) -> list[ConnectedVehicle]:
    """Read the ``connectedVehicleList``; entries without an id are skipped."""
    if not isinstance(value, list):
        return []
    return [vehicle for item in value if (vehicle := parse_connected_vehicle(item)) is not None]


@dataclass(frozen=True, slots=True)
class CatalogueModel:
    """One model of Chargetrip's catalogue, as the linking step shows it."""

    id: str
    make: str
    model: str
    version: str | None = None
    edition: str | None = None
    usable_kwh: float | None = None

    @property
    def title(self) -> str:
        """Make, model, version and edition, as one line."""
        return " ".join(p for p in (self.make, self.model, self.version, self.edition) if p)


def parse_catalogue(value: Any) -> list[CatalogueModel]:
    """Read a ``vehicleList`` page: only models Chargetrip can connect (through Enode)."""
    if not isinstance(value, list):
        return []
    models: list[CatalogueModel] = []
    for item in value:
        if not isinstance(item, dict) or (model_id := _str(item.get("id"))) is None:
            continue
        naming = _object(item.get("naming"))
        providers = _object(item.get("connect")).get("providers")
        if not isinstance(providers, list) or not providers:
            continue
        models.append(
            CatalogueModel(
                id=model_id,
                make=_str(naming.get("make")) or "?",
                model=_str(naming.get("model")) or "?",
                version=_str(naming.get("version")),
                edition=_str(naming.get("edition")),
                usable_kwh=_float(_object(item.get("battery")).get("usable_kwh")),
            )
        )
    return models


def _position(location: dict[str, Any]) -> GeoPosition | None:
    """Read a GeoJSON point, ``[longitude, latitude]``; None if absent or out of range."""
    coordinates = _object(location.get("geometry")).get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    longitude, latitude = _float(coordinates[0]), _float(coordinates[1])
    if longitude is None or latitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return GeoPosition(
        latitude=latitude,
        longitude=longitude,
        last_updated=_datetime(_object(location.get("properties")).get("date")),
    )


def _power_delivery(
    plugged: bool | None, charging: bool | None, full: bool | None
) -> PowerDeliveryState:
    if plugged is None:
        return PowerDeliveryState.UNKNOWN
    if not plugged:
        return PowerDeliveryState.UNPLUGGED
    if charging:
        return PowerDeliveryState.PLUGGED_IN_CHARGING
    if full:
        return PowerDeliveryState.PLUGGED_IN_COMPLETE
    return PowerDeliveryState.PLUGGED_IN_STOPPED


def _latest(*moments: datetime | None) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def parse_vehicle(connected: ConnectedVehicle, data: Any, model: Any) -> Vehicle:
    """Build a vehicle from its list entry, its ``VehicleData`` and catalogue ``Vehicle``.

    A group is read only when its scope is granted; the others give no entity. Without a
    reported capacity, the catalogue's usable capacity stands in.
    """
    data, model = _object(data), _object(model)
    naming = _object(model.get("naming"))
    capacity_kwh = _float(_object(model.get("battery")).get("usable_kwh"))
    scopes = set(connected.scopes)
    battery = _object(data.get("battery")) if Scope.CHARGE_STATE in scopes else {}
    charge = _object(data.get("charge")) if Scope.CHARGE_STATE in scopes else {}
    location = _object(data.get("location")) if Scope.LOCATION in scopes else {}
    odometer = _object(data.get("odometer")) if Scope.ODOMETER in scopes else {}
    plugged, charging = _bool(charge.get("is_plugged_in")), _bool(charge.get("is_charging"))
    full = _bool(charge.get("is_fully_charged"))
    charge_updated = _latest(_datetime(battery.get("date")), _datetime(charge.get("date")))
    position = _position(location)
    odometer_updated = _datetime(odometer.get("date"))
    make = _str(naming.get("make"))
    model = " ".join(
        p for p in (_str(naming.get(key)) for key in ("model", "version", "edition")) if p
    )
    return Vehicle(
        id=connected.id,
        user_id="",
        vendor=make or PROVIDER_NAME,
        last_seen=_latest(
            charge_updated, position.last_updated if position else None, odometer_updated
        ),
        is_reachable=None,
        information=DeviceInformation(
            brand=make, model=model or None, display_name=connected.label, vin=connected.vin
        ),
        charge_state=VehicleChargeState(
            battery_level=_float(battery.get("percentage")),
            range_km=_float(battery.get("range")),
            is_plugged_in=plugged,
            is_charging=charging,
            is_fully_charged=full,
            battery_capacity_kwh=_float(battery.get("capacity")) or capacity_kwh,
            charge_limit=_float(charge.get("limit")),
            charge_rate_kw=_float(charge.get("charge_speed")),
            charge_time_remaining_min=_float(charge.get("minutes_till_charged")),
            power_delivery_state=_power_delivery(plugged, charging, full),
            last_updated=charge_updated,
        ),
        capabilities={
            Capability.INFORMATION: CapabilityInfo(is_capable=True),
            **{
                capability: CapabilityInfo(is_capable=Scope(scope) in scopes)
                for scope, capability in _SCOPE_CAPABILITIES.items()
            },
        },
        odometer=Odometer(_float(odometer.get("distance")), odometer_updated)
        if Scope.ODOMETER in scopes
        else None,
        location=position,
        scopes=tuple(scope.value for scope in connected.scopes),
    )

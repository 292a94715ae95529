"""What a coordinator publishes: every device of one account, as of the last refresh."""

from __future__ import annotations

from dataclasses import dataclass, field

from .api.models import (
    Charger,
    ChargingLocation,
    Connector,
    SmartChargingStatus,
    Vehicle,
)


@dataclass(frozen=True, slots=True)
class ConnectedEVData:
    """Every device of the account, by id, as of the last refresh."""

    vehicles: dict[str, Vehicle] = field(default_factory=dict)
    chargers: dict[str, Charger] = field(default_factory=dict)
    smart_charging: dict[str, SmartChargingStatus] = field(default_factory=dict)
    """Last status per vehicle; only refreshed while the vehicle is plugged in."""
    locations: dict[str, ChargingLocation] = field(default_factory=dict)
    """The account's charging locations (read on startup and after location changes)."""
    lifetime_energy: dict[str, float] = field(default_factory=dict)
    """Last kWh read per device id (``energy`` says when); kept when a read fails."""
    remotes: dict[str, Connector] = field(default_factory=dict)
    """The customer's remotes, each a connector (``ProviderFeature.REMOTES``)."""

    def location_of(self, device: Vehicle | Charger) -> ChargingLocation | None:
        """Return the location a device is at: its own, else (vehicles) its charger's."""
        if isinstance(device, Charger):
            return self.locations.get(device.location_id) if device.location_id else None
        if device.location is not None and device.location.location_id:
            return self.locations.get(device.location.location_id)
        charger_id = device.charge_state.plugged_in_charger_id
        charger = self.chargers.get(charger_id) if charger_id else None
        return self.location_of(charger) if charger is not None else None

    @property
    def any_charging(self) -> bool:
        """Whether any device charges, or any vehicle is driven (ignition on): the fast pace."""
        return any(
            v.charge_state.is_charging or (v.condition is not None and v.condition.ignition_on)
            for v in self.vehicles.values()
        ) or any(c.charge_state.is_charging for c in self.chargers.values())

"""When to read a vehicle's smart-charging status: only when it can have changed.

The status (what smart charging does now, its plan) changes when the car is plugged in or
out, starts or stops charging, when the vehicle's smart-charging policy or preferences
change (from Home Assistant or the provider's app), and when a time in the plan is reached
(start, stop, estimated finish). Those are what a read is tied to; between them the last
status is shown. A plugged-in vehicle's status is also read once ``STATUS_MAX_AGE`` has passed
without any of them: plans also change on the provider's side (new prices, a deadline it
moved), which nothing in the vehicle data announces; while push works the provider pushes
those, so the age does not count then. Unplugged vehicles cost nothing: a plan only exists
while plugged in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from homeassistant.util import dt as dt_util

from .api.errors import AuthenticationError, ProviderError, RateLimitedError
from .api.models import (
    Capability,
    ChargingPreferences,
    SmartChargingPolicy,
    SmartChargingStatus,
    Vehicle,
)
from .api.provider import Provider, ProviderFeature, as_status_reader
from .const import LOGGER

STATUS_MAX_AGE: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class _Basis:
    """What a status was read against: a difference means it may have changed."""

    plugged_in: bool | None
    charging: bool | None
    policy: SmartChargingPolicy | None
    preferences: ChargingPreferences | None

    @classmethod
    def of(cls, vehicle: Vehicle) -> _Basis:
        state = vehicle.charge_state
        return cls(
            state.is_plugged_in,
            state.is_charging,
            vehicle.smart_charging_policy,
            vehicle.charging_preferences,
        )


class StatusSchedule:
    """Remembers what each vehicle's status was read against, and when."""

    def __init__(self) -> None:
        self._read: dict[str, tuple[_Basis, datetime]] = {}

    def due(
        self,
        vehicle: Vehicle,
        status: SmartChargingStatus | None,
        now: datetime,
        *,
        pushed: bool = False,
    ) -> bool:
        """Whether to read the status of this (plugged-in) vehicle now.

        ``pushed``: push works, so the provider's own status changes arrive without a read.
        """
        read = self._read.get(vehicle.id)
        if status is None or read is None:
            return True
        basis, at = read
        if basis != _Basis.of(vehicle) or (not pushed and now - at >= STATUS_MAX_AGE):
            return True
        plan = status.plan
        moments = (plan.start_at, plan.stop_at, plan.estimated_finish_at) if plan else ()
        return any(moment is not None and at < moment <= now for moment in moments)

    async def async_read(
        self,
        provider: Provider,
        vehicles: list[Vehicle],
        previous: Mapping[str, SmartChargingStatus],
        *,
        pushed: bool,
    ) -> dict[str, SmartChargingStatus]:
        """Read the statuses that are due; keep the others' last one (one request each).

        Errors other than authentication keep the last value (the status is secondary
        data); a rate limit ends the round.
        """
        statuses: dict[str, SmartChargingStatus] = {}
        fetch = ProviderFeature.SMART_CHARGING in provider.features
        now = dt_util.utcnow()
        for vehicle in vehicles:
            if not vehicle.charge_state.is_plugged_in:
                self.forget(vehicle.id)  # plugged in again, it is read again
            elif (
                fetch
                and vehicle.can(Capability.SMART_CHARGING)
                and self.due(vehicle, previous.get(vehicle.id), now, pushed=pushed)
            ):
                try:
                    statuses[vehicle.id] = await as_status_reader(
                        provider
                    ).async_get_smart_charging_status(vehicle.id)
                    self.read(vehicle, now)
                    continue
                except AuthenticationError:
                    raise
                except RateLimitedError:
                    fetch = False  # no more status requests in this refresh
                except ProviderError as err:
                    LOGGER.debug("Could not read the smart-charging status: %s", err)
            if (status := previous.get(vehicle.id)) is not None:
                statuses[vehicle.id] = status
        return statuses

    def read(self, vehicle: Vehicle, now: datetime) -> None:
        """Note a successful read of the vehicle's status."""
        self._read[vehicle.id] = (_Basis.of(vehicle), now)

    def forget(self, vehicle_id: str) -> None:
        """Read the vehicle's status when it is next plugged in (it was unplugged)."""
        self._read.pop(vehicle_id, None)

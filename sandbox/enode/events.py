"""Turn world changes into webhook events.

Lifecycle events (discovered, deleted, action updates, credentials invalidated) come straight
from the world's callbacks. ``user:vehicle:updated``/``user:charger:updated`` are found by
rendering each device and comparing it with what was last announced, so any change (simulation,
API call or admin poke) is reported with the list of ``updatedFields`` that changed.
``user:vehicle:smart-charging-status-updated`` is found the same way from each vehicle's
smart-charging status (its ``updatedAt`` alone changes on every rendering and never counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.clock import isoformat
from sandbox.enode import catalog
from sandbox.enode.payloads import charger_json, event_json, smart_status_json, vehicle_json
from sandbox.enode.world import Vehicle, World, WorldEvent

type JSON = dict[str, Any]

SMART_STATUS_EVENT = "user:vehicle:smart-charging-status-updated"

# Fields that change on every poll; they are reported only alongside a real change.
TIMESTAMP_FIELDS = frozenset(
    {"lastSeen", "chargeState.lastUpdated", "location.lastUpdated", "odometer.lastUpdated"}
)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested objects into ``{"a.b": leaf}``; lists are leaves."""
    if isinstance(value, dict) and value:
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: value}


class EventHub:
    """Renders world events and detects device updates for the webhook dispatcher."""

    def __init__(
        self,
        world: World,
        sink: Callable[[JSON], None],
        *,
        enabled: Callable[[], bool] = lambda: True,
    ) -> None:
        self.world = world
        self._sink = sink
        self._enabled = enabled
        self._baselines: dict[str, dict[str, Any]] = {}
        self._smart_baselines: dict[str, dict[str, Any]] = {}
        world.listeners.append(self._on_world_event)

    def _on_world_event(self, event: WorldEvent) -> None:
        body = event_json(self.world, event)
        device: JSON | None = body.get("vehicle", body.get("charger"))
        if device is not None and event.name.endswith(":discovered"):
            self._baselines[device["id"]] = flatten(device)
        elif device is not None and event.name.endswith(":deleted"):
            self._baselines.pop(device["id"], None)
        if self._enabled():
            self._sink(body)

    def collect(self) -> None:
        """Emit an ``:updated`` event for each device (and smart status) that changed.

        Baselines are kept even while no webhook exists, so a change made just after the
        first webhook is registered is still delivered rather than absorbed.
        """
        enabled = self._enabled()
        seen: set[str] = set()
        for vehicle in self.world.vehicles_of(None):
            seen.add(vehicle.id)
            self._compare(
                enabled,
                vehicle.id,
                vehicle.user_id,
                "user:vehicle:updated",
                "vehicle",
                vehicle_json(self.world, vehicle),
            )
            self._compare_smart(enabled, vehicle)
        for charger in self.world.chargers_of(None):
            seen.add(charger.id)
            self._compare(
                enabled,
                charger.id,
                charger.user_id,
                "user:charger:updated",
                "charger",
                charger_json(self.world, charger),
            )
        for device_id in set(self._baselines) - seen:
            del self._baselines[device_id]
        for device_id in set(self._smart_baselines) - seen:
            del self._smart_baselines[device_id]

    def _compare_smart(self, enabled: bool, vehicle: Vehicle) -> None:
        """Emit the vehicle's smart-charging status when anything but ``updatedAt`` changed."""
        status = smart_status_json(self.world, vehicle)
        current = flatten(status)
        del current["updatedAt"]
        baseline = self._smart_baselines.get(vehicle.id)
        self._smart_baselines[vehicle.id] = current
        user_id = vehicle.user_id
        if (
            not enabled
            or baseline is None
            or user_id is None
            or not self.world.events_enabled(user_id)
        ):
            return
        changed = [field for field, value in current.items() if baseline.get(field) != value]
        if changed:
            self._sink(
                {
                    "event": SMART_STATUS_EVENT,
                    "createdAt": isoformat(self.world.sim_time),
                    "version": catalog.API_VERSION,
                    "user": {"id": user_id},
                    "smartChargingStatus": status,
                    "updatedFields": changed,
                }
            )

    def _compare(
        self,
        enabled: bool,
        device_id: str,
        user_id: str | None,
        name: str,
        key: str,
        rendered: JSON,
    ) -> None:
        current = flatten(rendered)
        baseline = self._baselines.get(device_id)
        self._baselines[device_id] = current
        if (
            not enabled
            or baseline is None
            or user_id is None
            or not self.world.events_enabled(user_id)
        ):
            return
        changed = [field for field, value in current.items() if baseline.get(field) != value]
        if not any(field not in TIMESTAMP_FIELDS for field in changed):
            self._baselines[device_id] = {
                **current,
                **{f: baseline[f] for f in TIMESTAMP_FIELDS if f in baseline},
            }
            return
        self._sink(
            event_json(
                self.world,
                WorldEvent(name, user_id, self.world.sim_time, updated_fields=changed),
            )
            | {key: rendered}
        )

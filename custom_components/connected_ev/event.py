"""Events: plugged in, unplugged, charging started or stopped, and target reached.

Each event is a change between two consecutive readings of a device, so automations can react
to it. The first reading after setup (or a restart) is only a starting point, and a value
changing from or to unknown is no event: nothing says it really changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Charger, PowerDeliveryState, Vehicle
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities, reports_charge_state

PARALLEL_UPDATES = 0

EVENT_PLUGGED_IN = "plugged_in"
EVENT_UNPLUGGED = "unplugged"
EVENT_CHARGING_STARTED = "charging_started"
EVENT_CHARGING_STOPPED = "charging_stopped"
EVENT_TARGET_REACHED = "target_reached"


# The order events of one reading are fired in: how a charging session unfolds.
EVENT_ORDER = (
    EVENT_PLUGGED_IN,
    EVENT_CHARGING_STARTED,
    EVENT_CHARGING_STOPPED,
    EVENT_TARGET_REACHED,
    EVENT_UNPLUGGED,
)


def _changed(before: bool | None, after: bool | None) -> bool | None:
    """Return the new value if a known value changed to another known one, else None."""
    if before is None or after is None or before == after:
        return None
    return after


def _plug_and_charge_events(before: Vehicle | Charger, after: Vehicle | Charger) -> set[str]:
    """Collect the events of the plug and of the charging flag between two readings."""
    events: set[str] = set()
    old, new = before.charge_state, after.charge_state
    if (plugged := _changed(old.is_plugged_in, new.is_plugged_in)) is not None:
        events.add(EVENT_PLUGGED_IN if plugged else EVENT_UNPLUGGED)
    if (charging := _changed(old.is_charging, new.is_charging)) is not None:
        events.add(EVENT_CHARGING_STARTED if charging else EVENT_CHARGING_STOPPED)
    return events


def _in_order(events: set[str]) -> list[str]:
    return [event for event in EVENT_ORDER if event in events]


def _charger_events(before: Charger, after: Charger) -> list[str]:
    """List what happened at a charger between two readings, in the order it happened."""
    return _in_order(_plug_and_charge_events(before, after))


def _target_reached(before: Vehicle, after: Vehicle) -> bool:
    """Tell whether the vehicle became fully charged (by its flag, or charging completed)."""
    old, new = before.charge_state, after.charge_state
    if _changed(old.is_fully_charged, new.is_fully_charged):
        return True
    complete = PowerDeliveryState.PLUGGED_IN_COMPLETE
    return (
        new.power_delivery_state is complete
        and old.power_delivery_state not in (PowerDeliveryState.UNKNOWN, complete)
        # Already full by the flag: that was the event (once), not this.
        and old.is_fully_charged is not True
    )


def _vehicle_events(before: Vehicle, after: Vehicle) -> list[str]:
    """List what happened to a vehicle between two readings, in the order it happened."""
    events = _plug_and_charge_events(before, after)
    if _target_reached(before, after):
        events.add(EVENT_TARGET_REACHED)
    return _in_order(events)


@dataclass(frozen=True, kw_only=True)
class ConnectedEVEventEntityDescription[DeviceT: Vehicle | Charger](EventEntityDescription):
    """The events of a device, and how to tell them from two readings."""

    events_fn: Callable[[DeviceT, DeviceT], list[str]]


VEHICLE_EVENT = ConnectedEVEventEntityDescription[Vehicle](
    key="charging_session",
    translation_key="charging_session",
    event_types=[
        EVENT_PLUGGED_IN,
        EVENT_UNPLUGGED,
        EVENT_CHARGING_STARTED,
        EVENT_CHARGING_STOPPED,
        EVENT_TARGET_REACHED,
    ],
    events_fn=_vehicle_events,
)

CHARGER_EVENT = ConnectedEVEventEntityDescription[Charger](
    key="charging_session",
    translation_key="charging_session",
    event_types=[
        EVENT_PLUGGED_IN,
        EVENT_UNPLUGGED,
        EVENT_CHARGING_STARTED,
        EVENT_CHARGING_STOPPED,
    ],
    events_fn=_charger_events,
)


def _events[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator,
    device: DeviceT,
    description: ConnectedEVEventEntityDescription[DeviceT],
) -> Iterator[ConnectedEVEvent[DeviceT]]:
    if reports_charge_state(device):
        yield ConnectedEVEvent(coordinator, device, description)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the charging event entity of every device, and of devices linked later."""
    async_add_device_entities(
        entry,
        async_add_entities,
        lambda coordinator, vehicle: _events(coordinator, vehicle, VEHICLE_EVENT),
        lambda coordinator, charger: _events(coordinator, charger, CHARGER_EVENT),
    )


class ConnectedEVEvent[DeviceT: Vehicle | Charger](ConnectedEVEntity[DeviceT], EventEntity):
    """The charging events of a vehicle or charger, told from its successive readings.

    The device the entity was created with (or last saw) is the reading each update is
    compared with, so the first data after setup fires nothing. Polled and pushed data
    both arrive as coordinator updates, so both fire events.
    """

    entity_description: ConnectedEVEventEntityDescription[DeviceT]

    @callback
    @override
    def _handle_coordinator_update(self) -> None:
        """Fire what changed since the last reading, each as its own state change."""
        if (device := self._find()) is not None:
            for event_type in self.entity_description.events_fn(self.device, device):
                self._trigger_event(event_type)
                self.async_write_ha_state()
        super()._handle_coordinator_update()

"""Which devices' entities a refresh must update: work proportional to what changed.

Entities listen with their device's id as context (``entity``); a refresh in which one of a
hundred devices changed updates that device's entities only. A device's entities show its own
data, its smart-charging status and lifetime energy, and a little of the device it is plugged
into (name, location): so a change reaches the device and its plug partners. Anything that
every entity may show — the charging locations, the set of devices, a device's name (enum
sensors list every charger by name) — updates every entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .api.models import Charger, Vehicle
from .devices import device_name

if TYPE_CHECKING:
    from .data import ConnectedEVData


def changed_devices(old: ConnectedEVData | None, new: ConnectedEVData) -> frozenset[str] | None:
    """Return the ids of devices whose entities may show something new; ``None``: all."""
    if (
        old is None
        or old.locations != new.locations
        or old.vehicles.keys() != new.vehicles.keys()
        or old.chargers.keys() != new.chargers.keys()
    ):
        return None
    changed: set[str] = set()
    for before, after in ((old.vehicles, new.vehicles), (old.chargers, new.chargers)):
        for device_id, device in after.items():
            if before[device_id] != device:
                if device_name(before[device_id]) != device_name(device):
                    return None
                changed.add(device_id)
    changed |= _differing(old.smart_charging, new.smart_charging)
    changed |= _differing(old.lifetime_energy, new.lifetime_energy)
    devices: list[Vehicle | Charger] = [
        *old.vehicles.values(),
        *old.chargers.values(),
        *new.vehicles.values(),
        *new.chargers.values(),
    ]
    partners = {
        device.id if device.id not in changed else partner
        for device in devices
        if (partner := _plugged_into(device)) is not None
        and (device.id in changed or partner in changed)
    }
    return frozenset(changed | partners)


def _differing(before: Mapping[str, object], after: Mapping[str, object]) -> set[str]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def _plugged_into(device: Vehicle | Charger) -> str | None:
    if isinstance(device, Vehicle):
        return device.charge_state.plugged_in_charger_id
    return device.charge_state.plugged_in_vehicle_id


class ChangeTrackingCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """A coordinator whose refresh updates only the listeners of changed devices.

    Listeners with a context (entities: their device's id) are updated when ``_changed``
    names it; listeners without one always are. Data that does not come from a poll is
    shown with ``async_publish``, which leaves the poll timer alone.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._changed: frozenset[str] | None = None
        """Devices the coming update is for (``None``: update every listener)."""

    @callback
    def async_publish(self, data: DataT) -> None:
        """Show data that did not come from a poll, without moving the next poll.

        Unlike ``async_set_updated_data``, the poll timer is left alone: pushes arriving
        all the time must not postpone the safety poll for ever.
        """
        if not self.last_update_success:
            self._changed = None  # every entity becomes available again
        self.data = data
        self.last_update_success = True
        self.async_update_listeners()

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Update the listeners of changed devices only, when the update said which."""
        changed, self._changed = self._changed, None
        if changed is None:
            super().async_update_listeners()
            return
        for update_callback, context in list(self._listeners.values()):
            if context is None or context in changed:
                update_callback()

    @override
    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        """Refresh; only the refresh's own listener update is narrowed to changed devices.

        That update runs in the same call, right after the data is set; a refresh whose data
        did not change has none, and must not narrow a later one (an action's, a push's).
        """
        try:
            await super()._async_refresh(
                log_failures, raise_on_auth_failed, scheduled, raise_on_entry_error
            )
        finally:
            self._changed = None

"""Which devices' entities a refresh must update: work proportional to what changed.

Entities listen with their device's id as context (``entity``); a refresh in which one of a
hundred devices changed updates that device's entities only. A device's entities show its own
data, its smart-charging status and lifetime energy, and a little of the device it is plugged
into (name, location): so a change reaches the device and its plug partners. Anything that
every entity may show — the charging locations, the set of devices, a device's name (enum
sensors list every charger by name) — updates every entity.

Listeners are indexed by context, so such an update calls the changed devices' listeners
without a pass over everyone's; a listener without context (the one adding entities) reads
``updated_devices`` to look at those devices alone. An unchanged device is mostly the very
same model as before (``api.parse_cache``), so telling it unchanged is an identity check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import CALLBACK_TYPE, callback
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
            # An unchanged device is mostly the very same model (``api.parse_cache``).
            if (previous := before[device_id]) is not device and previous != device:
                if device_name(previous) != device_name(device):
                    return None
                changed.add(device_id)
    changed |= _differing(old.smart_charging, new.smart_charging)
    changed |= _differing(old.lifetime_energy, new.lifetime_energy)
    # Plug partners, both ways: where a changed device was or is plugged in, and the devices
    # that name a changed one (an unchanged device names the same partner before and after).
    versions = (
        version
        for data in (old, new)
        for device_id in changed
        if (version := data.vehicles.get(device_id) or data.chargers.get(device_id))
    )
    partners = {partner for version in versions if (partner := _plugged_into(version))}
    partners.update(
        vehicle.id
        for vehicle in new.vehicles.values()
        if vehicle.charge_state.plugged_in_charger_id in changed
    )
    partners.update(
        charger.id
        for charger in new.chargers.values()
        if charger.charge_state.plugged_in_vehicle_id in changed
    )
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
        self._by_context: dict[object, dict[int, CALLBACK_TYPE]] = {}
        """Listener ids by context: a narrowed update looks up the changed devices' only."""
        self.updated_devices: frozenset[str] | None = None
        """While listeners are called: the devices the update is for (``None``: all).

        Narrowed only when the set of devices is the same as before the update, so a
        listener without context (the one adding entities) can look at these alone.
        """

    @callback
    @override
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for data updates; indexed by context, so a narrowed update finds them."""
        remove = super().async_add_listener(update_callback, context)
        listener_id = self._last_listener_id
        listeners = self._by_context.setdefault(context, {})
        listeners[listener_id] = update_callback

        @callback
        def remove_listener() -> None:
            listeners.pop(listener_id, None)
            if not listeners and self._by_context.get(context) is listeners:
                del self._by_context[context]
            remove()

        return remove_listener

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
        outer, self.updated_devices = self.updated_devices, changed
        try:
            if changed is None:
                super().async_update_listeners()
            else:
                self._update_listeners_of(changed)
        finally:
            self.updated_devices = outer

    def _update_listeners_of(self, changed: frozenset[str]) -> None:
        """Call the listeners of ``changed`` and those without context, as a full update would.

        In the order they listen; one removed meanwhile (by an earlier one) is skipped.
        """
        by_context = self._by_context
        listener_ids = sorted(
            chain.from_iterable(by_context.get(context, ()) for context in (None, *changed))
        )
        for listener_id in listener_ids:
            if (listener := self._listeners.get(listener_id)) is None:
                continue
            try:
                listener[0]()
            except Exception:
                self.logger.exception(
                    "Unexpected error updating listener %s for %s", id(listener[0]), self.name
                )

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

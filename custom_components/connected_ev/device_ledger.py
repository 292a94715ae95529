"""Which device data is newest, which devices were deleted, and when a device is removed.

Newer data wins, whatever path it came by. A poll takes several requests, seconds apart; a
push delivery or an action's answer can be applied while it is in flight, and the poll's
answer, read before, must not roll that back. So every change applied outside a poll is
stamped with a generation (a counter, not a clock: the provider's and ours differ), a poll
notes the generation when it sends its first request, and for a device changed after that it
keeps what is shown, unless the provider saw the device later (``last_seen``).

Deletions are remembered (the last ``DELETIONS_REMEMBERED``), so that a late retry of an older
``updated`` event cannot create a deleted device again: only a poll sent after the deletion
that lists the device again (linked again) brings it back.

Removing a device from Home Assistant loses its entity ids, customisations and the link to
its history, so a device is removed only when the provider says so:

- at once when a push event says it was deleted;
- when it has been missing from ``ABSENT_REFRESHES_BEFORE_REMOVAL`` consecutive successful
  refreshes. Until then it stays, its entities unavailable. A refresh that misses more than
  half of the devices (or all) looks like a provider glitch: the coordinator warns and raises
  a repair issue while such devices are held back, and both go when they are listed again or
  removed after the consecutive refreshes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping, Set
from typing import Final

from .api.models import Charger, SmartChargingStatus, Vehicle

ABSENT_REFRESHES_BEFORE_REMOVAL: Final = 3
"""Consecutive successful refreshes a device must be missing from before it is removed."""

DELETIONS_REMEMBERED: Final = 256
"""Deleted device ids kept: far more than one account deletes while late retries can come."""


class DeviceLedger:
    """Stamps changes, remembers deletions and counts absences for one coordinator."""

    def __init__(self) -> None:
        self.generation = 0
        """Increases with every change applied outside a poll; a poll notes it when sent."""
        self._changed: dict[str, int] = {}
        self._status_changed: dict[str, int] = {}
        self._deleted: OrderedDict[str, int] = OrderedDict()
        self._absent: dict[str, int] = {}

    def stamp(self, device_ids: Iterable[str], *, statuses: Iterable[str] = ()) -> None:
        """Note devices (and smart-charging statuses, by vehicle) changed outside a poll."""
        self.generation += 1
        for device_id in device_ids:
            self._changed[device_id] = self.generation
        for vehicle_id in statuses:
            self._status_changed[vehicle_id] = self.generation

    def delete(self, device_ids: Iterable[str]) -> None:
        """Remember devices the provider said were deleted."""
        self.generation += 1
        for device_id in device_ids:
            self._deleted[device_id] = self.generation
            self._deleted.move_to_end(device_id)
            self._changed.pop(device_id, None)
            self._status_changed.pop(device_id, None)
            self._absent.pop(device_id, None)
        while len(self._deleted) > DELETIONS_REMEMBERED:
            self._deleted.popitem(last=False)

    def is_deleted(self, device_id: str) -> bool:
        """Whether the provider deleted the device and no poll since has listed it."""
        return device_id in self._deleted

    def merge[DeviceT: Vehicle | Charger](
        self, polled: Mapping[str, DeviceT], shown: Mapping[str, DeviceT], sent: int
    ) -> dict[str, DeviceT]:
        """Return a poll's devices, sent at generation ``sent``, with newer shown data kept."""
        merged: dict[str, DeviceT] = {}
        for device_id, device in polled.items():
            if (deleted := self._deleted.get(device_id)) is not None:
                if deleted > sent:
                    continue  # listed before the deletion was applied
                del self._deleted[device_id]  # listed after it: linked again
            current = shown.get(device_id)
            if current is not None and self._changed_since(device_id, sent):
                merged[device_id] = device if _seen_later(device, current) else current
            else:
                merged[device_id] = device
        for device_id, current in shown.items():
            if device_id not in polled and self._changed_since(device_id, sent):
                merged[device_id] = current  # pushed after the list was read
        return merged

    def merge_statuses(
        self,
        polled: Mapping[str, SmartChargingStatus],
        shown: Mapping[str, SmartChargingStatus],
        sent: int,
    ) -> dict[str, SmartChargingStatus]:
        """Return a poll's smart-charging statuses with the ones pushed since ``sent`` kept."""
        merged = dict(polled)
        for vehicle_id, status in shown.items():
            if self._status_changed.get(vehicle_id, 0) > sent:
                merged[vehicle_id] = status
        return merged

    def count_absent(self, missing: Iterable[str], unread: Set[str] = frozenset()) -> set[str]:
        """Count one successful refresh; return the missing devices now due for removal.

        ``missing``: the devices Home Assistant has that the refresh did not list. A device
        listed again starts from zero; one of a list the refresh did not read (``unread``)
        keeps its count.
        """
        absent = {device_id: n for device_id, n in self._absent.items() if device_id in unread}
        due: set[str] = set()
        for device_id in missing:
            count = self._absent.get(device_id, 0) + 1
            if count >= ABSENT_REFRESHES_BEFORE_REMOVAL:
                due.add(device_id)
                self._changed.pop(device_id, None)
                self._status_changed.pop(device_id, None)
            else:
                absent[device_id] = count
        self._absent = absent
        return due

    def _changed_since(self, device_id: str, sent: int) -> bool:
        return self._changed.get(device_id, 0) > sent


def _seen_later(device: Vehicle | Charger, than: Vehicle | Charger) -> bool:
    """Whether the provider saw ``device`` after ``than`` (unknown times: it did not)."""
    return (
        device.last_seen is not None
        and than.last_seen is not None
        and device.last_seen > than.last_seen
    )

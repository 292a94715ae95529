"""The entry's devices in Home Assistant's registries, kept true to what the provider lists.

Devices the provider no longer lists are removed with their entities only when the provider
is sure (the policy is in ``device_ledger``), and repair issues tell the user about devices
held back during a glitch and about vehicles whose battery capacity nobody reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir

from .api.models import Capability, Charger, PreferenceField, Vehicle
from .api.provider import Provider, SmartChargingPreferences
from .const import DOMAIN, LOGGER
from .device_ledger import ABSENT_REFRESHES_BEFORE_REMOVAL, DeviceLedger
from .identifiers import provider_device_id
from .issues import create_warning_issue


def device_name(device: Vehicle | Charger) -> str:
    """Name the device as a person knows it: theirs, else brand and model, else vendor."""
    info = device.information
    if info.display_name:
        return info.display_name
    if parts := [part for part in (info.brand, info.model) if part]:
        return " ".join(parts)
    return device.vendor.title()


class RegisteredDevices:
    """Removes the entry's devices the provider no longer lists; raises device repairs."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, ledger: DeviceLedger) -> None:
        self._hass = hass
        self._entry = entry
        self._ledger = ledger
        self._holding_back = False
        self._provider_ids: dict[str, tuple[dr.DeviceEntry, str | None]] = {}
        """Provider id per registry device, kept while the registry's entry is the same one."""

    def update_capacity_issues(self, provider: Provider, vehicles: Iterable[Vehicle]) -> None:
        """Tell the user when smart charging needs a battery capacity nobody reports.

        Only where the provider takes the capacity as a preference: a vehicle that reports
        none in its charge state or preferences must have it set by the user.
        """
        if (
            not isinstance(provider, SmartChargingPreferences)
            or PreferenceField.BATTERY_CAPACITY not in provider.supported_preference_fields
        ):
            return
        for vehicle in vehicles:
            issue_id = f"battery_capacity_{self._entry.entry_id}_{vehicle.id}"
            preferences = vehicle.charging_preferences
            missing = (
                vehicle.can(Capability.SMART_CHARGING)
                and vehicle.charge_state.battery_capacity_kwh is None
                and (preferences is None or preferences.battery_capacity_kwh is None)
            )
            if missing:
                create_warning_issue(
                    self._hass,
                    issue_id,
                    "battery_capacity_missing",
                    {
                        "vehicle": device_name(vehicle),
                        "title": self._entry.title,
                    },
                )
            else:
                ir.async_delete_issue(self._hass, DOMAIN, issue_id)

    def _registered(self) -> dict[str, dr.DeviceEntry]:
        """Return the entry's devices in the registry by provider id (not the account's)."""
        registry = dr.async_get(self._hass)
        devices = dr.async_entries_for_config_entry(registry, self._entry.entry_id)
        known, self._provider_ids = self._provider_ids, {}
        for device in devices:
            cached = known.get(device.id)
            device_id = (
                cached[1]
                if cached is not None and cached[0] is device
                else provider_device_id(self._entry, device)
            )
            self._provider_ids[device.id] = (device, device_id)
        return {
            device_id: device
            for device, device_id in self._provider_ids.values()
            if device_id is not None
        }

    def registered(self) -> set[str]:
        """Return the provider ids of the entry's devices in the registry."""
        return set(self._registered())

    def remove(self, device_ids: set[str]) -> None:
        """Remove devices with their entities (a device belongs to this entry alone)."""
        registry = dr.async_get(self._hass)
        for device_id, device in self._registered().items():
            if device_id in device_ids:
                registry.async_remove_device(device.id)

    def remove_absent(self, listed: Set[str], unread: Set[str] = frozenset()) -> bool:
        """Remove devices missing from consecutive refreshes; warn while a glitch holds many.

        ``listed`` are the ids the refresh listed, ``unread`` those of lists it did not read
        (neither listed nor missing); return whether any device was removed.

        The policy is in ``device_ledger``: one refresh never removes a device, and a refresh
        that misses more than half of them raises a repair issue while they are held back.
        """
        registered = self._registered()
        missing = registered.keys() - listed - unread
        if due := self._ledger.count_absent(missing, unread):
            LOGGER.info(
                "Removing %d device(s) of %s that the provider no longer lists",
                len(due),
                self._entry.title,
            )
            self.remove(due)
        held = missing - due
        glitch = bool(held) and 2 * len(missing) > len(registered)
        if glitch and not self._holding_back:
            LOGGER.warning(
                "The provider listed %d of %d devices of %s; keeping the missing ones until "
                "%d refreshes in a row confirm that they are gone",
                len(registered) - len(missing),
                len(registered),
                self._entry.title,
                ABSENT_REFRESHES_BEFORE_REMOVAL,
            )
        if glitch:
            create_warning_issue(
                self._hass,
                self._devices_missing_issue_id,
                "devices_missing",
                {
                    "title": self._entry.title,
                    "count": str(len(held)),
                },
            )
        elif self._holding_back:
            ir.async_delete_issue(self._hass, DOMAIN, self._devices_missing_issue_id)
        self._holding_back = glitch
        return bool(due)

    @property
    def _devices_missing_issue_id(self) -> str:
        return f"devices_missing_{self._entry.entry_id}"

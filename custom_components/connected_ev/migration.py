"""Config entry migration to device identifiers and unique ids scoped by the entry.

Version 1 registered a device as ``(DOMAIN, <provider device id>)`` and its entities as
``<provider device id>_<key>``; version 2 scopes both by the entry (``identifiers``). The
registry entries are renamed in place, so entity ids, names, areas, customisations and
history stay. A major version, because a release that only knows version 1 would register
every device and entity a second time under its old ids; Home Assistant refuses to load a
newer major version, so a downgrade fails visibly instead.

The minor version keeps its meaning across the major bump: from minor version 2 on, an
application-credential entry's unique id names its client
(``providers.async_migrate_unique_id``), which may still be pending after this migration.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .identifiers import (
    account_entity_unique_id,
    account_identifier,
    device_identifier,
    entity_unique_id,
)

SCOPED_IDENTIFIERS_VERSION = 2
"""The entry version from which identifiers and unique ids are scoped by the entry."""


ACCOUNT_PREFIX = "account_"
"""Version 1's account device (push sensors): ``account_<entry unique id>``.

It moves to the entry id too, because the unique id itself can still change (the minor
version's client-based unique id, a reconfigured credential) and would orphan it.
"""


def _provider_ids(entry: ConfigEntry, device: dr.DeviceEntry) -> set[str]:
    """Return the provider ids a device of ``entry`` is registered under, old or new style."""
    scope = device_identifier(entry, "")[1]
    return {
        identifier.removeprefix(scope)
        for domain, identifier in device.identifiers
        if domain == DOMAIN
        and not identifier.startswith(ACCOUNT_PREFIX)
        and (domain, identifier) != account_identifier(entry)
    }


def _old_account_keys(device: dr.DeviceEntry) -> set[str]:
    """Return the unique ids a version 1 account device was named after (none if moved)."""
    return {
        identifier.removeprefix(ACCOUNT_PREFIX)
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier.startswith(ACCOUNT_PREFIX)
    }


def _migrate_account_device(
    devices: dr.DeviceRegistry,
    entities: er.EntityRegistry,
    entry: ConfigEntry,
    device: dr.DeviceEntry,
    old_keys: set[str],
) -> None:
    """Move a version 1 account device and its entities to the entry id, in place."""
    for entity in er.async_entries_for_device(entities, device.id, include_disabled_entities=True):
        key = next(
            (
                entity.unique_id.removeprefix(f"{old_key}_")
                for old_key in old_keys
                if entity.unique_id.startswith(f"{old_key}_")
            ),
            None,
        )
        if key is not None:  # None: renamed already by an interrupted migration
            entities.async_update_entity(
                entity.entity_id, new_unique_id=account_entity_unique_id(entry, key)
            )
    new_identifiers = {
        identifier
        for identifier in device.identifiers
        if identifier[0] != DOMAIN or not identifier[1].startswith(ACCOUNT_PREFIX)
    } | {account_identifier(entry)}
    devices.async_update_device(device.id, new_identifiers=new_identifiers)


async def async_migrate_identifiers(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Scope a version 1 entry's device identifiers and entity unique ids by the entry.

    Each rename is decided per registry entry (old style or already scoped), so an
    interrupted migration finishes on the next start without renaming anything twice.
    """
    if entry.version >= SCOPED_IDENTIFIERS_VERSION:
        return True
    devices = dr.async_get(hass)
    entities = er.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if old_keys := _old_account_keys(device):
            _migrate_account_device(devices, entities, entry, device, old_keys)
            continue
        if not (provider_ids := _provider_ids(entry, device)):
            continue  # the account device, moved by an interrupted migration
        new_identifiers = {
            identifier for identifier in device.identifiers if identifier[0] != DOMAIN
        } | {device_identifier(entry, provider_id) for provider_id in provider_ids}
        if new_identifiers != device.identifiers:
            devices.async_update_device(device.id, new_identifiers=new_identifiers)
        for entity in er.async_entries_for_device(
            entities, device.id, include_disabled_entities=True
        ):
            for provider_id in provider_ids:
                if entity.unique_id.startswith(f"{provider_id}_"):
                    key = entity.unique_id.removeprefix(f"{provider_id}_")
                    entities.async_update_entity(
                        entity.entity_id,
                        new_unique_id=entity_unique_id(entry, provider_id, key),
                    )
                    break
    hass.config_entries.async_update_entry(entry, version=SCOPED_IDENTIFIERS_VERSION)
    return True

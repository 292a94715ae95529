"""Device identifiers and entity unique ids: the one mapping between provider ids and HA.

A provider's device id may only be unique inside its own account scope (some providers
number vehicles 1, 2, 3 within each organization), so every identifier is namespaced by the
config entry. The scope is the entry id, not the entry's unique id: the entry id never changes
for the life of the entry, while the unique id does (the client-based unique id migration,
reconfiguring another credential or server), and an identifier that moved with it would
orphan every device. The entry id also carries no account data. (The device registry
already keeps identifiers apart per entry; entity unique ids are global, so they need it.)
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import BaseDeviceEntry

from .const import DOMAIN


def _scope(entry: ConfigEntry) -> str:
    return f"{entry.entry_id}:"


def device_identifier(entry: ConfigEntry, device_id: str) -> tuple[str, str]:
    """Return the device registry identifier of the provider device ``device_id``."""
    return (DOMAIN, f"{_scope(entry)}{device_id}")


def entity_unique_id(entry: ConfigEntry, device_id: str, key: str) -> str:
    """Return the unique id of the entity ``key`` of a device, scoped like its device."""
    return f"{_scope(entry)}{device_id}_{key}"


def account_identifier(entry: ConfigEntry) -> tuple[str, str]:
    """Return the device registry identifier of the account's own device (push health).

    The bare entry id: a provider device's identifier always has the scope's ``:`` after it.
    """
    return (DOMAIN, entry.entry_id)


def account_entity_unique_id(entry: ConfigEntry, key: str) -> str:
    """Return the unique id of the account device's entity ``key``."""
    return f"{entry.entry_id}_{key}"


def provider_device_id(entry: ConfigEntry, device: BaseDeviceEntry) -> str | None:
    """Return the provider's id of a registered device of ``entry`` (None if not one).

    The inverse of ``device_identifier``: the account device and devices of other entries
    or integrations give None.
    """
    scope = _scope(entry)
    return next(
        (
            identifier.removeprefix(scope)
            for domain, identifier in sorted(device.identifiers)
            if domain == DOMAIN and identifier.startswith(scope)
        ),
        None,
    )

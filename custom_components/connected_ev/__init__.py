"""Connected EV: electric vehicles and home chargers through cloud connectivity platforms."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .budget import async_remove_budget
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator, ConnectedEVRuntimeData
from .device_removal import async_remove_linked_device
from .home_location import async_watch_home_location, home_location_issue_id
from .identifiers import provider_device_id
from .live_updates import async_start_live_updates
from .migration import async_migrate_identifiers
from .options import PollingPolicy
from .preferences import PreferencesManager, async_remove_store
from .providers import (
    CredentialUnavailableError,
    async_get_credential,
    async_migrate_unique_id,
    create_provider,
    get_description,
)
from .push import PushManager
from .push_subscription import async_remove_push
from .revocation import async_revoke_credential
from .services import async_setup_services
from .statistics_import import async_start_statistics_import, currency_issue_id

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.EVENT,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions; accounts are added through config entries, never YAML."""
    async_setup_services(hass)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> bool:
    """Move entries to the current version: client-based unique ids, then entry-scoped ids."""
    return await async_migrate_unique_id(hass, entry) and await async_migrate_identifiers(
        hass, entry
    )


async def async_setup_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> bool:
    """Connect to the provider account and load every device it lists.

    The first refresh doubles as the connection test: rejected credentials start reauth
    (ConfigEntryAuthFailed), an unreachable or rate-limiting provider retries later.
    """
    try:
        credential = await async_get_credential(hass, entry)
    except CredentialUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credentials_unavailable"
        ) from err
    provider = create_provider(hass, entry.data, credential)
    policy = PollingPolicy.from_options(entry.options, get_description(entry.data).polling)
    coordinator = ConnectedEVCoordinator(
        hass,
        entry,
        provider,
        charging_interval=policy.charging_interval,
        idle_interval=policy.idle_interval,
    )
    coordinator.manual_only = policy.manual_only
    await coordinator.async_config_entry_first_refresh()

    preferences = PreferencesManager(hass, entry, coordinator, provider)
    push = PushManager(hass, entry, coordinator, provider)
    entry.runtime_data = ConnectedEVRuntimeData(
        provider=provider, coordinator=coordinator, preferences=preferences, push=push
    )
    entry.async_on_unload(preferences.async_stop)
    # Weekday ready times survive restarts: today's deadline is sent now if it differs.
    await preferences.async_load()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Push (if on): receive deliveries from now on; unloading stops receiving.
    entry.async_on_unload(push.async_stop)
    push.async_start()
    # Providers that stream link status: watched from now on, cancelled on unload.
    async_start_live_updates(hass, entry, coordinator)
    # In the background (a timer, never setup's time): hourly statistics, if recorded.
    async_start_statistics_import(hass, coordinator)
    async_watch_home_location(hass, coordinator)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops polling with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> None:
    """Delete what the entry keeps (ready times, request ledger, issues), its credential."""
    await async_remove_store(hass, entry.entry_id)
    await async_remove_budget(hass, entry.entry_id)
    await async_remove_push(hass, entry)
    await async_revoke_credential(hass, entry)
    for issue_id in (home_location_issue_id(entry.entry_id), currency_issue_id(entry.entry_id)):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry, device: DeviceEntry
) -> bool:
    """Remove a device the provider no longer lists, or unlink it where the provider can."""
    data = entry.runtime_data.coordinator.data
    device_id = provider_device_id(entry, device)
    if device_id not in data.vehicles and device_id not in data.chargers:
        return True
    return await async_remove_linked_device(hass, entry, device_id)

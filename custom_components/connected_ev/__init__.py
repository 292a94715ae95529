"""Connected EV: electric vehicles and home chargers through cloud connectivity platforms."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator, ConnectedEVRuntimeData
from .providers import create_provider

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up the integration; accounts are added through config entries, never YAML."""
    return True


async def async_setup_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> bool:
    """Connect to the provider account and load every device it lists.

    The first refresh doubles as the connection test: rejected credentials start reauth
    (ConfigEntryAuthFailed), an unreachable or rate-limiting provider retries later.
    """
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except config_entry_oauth2_flow.ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credentials_unavailable"
        ) from err
    if not isinstance(implementation, config_entry_oauth2_flow.LocalOAuth2Implementation):
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="credentials_unavailable"
        )

    provider = create_provider(
        hass, entry.data, implementation.client_id, implementation.client_secret
    )
    coordinator = ConnectedEVCoordinator(hass, entry, provider)
    await coordinator.async_config_entry_first_refresh()

    entry.runtime_data = ConnectedEVRuntimeData(provider=provider, coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> bool:
    """Unload the platforms; the coordinator stops polling with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user remove a device only once the provider no longer lists it."""
    data = entry.runtime_data.coordinator.data
    return not any(
        domain == DOMAIN and (identifier in data.vehicles or identifier in data.chargers)
        for domain, identifier in device.identifiers
    )

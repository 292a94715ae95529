"""Build a provider client from what a config flow or config entry holds.

The only place that turns stored settings into an API client, so the config flow tests
exactly the client that setup will use.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from hashlib import sha256
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api.enode import EnodeClient, EnodeEndpoints, EnodeEnvironment, EnodeProvider
from .api.hiven import DEFAULT_BASE_URL as HIVEN_BASE_URL
from .api.hiven import HivenClient, HivenProvider
from .api.hiven.const import DEFAULT_COUNTRY_CODE
from .api.provider import Provider
from .const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
    Environment,
    ProviderName,
)

LOGGER = logging.getLogger(__package__)

UNIQUE_ID_MINOR_VERSION = 2
"""The entry minor version from which Enode unique ids name the client, not the URL."""


def enode_unique_id(client_id: str, user_id: str) -> str:
    """One entry per Enode user of one client: the account as Enode knows it.

    An Enode client belongs to one environment, so its id names the server however its URL
    is spelt (the sandbox environment, or a custom URL of the same server). Hashed so no
    user id shows in it.
    """
    return f"enode:{sha256(f'{client_id}:{user_id}'.encode()).hexdigest()[:32]}"


def enode_endpoints(environment: Environment, base_url: str | None) -> EnodeEndpoints:
    """Endpoints for an environment; ``base_url`` is used for the custom one only."""
    if environment is Environment.CUSTOM:
        if not base_url:
            raise ValueError("a custom environment needs a base URL")
        return EnodeEndpoints.for_base_url(base_url)
    return EnodeEndpoints.for_environment(EnodeEnvironment(environment.value))


def create_enode_client(
    hass: HomeAssistant,
    client_id: str,
    client_secret: str,
    environment: Environment,
    base_url: str | None,
) -> EnodeClient:
    """Build an Enode client on Home Assistant's shared aiohttp session."""
    return EnodeClient(
        async_get_clientsession(hass),
        client_id,
        client_secret,
        enode_endpoints(environment, base_url),
    )


def hiven_base_url(environment: Environment, base_url: str | None) -> str:
    """Hiven's API: production, or the custom base URL (Hiven publishes no sandbox URL)."""
    if environment is Environment.CUSTOM:
        if not base_url:
            raise ValueError("a custom environment needs a base URL")
        return base_url
    return HIVEN_BASE_URL


def create_hiven_provider(hass: HomeAssistant, data: Mapping[str, Any]) -> HivenProvider:
    """Build a Hiven provider from the user's own API key and user id.

    New locations go in the country chosen when linking (else Home Assistant's); they are
    reported in Home Assistant's time zone.
    """
    client = HivenClient(
        async_get_clientsession(hass),
        data[CONF_API_KEY],
        data[CONF_USER_ID],
        base_url=hiven_base_url(Environment(data[CONF_ENVIRONMENT]), data.get(CONF_BASE_URL)),
    )
    return HivenProvider(
        client,
        country_code=data.get(CONF_COUNTRY) or hass.config.country or DEFAULT_COUNTRY_CODE,
        timezone=hass.config.time_zone,
    )


def uses_application_credentials(data: Mapping[str, Any]) -> bool:
    """Whether the entry's provider needs an application credential (Enode's OAuth client)."""
    return bool(data.get(CONF_PROVIDER, ProviderName.ENODE.value) != ProviderName.HIVEN.value)


def create_provider(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Provider:
    """Build the provider account a config entry (or a finished flow) describes.

    ``client_id`` and ``client_secret`` are the application credential's, for the
    providers that ``uses_application_credentials`` says need one.
    """
    if not uses_application_credentials(data):
        return create_hiven_provider(hass, data)
    if client_id is None or client_secret is None:
        raise ValueError("this provider needs an application credential")
    client = create_enode_client(
        hass,
        client_id,
        client_secret,
        Environment(data[CONF_ENVIRONMENT]),
        data.get(CONF_BASE_URL),
    )
    return EnodeProvider(client, data[CONF_USER_ID])


async def async_migrate_unique_id(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Give an Enode entry of minor version 1 its client-based unique id.

    The push sensors' entities and account device follow. When the credential is not
    available yet, or another entry already is this account, nothing changes now (the
    entry still loads) and the next start tries again.
    """
    if entry.version != 1 or entry.minor_version >= UNIQUE_ID_MINOR_VERSION:
        return True
    if not uses_application_credentials(entry.data):
        hass.config_entries.async_update_entry(entry, minor_version=UNIQUE_ID_MINOR_VERSION)
        return True
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except (HomeAssistantError, ValueError):  # unavailable or unknown implementation
        return True
    if not isinstance(implementation, config_entry_oauth2_flow.LocalOAuth2Implementation):
        return True
    unique_id = enode_unique_id(implementation.client_id, entry.data[CONF_USER_ID])
    if any(
        other.unique_id == unique_id
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ):
        LOGGER.warning(
            "%s is the same Enode account as another entry; remove one of them",
            entry.title,
        )
        return True
    await _async_rename_account_device(hass, entry, entry.unique_id or entry.entry_id, unique_id)
    hass.config_entries.async_update_entry(
        entry, unique_id=unique_id, minor_version=UNIQUE_ID_MINOR_VERSION
    )
    return True


async def _async_rename_account_device(
    hass: HomeAssistant, entry: ConfigEntry, old: str, new: str
) -> None:
    """Move the entities and device named after the entry's unique id to the new one."""

    @callback
    def _rename(entity: er.RegistryEntry) -> dict[str, Any] | None:
        if entity.unique_id.startswith(f"{old}_"):
            return {"new_unique_id": new + entity.unique_id.removeprefix(old)}
        return None

    await er.async_migrate_entries(hass, entry.entry_id, _rename)
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier((DOMAIN, f"account_{old}"), entry.entry_id)
    if device is not None:
        devices.async_update_device(device.id, new_identifiers={(DOMAIN, f"account_{new}")})

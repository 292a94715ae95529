"""Build a provider client from what a config flow or config entry holds.

The only place that turns stored settings into an API client, so the config flow tests
exactly the client that setup will use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
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
    Environment,
    ProviderName,
)


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

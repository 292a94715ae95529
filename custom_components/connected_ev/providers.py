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
from .api.provider import Provider
from .const import CONF_BASE_URL, CONF_ENVIRONMENT, CONF_USER_ID, Environment


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


def create_provider(
    hass: HomeAssistant, data: Mapping[str, Any], client_id: str, client_secret: str
) -> Provider:
    """Build the provider account a config entry (or a finished flow) describes."""
    client = create_enode_client(
        hass,
        client_id,
        client_secret,
        Environment(data[CONF_ENVIRONMENT]),
        data.get(CONF_BASE_URL),
    )
    return EnodeProvider(client, data[CONF_USER_ID])

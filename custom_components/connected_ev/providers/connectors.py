"""The partner Connectors API: one customer's connectors ("remotes") as devices.

The publisher's base URL and OAuth details are not public, so the user gives them: the base
URL, then OAuth2 client credentials (token URL defaulting to ``<base URL>/oauth2/token``) or
an API key (sent as ``X-Api-Key``), and the customer this Home Assistant manages. The steps
are in ``flows/connectors.py``; the claim, release and list actions in ``remote_actions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from hashlib import sha256
from typing import Any, Final

import aiohttp
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.connectors import (
    DEFAULT_TOKEN_PATH,
    ApiKeyAuth,
    Auth,
    ClientCredentials,
    ConnectorsClient,
    ConnectorsProvider,
)
from ..api.connectors.const import DEFAULT_REQUEST_TIMEOUT
from ..const import CONF_API_KEY, CONF_BASE_URL, Environment
from ..options import PollingPolicy
from .description import AuthKind, LinkKind, ProviderDescription, ProviderName

CONF_CUSTOMER_ID: Final = "customer_id"
CONF_TOKEN_URL: Final = "token_url"  # noqa: S105 - an entry data key

IDLE_INTERVAL: Final = timedelta(minutes=15)
"""Connectors change only when someone assigns or releases one: a quarter of an hour finds
those made elsewhere; the actions here show their own changes at once. One request a poll
(up to 1000 connectors a customer), plus a token an hour with client credentials."""


def default_token_url(base_url: str) -> str:
    """Return the token URL this integration assumes when the user gives none."""
    return base_url.rstrip("/") + DEFAULT_TOKEN_PATH


def create_auth(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> Auth:
    """Return the API key if the entry has one, else the OAuth2 client credentials."""
    if data.get(CONF_API_KEY):
        return ApiKeyAuth(data[CONF_API_KEY])
    return ClientCredentials(
        session,
        data.get(CONF_TOKEN_URL) or default_token_url(data[CONF_BASE_URL]),
        data[CONF_CLIENT_ID],
        data[CONF_CLIENT_SECRET],
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
    )


def create_connectors_provider(hass: HomeAssistant, data: Mapping[str, Any]) -> ConnectorsProvider:
    """Build the provider of the entry's customer on Home Assistant's shared session."""
    session = async_get_clientsession(hass)
    client = ConnectorsClient(session, data[CONF_BASE_URL], create_auth(session, data))
    return ConnectorsProvider(client, data[CONF_CUSTOMER_ID])


def connectors_unique_id(base_url: str, customer_id: str) -> str:
    """One entry per customer of one server; hashed so no customer id shows."""
    account = f"{base_url.rstrip('/')}:{customer_id.lower()}"
    return f"connectors:{sha256(account.encode()).hexdigest()[:32]}"


CONNECTORS: Final = ProviderDescription(
    name=ProviderName.CONNECTORS,
    brand="Connectors API",
    auth=AuthKind.API_KEY,
    # No public base URL: the server is always the user's.
    environments={Environment.CUSTOM: None},
    titles={Environment.CUSTOM: "Connectors API"},
    link=LinkKind.NONE,
    factory=lambda hass, data, _credential: create_connectors_provider(hass, data),
    unique_id=lambda data, _client_id: connectors_unique_id(
        data[CONF_BASE_URL], data[CONF_CUSTOMER_ID]
    ),
    redact=frozenset({CONF_API_KEY, CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_CUSTOMER_ID, "pin"}),
    polling=PollingPolicy(charging_interval=IDLE_INTERVAL, idle_interval=IDLE_INTERVAL),
    # No published limits; a poll every 15 minutes is about 100 requests a day, and the
    # budget leaves room for the list action (a page per 1000 connectors).
    daily_budget=1000,
    setup_step="connectors",
    reauth_step="connectors_reauth",
    reconfigure_menu=("reconfigure_connectors",),
    invalid_auth_error="connectors_invalid_auth",
)
"""The Connectors API's registry entry."""

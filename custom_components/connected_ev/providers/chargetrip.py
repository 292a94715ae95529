"""Chargetrip: the project's client and app ids plus the user's token; catalogue linking.

Chargetrip's connectivity is read-only (no charging control, no preferences) and runs
Enode underneath: a vehicle is picked from Chargetrip's catalogue, then authorized on
Enode's Link UI. The steps are in ``flows/chargetrip.py``.

The API names no user, so the entry's unique id is a hash of the server, the project and
the token the entry was created with; re-authentication keeps it (the token changes, the
user does not).
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any, Final

from homeassistant.const import CONF_CLIENT_ID, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.chargetrip import DEFAULT_BASE_URL as CHARGETRIP_BASE_URL
from ..api.chargetrip import ChargetripClient, ChargetripProvider
from ..api.chargetrip.const import NOT_AUTHORIZED
from ..api.errors import ProviderError
from ..const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    Environment,
)
from ..options import PollingPolicy, RequestCounting
from .description import AuthKind, LinkKind, ProviderDescription, ProviderName

CONF_APP_ID: Final = "app_id"
CONF_ACCOUNT: Final = "account"
"""The hashed account the entry's unique id names (kept across re-authentication)."""


def chargetrip_base_url(environment: Environment, base_url: str | None) -> str:
    """Chargetrip's API: production, or the custom base URL (``/graphql`` is appended)."""
    if environment is Environment.CUSTOM:
        if not base_url:
            raise ValueError("a custom environment needs a base URL")
        return base_url
    return CHARGETRIP_BASE_URL


def chargetrip_account(data: Mapping[str, Any]) -> str:
    """Return the account of new credentials: server, project and token, hashed."""
    account = f"{data.get(CONF_BASE_URL) or ''}:{data[CONF_CLIENT_ID]}:{data[CONF_TOKEN]}"
    return sha256(account.encode()).hexdigest()[:32]


def chargetrip_unique_id(data: Mapping[str, Any]) -> str:
    """Return the entry's unique id: its stored account, else its credentials'."""
    return f"chargetrip:{data.get(CONF_ACCOUNT) or chargetrip_account(data)}"


def create_chargetrip_provider(hass: HomeAssistant, data: Mapping[str, Any]) -> ChargetripProvider:
    """Build a Chargetrip provider on Home Assistant's shared aiohttp session."""
    client = ChargetripClient(
        async_get_clientsession(hass),
        data[CONF_CLIENT_ID],
        data[CONF_APP_ID],
        data[CONF_TOKEN],
        base_url=chargetrip_base_url(Environment(data[CONF_ENVIRONMENT]), data.get(CONF_BASE_URL)),
    )
    return ChargetripProvider(client, data.get(CONF_ACCOUNT) or chargetrip_account(data))


_LINK_REFUSALS: Final = {
    "vehicle_already_connected": "chargetrip_already_connected",
    "connect_multiple_vehicles_not_allowed": "chargetrip_multiple_vehicles",
    "connect_provider_not_allowed": "chargetrip_not_enabled",
    "operation_not_allowed": "chargetrip_not_enabled",
    "connected_vehicle_per_make_limit_reached": "chargetrip_make_limit",
    "auth_code_invalid": "chargetrip_not_authorized",
    "connected_vehicle_forbidden": "chargetrip_not_authorized",
    NOT_AUTHORIZED: "chargetrip_not_authorized",
}
"""Chargetrip's refusals to create or authorize a vehicle, each with its own message."""


def chargetrip_link_error(err: Exception) -> str | None:
    """Return the abort reason of a refusal Chargetrip explains by code (None: generic)."""
    if isinstance(err, ProviderError) and err.problem_type:
        return _LINK_REFUSALS.get(err.problem_type)
    return None


CHARGETRIP: Final = ProviderDescription(
    name=ProviderName.CHARGETRIP,
    brand="Chargetrip",
    auth=AuthKind.TOKEN,
    environments={Environment.PRODUCTION: CHARGETRIP_BASE_URL, Environment.CUSTOM: None},
    titles={Environment.PRODUCTION: "Chargetrip", Environment.CUSTOM: "Chargetrip (custom)"},
    link=LinkKind.CATALOGUE_AUTHORIZE,
    factory=lambda hass, data, _credential: create_chargetrip_provider(hass, data),
    unique_id=lambda data, _client_id: chargetrip_unique_id(data),
    redact=frozenset({CONF_TOKEN, CONF_CLIENT_ID, CONF_APP_ID, CONF_ACCOUNT, "vin", "coordinates"}),
    # The data is Enode's, read through Chargetrip: Enode refreshes about every 2 minutes
    # while charging and about every 7 otherwise.
    polling=PollingPolicy(
        charging_interval=DEFAULT_CHARGING_INTERVAL, idle_interval=DEFAULT_IDLE_INTERVAL
    ),
    # Chargetrip's quotas are per plan and unpublished; one request reads every vehicle, so
    # the default intervals spend well under a tenth of this.
    request_counting=RequestCounting.PER_REQUEST,
    daily_budget=2880,
    setup_step="chargetrip",
    reauth_step="chargetrip_reauth",
    reconfigure_menu=("reconfigure_chargetrip", "chargetrip_search"),
    invalid_auth_error="chargetrip_invalid_auth",
    link_error=chargetrip_link_error,
)
"""Chargetrip's registry entry."""

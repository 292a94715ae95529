"""Hiven: the user's own API key and user id; vehicles linked by Smartcar's authorization code.

The steps are in ``flows/hiven.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from hashlib import sha256
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.hiven import DEFAULT_BASE_URL as HIVEN_BASE_URL
from ..api.hiven import HivenClient, HivenProvider
from ..api.hiven.const import DEFAULT_COUNTRY_CODE
from ..const import (
    CONF_API_KEY,
    CONF_BASE_URL,
    CONF_COUNTRY,
    CONF_ENVIRONMENT,
    CONF_USER_ID,
    Environment,
)
from ..options import PollingPolicy, RequestCounting
from .description import AuthKind, LinkKind, ProviderDescription, ProviderName


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


def hiven_unique_id(base_url: str | None, user_id: str) -> str:
    """One entry per Hiven user of one server; hashed like Enode's."""
    account = f"{base_url or ''}:{user_id}"
    return f"hiven:{sha256(account.encode()).hexdigest()[:32]}"


HIVEN: Final = ProviderDescription(
    name=ProviderName.HIVEN,
    brand="Hiven",
    auth=AuthKind.API_KEY,
    # Hiven publishes no sandbox URL; the local sandbox is a custom base URL.
    environments={Environment.PRODUCTION: HIVEN_BASE_URL, Environment.CUSTOM: None},
    titles={Environment.PRODUCTION: "Hiven", Environment.CUSTOM: "Hiven (custom)"},
    link=LinkKind.AUTHORIZATION_CODE,
    factory=lambda hass, data, _credential: create_hiven_provider(hass, data),
    unique_id=lambda data, _client_id: hiven_unique_id(data.get(CONF_BASE_URL), data[CONF_USER_ID]),
    redact=frozenset({CONF_API_KEY}),
    # Hiven states no refresh cadence; the sandbox reads a car every 30 minutes idle and 5
    # while charging (Smartcar's advice, see sandbox/hiven). Polls land just after a refresh
    # (``poll_timing``), so an hour idle is every other refresh and 10 minutes charging every
    # other one: with one vehicle a day of 22 h idle and 2 h charging is 34 polls, 68
    # requests (an idle day 48), well within the budget below; more vehicles share the list.
    polling=PollingPolicy(
        charging_interval=timedelta(minutes=10), idle_interval=timedelta(minutes=60)
    ),
    # Hiven reads cars through Smartcar, whose plans count requests per vehicle per month
    # and which recommends polling a vehicle about every 30 minutes. A poll costs about two
    # requests a vehicle (the device list, its status), so 96 a vehicle a day is that pace
    # on average (about 2,900 a month), spent mostly while the car is plugged in or charging.
    request_counting=RequestCounting.PER_VEHICLE,
    daily_budget=96,
    setup_step="hiven",
    reauth_step="hiven_reauth",
    reconfigure_menu=("reconfigure_hiven", "hiven_vehicle"),
    invalid_auth_error="hiven_invalid_auth",
)
"""Hiven's registry entry."""

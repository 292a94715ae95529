"""Connected Cars: the brand apps' account (region, app namespace, e-mail and password).

The password is used once, in the config flow, to register a device for Home Assistant; the
entry stores only that device token (plus the region's hosts, the namespace and the e-mail
address to ask the password for on re-authentication). The steps are in
``flows/connectedcars.py``; the workshop's add-vehicle link action in ``workshop_action``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from homeassistant.const import CONF_EMAIL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.connectedcars import (
    DEFAULT_API_ORIGIN,
    WORKSHOP_ORIGIN,
    ConnectedCarsAuth,
    ConnectedCarsClient,
    ConnectedCarsProvider,
    account_key,
)
from ..const import CONF_BASE_URL, CONF_USER_ID, Environment
from ..options import PollingPolicy, RequestCounting
from .description import AuthKind, LinkKind, ProviderDescription, ProviderName

CONF_REGION: Final = "region"
CONF_NAMESPACE: Final = "namespace"
CONF_API_ORIGIN: Final = "api_origin"
CONF_AUTH_ORIGIN: Final = "auth_origin"
CONF_DEVICE_TOKEN: Final = "device_token"  # noqa: S105 - an entry data key
CONF_DEVICE_NAME: Final = "device_name"

ACTIVE_INTERVAL: Final = timedelta(minutes=1)
"""While a car charges or its ignition is on: the unit reports every few seconds while
driving (and often while charging), so a minute (the options' lower bound) follows a trip or
a charge closely; the data is one request for every car of the account."""
PARKED_INTERVAL: Final = timedelta(minutes=10)
"""Parked, the unit wakes about every two hours, so most polls change nothing; ten minutes
still notices a car being driven off (ignition on) soon enough to switch to the fast pace."""


def create_connectedcars_provider(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> ConnectedCarsProvider:
    """Build the account from its region's hosts, namespace and device token.

    The workshop page is Connected Cars' own; a custom server (the local simulator) serves
    it at its base URL.
    """
    session = async_get_clientsession(hass)
    auth = ConnectedCarsAuth(
        session, data[CONF_AUTH_ORIGIN], data[CONF_NAMESPACE], data.get(CONF_DEVICE_TOKEN)
    )
    return ConnectedCarsProvider(
        ConnectedCarsClient(session, auth, data[CONF_API_ORIGIN]),
        data[CONF_REGION],
        data.get(CONF_DEVICE_NAME),
        workshop_origin=data.get(CONF_BASE_URL) or WORKSHOP_ORIGIN,
    )


CONNECTEDCARS: Final = ProviderDescription(
    name=ProviderName.CONNECTEDCARS,
    brand="Connected Cars",
    auth=AuthKind.LOGIN,
    # Production is where the regions are discovered; the custom URL is a server that
    # answers the same discovery (the local simulator).
    environments={Environment.PRODUCTION: DEFAULT_API_ORIGIN, Environment.CUSTOM: None},
    titles={
        Environment.PRODUCTION: "Connected Cars",
        Environment.CUSTOM: "Connected Cars (custom)",
    },
    # Vehicles come with the account; one without any is offered the workshop's page.
    link=LinkKind.NONE,
    factory=lambda hass, data, _credential: create_connectedcars_provider(hass, data),
    unique_id=lambda data, _client_id: account_key(data[CONF_REGION], data[CONF_USER_ID]),
    # A car without a name is shown by its licence plate: diagnostics redact the name too.
    redact=frozenset({CONF_DEVICE_TOKEN, CONF_EMAIL, "display_name"}),
    polling=PollingPolicy(charging_interval=ACTIVE_INTERVAL, idle_interval=PARKED_INTERVAL),
    # Connected Cars publishes no rate limit; one request covers every car of the account.
    # A minute's pace all day, with an hourly token, is about 1,500 requests: twice that only
    # stops runaway behaviour.
    request_counting=RequestCounting.PER_REQUEST,
    daily_budget=2880,
    setup_step="connectedcars",
    reauth_step="connectedcars_reauth",
    reconfigure_menu=("connectedcars_add_vehicle",),
    invalid_auth_error="connectedcars_invalid_auth",
)
"""Connected Cars' registry entry."""

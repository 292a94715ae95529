"""Enode: an OAuth client (client-credentials grant) in application credentials, Link UI.

Each Home Assistant gets its own Enode user of the client; devices are linked through
Enode's Link UI and found by listing the account. The steps are in ``flows/enode.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any, Final

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..api.enode import EnodeClient, EnodeEndpoints, EnodeEnvironment, EnodeProvider
from ..api.provider import Provider
from ..const import (
    CONF_BASE_URL,
    CONF_ENVIRONMENT,
    CONF_USER_ID,
    DEFAULT_CHARGING_INTERVAL,
    DEFAULT_IDLE_INTERVAL,
    Environment,
)
from ..options import PollingPolicy, RequestCounting
from .description import AuthKind, LinkKind, ProviderDescription, ProviderName


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


def _create_enode_provider(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    credential: config_entry_oauth2_flow.LocalOAuth2Implementation | None,
) -> Provider:
    """Build an Enode account from its credential, environment and user id."""
    if credential is None:
        raise ValueError("this provider needs an application credential")
    client = create_enode_client(
        hass,
        credential.client_id,
        credential.client_secret,
        Environment(data[CONF_ENVIRONMENT]),
        data.get(CONF_BASE_URL),
    )
    return EnodeProvider(client, data[CONF_USER_ID])


def _enode_entry_unique_id(data: Mapping[str, Any], client_id: str | None) -> str:
    if client_id is None:
        raise ValueError("this provider needs an application credential")
    return enode_unique_id(client_id, data[CONF_USER_ID])


# Link UI languages Enode accepts, and the one to use for a bare language code.
ENODE_LANGUAGES: Final = (
    "da-DK", "de-DE", "en-US", "en-GB", "es-ES", "fi-FI", "fr-FR", "it-IT", "ja-JP",
    "lv-LV", "lt-LT", "nb-NO", "nl-NL", "nl-BE", "pl-PL", "pt-PT", "ro-RO", "sv-SE",
)  # fmt: skip
_EXACT_LANGUAGES: Final = {language.lower(): language for language in ENODE_LANGUAGES}
_DEFAULT_REGION: Final = {
    "da": "da-DK", "de": "de-DE", "en": "en-US", "es": "es-ES", "fi": "fi-FI",
    "fr": "fr-FR", "it": "it-IT", "ja": "ja-JP", "lv": "lv-LV", "lt": "lt-LT",
    "nb": "nb-NO", "nn": "nb-NO", "no": "nb-NO", "nl": "nl-NL", "pl": "pl-PL",
    "pt": "pt-PT", "ro": "ro-RO", "sv": "sv-SE",
}  # fmt: skip
FALLBACK_LANGUAGE: Final = "en-US"


def enode_language(language: str) -> str:
    """Map Home Assistant's language (``de``, ``en-GB``, ``pt-BR``) to a Link UI language."""
    key = language.lower()
    return _EXACT_LANGUAGES.get(key) or _DEFAULT_REGION.get(key.split("-")[0], FALLBACK_LANGUAGE)


# The Link UI host: the page a user is sent to, never an OAuth consent page.
ENODE_LINK_UI_URL: Final = "https://link.enode.com"


ENODE: Final = ProviderDescription(
    name=ProviderName.ENODE,
    brand="Enode",
    auth=AuthKind.APPLICATION_CREDENTIAL,
    environments={
        Environment.PRODUCTION: EnodeEnvironment.PRODUCTION.endpoints.api_url,
        Environment.SANDBOX: EnodeEnvironment.SANDBOX.endpoints.api_url,
        Environment.CUSTOM: None,
    },
    titles={
        Environment.PRODUCTION: "Enode",
        Environment.SANDBOX: "Enode sandbox",
        Environment.CUSTOM: "Enode (custom)",
    },
    link=LinkKind.LINK_SESSION,
    factory=_create_enode_provider,
    unique_id=_enode_entry_unique_id,
    # Enode refreshes its own data about every 2 minutes while charging and about every
    # 7 minutes otherwise: polling faster only spends the API budget on unchanged data.
    polling=PollingPolicy(
        charging_interval=DEFAULT_CHARGING_INTERVAL, idle_interval=DEFAULT_IDLE_INTERVAL
    ),
    # Enode publishes no rate limit or per-request price, so the default budget only stops
    # runaway behaviour: two requests a minute is several times what the default intervals
    # spend, even for large accounts, yet a loop gone wrong stops within a day's worth.
    request_counting=RequestCounting.PER_REQUEST,
    daily_budget=2880,
    # The Link UI stands where an OAuth consent page would; Enode's tokens come from the
    # chosen environment's token URL (client credentials), not from this one.
    authorization_server=AuthorizationServer(
        authorize_url=ENODE_LINK_UI_URL,
        token_url=EnodeEnvironment.PRODUCTION.endpoints.token_url,
    ),
    credential_placeholders={
        "console_url": "https://developers.enode.com",
        "sandbox_hint": "python -m sandbox.enode",
    },
    link_language=enode_language,
    setup_step="enode",
    reauth_step="reauth_confirm",
    reconfigure_menu=("reconfigure_credentials", "link_vehicle", "link_charger"),
)
"""Enode's registry entry."""

"""Application credentials: where Home Assistant keeps a provider's client id and secret.

Enode authenticates the integration with the OAuth 2.0 client-credentials grant: there is no
user consent page, the user links devices through the provider's Link UI instead. Home
Assistant's application credentials store the pair (and protect it from removal while an
entry uses it); the integration reads ``client_id``/``client_secret`` from the stored
implementation and fetches tokens itself, against the token URL of the chosen environment.
"""

from __future__ import annotations

from homeassistant.components.application_credentials import AuthorizationServer
from homeassistant.core import HomeAssistant

from .api.enode import EnodeEnvironment

# The Link UI host: the page a user is sent to, never an OAuth consent page.
ENODE_LINK_UI_URL = "https://link.enode.com"


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Describe Enode's production endpoints (the environment is chosen per entry)."""
    return AuthorizationServer(
        authorize_url=ENODE_LINK_UI_URL,
        token_url=EnodeEnvironment.PRODUCTION.endpoints.token_url,
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Tell the user where the client id and secret come from."""
    return {
        "console_url": "https://developers.enode.com",
        "sandbox_hint": "python -m sandbox.enode",
    }

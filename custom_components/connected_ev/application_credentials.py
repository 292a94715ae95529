"""Application credentials: where Home Assistant keeps a provider's OAuth client id and secret.

Several providers can have their own OAuth client. A credential belongs to the provider of
the entries that use it (``providers.credential_owner``): its implementation carries that
provider's OAuth endpoints, and no other provider's flow offers it. A credential no entry
uses yet is offered to every provider that takes one; the flow stores the entry's provider
next to the credential's id, which binds the two.

Home Assistant stores the pair (and protects it from removal while an entry uses it); the
integration reads ``client_id``/``client_secret`` from the implementation. A provider using
the client-credentials grant (no consent page) fetches its tokens itself, against the token
URL of the chosen environment.
"""

from __future__ import annotations

from typing import cast

from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant

from .providers import PROVIDERS, AuthKind, ProviderDescription, credential_owner


def _default_owner() -> ProviderDescription:
    """Return the provider an unused credential is described for until an entry binds it."""
    return next(
        description
        for description in PROVIDERS.values()
        if description.auth is AuthKind.APPLICATION_CREDENTIAL
    )


class ProviderAuthImplementation(AuthImplementation):
    """A stored credential, with the OAuth endpoints of the provider that owns it."""

    def __init__(
        self,
        hass: HomeAssistant,
        auth_domain: str,
        credential: ClientCredential,
        owner: ProviderDescription | None,
    ) -> None:
        """Describe ``credential`` for ``owner`` (None: no entry uses it yet)."""
        # Every application-credential provider has a server (checked by its description).
        server = cast(AuthorizationServer, (owner or _default_owner()).authorization_server)
        super().__init__(hass, auth_domain, credential, server)
        self.owner = owner.name if owner is not None else None


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AuthImplementation:
    """Return the credential as the provider it belongs to uses it."""
    return ProviderAuthImplementation(
        hass, auth_domain, credential, credential_owner(hass, auth_domain)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Tell the user where the client id and secret come from."""
    return dict(_default_owner().credential_placeholders)

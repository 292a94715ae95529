"""Give up, when an entry is removed, the credential the integration created at the provider.

Some providers hand the integration a credential of its own (a registered device's token):
left behind, it would keep working for a year with nobody using it. Providers that have the
``CredentialRevocation`` part revoke it here. OAuth clients are the user's application
credentials, kept and removed in Home Assistant, so those providers have nothing to revoke.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .api.errors import ProviderError
from .api.provider import ProviderFeature, as_credential_revocation
from .const import LOGGER
from .providers import create_provider, get_description


async def async_revoke_credential(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Revoke the entry's own credential where its provider can; failures only warn."""
    description = get_description(entry.data)
    if description.uses_application_credentials:
        return
    provider = create_provider(hass, entry.data)
    if ProviderFeature.CREDENTIAL_REVOCATION not in provider.features:
        return
    try:
        await as_credential_revocation(provider).async_revoke_credential()
    except ProviderError as err:
        LOGGER.warning(
            "Could not remove Home Assistant's access at %s (%s); remove the device "
            "named Home Assistant in your %s account",
            description.brand,
            type(err).__name__,
            description.brand,
        )

"""The provider registry: one description per provider, asked by all generic code.

Everything Home Assistant needs to know about a provider before its client runs is in its
``ProviderDescription`` (``description.py``), defined in the provider's own module here
(``enode.py``, ``hiven.py``): its name and brand, how the account authenticates, its
environments, how a device gets linked, the factory that builds the provider from entry
data, the entry's unique id, what diagnostics redact and how often to poll. Generic modules
ask ``get_description`` and never compare provider names; a provider's own config-flow
steps live in ``flows/<provider>.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ImplementationUnavailableError
from homeassistant.helpers import config_entry_oauth2_flow

from ..api.provider import Provider
from ..const import CONF_AUTH_IMPLEMENTATION, CONF_PROVIDER, DOMAIN, LOGGER
from .chargetrip import CHARGETRIP
from .connectedcars import CONNECTEDCARS
from .connectors import CONNECTORS
from .description import (
    AuthKind,
    CredentialUnavailableError,
    LinkKind,
    ProviderDescription,
    ProviderName,
)
from .enode import ENODE
from .hiven import HIVEN

__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "UNIQUE_ID_MINOR_VERSION",
    "AuthKind",
    "CredentialUnavailableError",
    "LinkKind",
    "ProviderDescription",
    "ProviderName",
    "async_get_credential",
    "async_migrate_unique_id",
    "create_provider",
    "credential_owner",
    "get_description",
    "uses_application_credentials",
]

UNIQUE_ID_MINOR_VERSION = 2
"""The entry minor version from which unique ids name the OAuth client, not the URL."""

PROVIDERS: Final[dict[str, ProviderDescription]] = {
    description.name: description
    for description in (ENODE, HIVEN, CONNECTEDCARS, CHARGETRIP, CONNECTORS)
}
"""Every provider a config entry can be for, by the name stored in the entry."""

DEFAULT_PROVIDER: Final = ProviderName.ENODE
"""The provider of entries from before the entry named one."""


def get_description(data: Mapping[str, Any]) -> ProviderDescription:
    """Return the description of the provider a config entry's (or flow's) data is for."""
    return PROVIDERS[data.get(CONF_PROVIDER, DEFAULT_PROVIDER)]


def uses_application_credentials(data: Mapping[str, Any]) -> bool:
    """Whether the entry's provider needs an application credential (an OAuth client)."""
    return get_description(data).uses_application_credentials


def create_provider(
    hass: HomeAssistant,
    data: Mapping[str, Any],
    credential: config_entry_oauth2_flow.LocalOAuth2Implementation | None = None,
) -> Provider:
    """Build the provider account a config entry (or a finished flow) describes.

    ``credential`` is the application credential, for the providers that need one.
    """
    return get_description(data).factory(hass, data, credential)


@callback
def credential_owner(hass: HomeAssistant, auth_domain: str) -> ProviderDescription | None:
    """Return the provider whose entries use the application credential; None: unused.

    A credential is one provider's OAuth client: once an entry uses it, no other provider's
    flow offers it.
    """
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.data.get(CONF_AUTH_IMPLEMENTATION) == auth_domain:
            return get_description(entry.data)
    return None


async def async_get_credential(
    hass: HomeAssistant, entry: ConfigEntry
) -> config_entry_oauth2_flow.LocalOAuth2Implementation | None:
    """Return the entry's application credential; None when its provider needs none.

    Raises ``CredentialUnavailableError`` when the credential cannot be read now or holds
    no client id and secret; an unknown credential raises Home Assistant's
    ``UnknownImplementationError`` (reauth picks another).
    """
    if not uses_application_credentials(entry.data):
        return None
    try:
        implementation = await config_entry_oauth2_flow.async_get_config_entry_implementation(
            hass, entry
        )
    except ImplementationUnavailableError as err:
        raise CredentialUnavailableError from err
    if not isinstance(implementation, config_entry_oauth2_flow.LocalOAuth2Implementation):
        raise CredentialUnavailableError
    return implementation


async def async_migrate_unique_id(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    """Give an application-credential entry of minor version 1 its client-based unique id.

    Nothing in the registries is named after the unique id (``identifiers``), so nothing
    else moves. When the credential is not
    available yet, or another entry already is this account, nothing changes now (the
    entry still loads) and the next start tries again.
    """
    if entry.minor_version >= UNIQUE_ID_MINOR_VERSION:
        return True
    try:
        credential = await async_get_credential(hass, entry)
    except HomeAssistantError, ValueError:  # unavailable or unknown credential
        return True
    if credential is None:
        hass.config_entries.async_update_entry(entry, minor_version=UNIQUE_ID_MINOR_VERSION)
        return True
    description = get_description(entry.data)
    unique_id = description.unique_id(entry.data, credential.client_id)
    if any(
        other.unique_id == unique_id
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    ):
        LOGGER.warning(
            "%s is the same %s account as another entry; remove one of them",
            entry.title,
            description.brand,
        )
        return True
    hass.config_entries.async_update_entry(
        entry, unique_id=unique_id, minor_version=UNIQUE_ID_MINOR_VERSION
    )
    return True

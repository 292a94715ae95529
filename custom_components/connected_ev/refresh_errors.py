"""How a failed provider request fails a refresh: the error the user is told, translated.

Rejected credentials start reauthentication; an unavailable provider is retried when it
says (a believable ``Retry-After``); anything else is shown with the provider's message. A
rate limit is not here: the coordinator keeps the last data through it (``rate_limit``).
"""

from __future__ import annotations

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api.errors import (
    AuthenticationError,
    InvalidResponseError,
    ProviderError,
    ProviderUnavailableError,
)
from .const import DOMAIN
from .rate_limit import believable


def refresh_failure(err: ProviderError) -> ConfigEntryAuthFailed | UpdateFailed:
    """Return the exception a refresh raises for ``err``."""
    if isinstance(err, AuthenticationError):
        return ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, ProviderUnavailableError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="provider_unavailable",
            retry_after=believable(err.retry_after),
        )
    key = "invalid_response" if isinstance(err, InvalidResponseError) else "unexpected_error"
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"error": str(err)},
    )

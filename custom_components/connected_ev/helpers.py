"""Error translation for entities and actions: what went wrong, in the user's language.

The coordinator and the provider raise typed errors; only here do they become translated
Home Assistant errors, so every platform and action reports the same failure the same way.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .actions import ActionRefusedError, RefreshTooSoonError
from .api.errors import (
    AuthenticationError,
    NotCapableError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from .api.models import ChargeAction
from .const import DOMAIN
from .coordinator import ConnectedEVConfigEntry
from .entity import ConnectedEVEntity


def translate_provider_error(
    entry: ConnectedEVConfigEntry, err: ProviderError
) -> HomeAssistantError:
    """Return the translated error for a provider error (starting reauth if rejected)."""
    if isinstance(err, AuthenticationError):
        entry.async_start_reauth(entry.runtime_data.coordinator.hass)
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if isinstance(err, NotCapableError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_capable",
            translation_placeholders={"detail": err.detail or str(err)},
        )
    if isinstance(err, RateLimitedError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="rate_limited")
    if isinstance(err, ProviderUnavailableError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="provider_unavailable")
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="unexpected_error",
        translation_placeholders={"error": err.detail or str(err)},
    )


def translate_refused(err: ActionRefusedError) -> HomeAssistantError:
    """Return the translated error for an action the provider refused outright."""
    key = "charging_action_failed" if isinstance(err.action, ChargeAction) else "max_current_failed"
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"reason": str(err)},
    )


def translate_too_soon(err: RefreshTooSoonError) -> ServiceValidationError:
    """Return the validation error for a refresh asked for within the hint window."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="refresh_too_soon",
        translation_placeholders={"minutes": str(math.ceil(err.wait.total_seconds() / 60))},
    )


def provider_errors_translated[EntityT: ConnectedEVEntity[Any], **P](
    func: Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, None]]:
    """Turn provider errors and refused commands of an entity action into translated errors."""

    async def handler(self: EntityT, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ProviderError as err:
            raise translate_provider_error(self.coordinator.config_entry, err) from err
        except ActionRefusedError as err:
            raise translate_refused(err) from err
        except RefreshTooSoonError as err:
            raise translate_too_soon(err) from err

    return handler


@asynccontextmanager
async def provider_errors(entry: ConnectedEVConfigEntry) -> AsyncIterator[None]:
    """Turn provider errors of an action into translated errors with the provider's reason."""
    try:
        yield
    except ProviderError as err:
        raise translate_provider_error(entry, err) from err

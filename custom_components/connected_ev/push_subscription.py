"""Push subscription: what is registered at the provider and in Home Assistant Cloud.

A subscription is a webhook URL (a Home Assistant Cloud cloudhook when Cloud is logged in,
else the external URL) and a fresh secret; the registration is stored in the entry data so
that it survives restarts and is deleted with the entry.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.network import NoURLAvailableError

from .api.errors import AuthenticationError, NotFoundError, ProviderError
from .api.provider import as_push
from .const import LOGGER
from .coordinator import ConnectedEVConfigEntry
from .options import DATA_PUSH
from .providers import async_get_credential, create_provider
from .push_receiver import async_forget_webhook


class PushSetupError(Exception):
    """Push could not be enabled; ``key`` is the options flow's error to show."""

    def __init__(self, key: str, reason: str = "") -> None:
        super().__init__(key)
        self.key = key
        self.reason = reason

    @classmethod
    def from_provider_error(cls, err: ProviderError) -> PushSetupError:
        """Name the options flow's error for a provider that refused or was not reached."""
        key = "invalid_auth" if isinstance(err, AuthenticationError) else "cannot_connect"
        return cls(key, str(err))


@dataclass(frozen=True, slots=True)
class PushRegistration:
    """What push needs across restarts: stored in the entry data (the secret is never logged)."""

    webhook_id: str
    subscription_id: str
    secret: str
    cloudhook: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Serialize for the entry data."""
        return {
            "webhook_id": self.webhook_id,
            "subscription_id": self.subscription_id,
            "secret": self.secret,
            "cloudhook": self.cloudhook,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> PushRegistration | None:
        """Read the registration from entry data; ``None`` when there is none (or it is bad)."""
        stored = data.get(DATA_PUSH)
        if not isinstance(stored, Mapping):
            return None
        values = (stored.get("webhook_id"), stored.get("subscription_id"), stored.get("secret"))
        if not all(isinstance(value, str) and value for value in values):
            return None
        return cls(*values, cloudhook=bool(stored.get("cloudhook")))  # type: ignore[arg-type]


def new_secret() -> str:
    """256 random bits, hex: well above the 128 bits a webhook secret needs."""
    return secrets.token_hex(32)


async def async_webhook_url(hass: HomeAssistant, webhook_id: str) -> tuple[str, bool]:
    """Use a cloudhook when Home Assistant Cloud is logged in, else the external URL."""
    if (cloud := _cloud(hass)) is not None and cloud.async_active_subscription(hass):
        try:
            url: str = await cloud.async_create_cloudhook(hass, webhook_id)
        except cloud.CloudNotAvailable:
            LOGGER.debug("Home Assistant Cloud is not connected; using the external URL")
        else:
            return url, True
    try:
        return webhook.async_generate_url(hass, webhook_id, allow_internal=False), False
    except NoURLAvailableError as err:
        raise PushSetupError("no_url") from err


async def async_delete_cloudhook(hass: HomeAssistant, registration: PushRegistration) -> None:
    """Delete the registration's cloudhook, if it has one and Cloud is set up."""
    if registration.cloudhook and (cloud := _cloud(hass)) is not None:
        with contextlib.suppress(cloud.CloudNotAvailable, ValueError):
            await cloud.async_delete_cloudhook(hass, registration.webhook_id)


def _cloud(hass: HomeAssistant) -> ModuleType | None:
    """Home Assistant Cloud, if it is set up (imported late: it is an after-dependency)."""
    if "cloud" not in hass.config.components:
        return None
    from homeassistant.components import cloud  # noqa: PLC0415

    return cloud


async def async_remove_push(hass: HomeAssistant, entry: ConnectedEVConfigEntry) -> None:
    """On entry removal, delete its webhook, cloudhook and provider subscription.

    Deleting at the provider is best effort. The entry is unloaded by now, so the provider is
    built again from its credentials.
    """
    if (registration := PushRegistration.from_data(entry.data)) is None:
        return
    async_forget_webhook(hass, registration.webhook_id)
    await async_delete_cloudhook(hass, registration)
    try:
        credential = await async_get_credential(hass, entry)
    except (HomeAssistantError, ValueError):  # unavailable or unknown credential
        LOGGER.warning("Could not delete the push subscription of %s: no credentials", entry.title)
        return
    provider = create_provider(hass, entry.data, credential)
    try:
        await as_push(provider).async_delete_push_subscription(registration.subscription_id)
    except NotFoundError:
        pass
    except ProviderError as err:
        LOGGER.warning("Could not delete the push subscription of %s: %s", entry.title, err)

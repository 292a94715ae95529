"""Deleting a device in Home Assistant unlinks it at providers that can (``DeviceRemoval``).

The entry's status stream is closed first (providers refuse to remove a device that is
being watched) and reopened after. A device the provider no longer has is simply removed;
a refusal is a translated error and nothing is removed, here or there.
"""

from __future__ import annotations

from dataclasses import replace

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .api.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitedError,
)
from .api.models import DeviceKind
from .api.provider import ProviderFeature, as_device_removal
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry
from .live_updates import async_live_updates_paused


def _refusal(err: ProviderError, name: str) -> HomeAssistantError:
    """Return the translated error telling why the provider kept the device."""
    if isinstance(err, ConflictError):
        key = "removal_not_allowed"
    elif isinstance(err, AuthenticationError):
        key = "authentication_failed"
    elif isinstance(err, (ProviderUnavailableError, RateLimitedError)):
        key = "provider_unavailable"
    else:
        key = "removal_failed"
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders={"name": name}
    )


async def async_remove_linked_device(
    hass: HomeAssistant, entry: ConnectedEVConfigEntry, device_id: str
) -> bool:
    """Unlink a listed device at the provider; False if the provider cannot unlink devices."""
    coordinator = entry.runtime_data.coordinator
    provider = entry.runtime_data.provider
    if ProviderFeature.DEVICE_REMOVAL not in provider.features:
        return False
    data = coordinator.data
    kind = DeviceKind.VEHICLE if device_id in data.vehicles else DeviceKind.CHARGER
    name = coordinator.device_label(device_id)
    async with async_live_updates_paused(hass, entry):
        try:
            await as_device_removal(provider).async_remove_device(kind, device_id)
        except NotFoundError:
            LOGGER.debug("The device to remove was already gone at the provider")
        except ProviderError as err:
            raise _refusal(err, name) from err
        data = coordinator.data
        coordinator.async_set_pushed_data(
            replace(
                data,
                vehicles={i: v for i, v in data.vehicles.items() if i != device_id},
                chargers={i: c for i, c in data.chargers.items() if i != device_id},
            )
        )
    return True

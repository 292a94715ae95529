"""Charging switch: start/stop through the provider, following the action until settled.

Asking for the state the switch already shows sends nothing and succeeds: charging planners
(ev_smart_charging, price automations) repeat ``turn_off`` at every start-up, reload and
unplug, and ``turn_on`` after the car started by itself, and such repeats must neither fail
nor spend the provider's request budget. A refusal by the device (unplugged, fully charged)
is the caller's request failing, so it is a validation error: logged without a traceback and
answered with HTTP 400, not 500, to REST callers.
"""

from __future__ import annotations

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.errors import NotCapableError
from .api.models import Capability, Charger, ChargingCommand, Vehicle
from .api.provider import ProviderFeature
from .const import DOMAIN, LOGGER
from .coordinator import ConnectedEVConfigEntry, ConnectedEVCoordinator
from .entity import ConnectedEVEntity, async_add_device_entities
from .helpers import provider_errors_translated

PARALLEL_UPDATES = 1

CHARGING_SWITCH = SwitchEntityDescription(key="charging", translation_key="charging")


def _charging_switches[DeviceT: Vehicle | Charger](
    coordinator: ConnectedEVCoordinator, device: DeviceT
) -> list[ConnectedEVChargingSwitch[DeviceT]]:
    """Offer a switch only where both starting and stopping are possible."""
    if (
        ProviderFeature.CHARGING_CONTROL in coordinator.provider.features
        and device.can(Capability.START_CHARGING)
        and device.can(Capability.STOP_CHARGING)
    ):
        return [ConnectedEVChargingSwitch(coordinator, device, CHARGING_SWITCH)]
    return []


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConnectedEVConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a charging switch to every device that can start and stop charging."""
    async_add_device_entities(entry, async_add_entities, _charging_switches, _charging_switches)


class ConnectedEVChargingSwitch[DeviceT: Vehicle | Charger](
    ConnectedEVEntity[DeviceT], SwitchEntity
):
    """Charging on/off; shows the requested state while the provider carries it out."""

    @property
    @override
    def is_on(self) -> bool | None:
        """The tracked action's command while there is one, else what the device reports."""
        action = self.coordinator.pending_action(self.device_id)
        if action is not None and action.command is not ChargingCommand.UNKNOWN:
            return action.command is ChargingCommand.START
        return self.device.charge_state.is_charging

    @provider_errors_translated
    @override
    async def async_turn_on(self, /, **kwargs: Any) -> None:
        """Ask the device to start charging, unless it charges or was asked to already."""
        await self._async_set_charging(on=True)

    @provider_errors_translated
    @override
    async def async_turn_off(self, /, **kwargs: Any) -> None:
        """Ask the device to stop charging, unless it is stopped or was asked to already."""
        await self._async_set_charging(on=False)

    async def _async_set_charging(self, *, on: bool) -> None:
        """Send start/stop only when it changes something; refusals become validation errors.

        ``is_on`` already follows a pending or just-confirmed action, so a repeat of the
        request under way sends nothing either, while the opposite request is sent and
        overrides it at the provider. An unknown state is always sent.
        """
        if self.is_on is on:
            LOGGER.debug("%s is already %s: nothing sent", self.entity_id, "on" if on else "off")
            return
        try:
            await self.coordinator.async_set_charging(self.kind, self.device_id, on=on)
        except NotCapableError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_capable",
                translation_placeholders={"detail": err.detail or str(err)},
            ) from err

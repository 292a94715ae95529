"""The interface Home Assistant code depends on: one provider account.

Shaped by every provider the integration supports, not by Enode alone: some providers are
read-only (Chargetrip), some link through OAuth codes (Hiven) rather than link sessions, and
some push (Enode) while others must be polled. What a provider cannot do is said by
``features``; calls outside them raise ``NotCapableError``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from .models import (
    ChargeAction,
    Charger,
    ChargingCommand,
    DeviceKind,
    LinkSession,
    MaxCurrentAction,
    UserInfo,
    Vehicle,
)


class ProviderFeature(StrEnum):
    """Account-level abilities of a provider, independent of any one device."""

    LINK_SESSION = "link_session"
    CHARGERS = "chargers"
    CHARGING_CONTROL = "charging_control"
    SMART_CHARGING = "smart_charging"
    LOCATIONS = "locations"
    PUSH = "push"
    REFRESH_HINT = "refresh_hint"


class Provider(Protocol):
    """One provider account, as the coordinator, entities and actions use it."""

    @property
    def account_id(self) -> str:
        """Stable id of the account (the config entry's unique id)."""
        ...

    @property
    def features(self) -> frozenset[ProviderFeature]:
        """What this provider can do at all; devices narrow it with their capabilities."""
        ...

    async def async_validate(self) -> UserInfo:
        """Check the credentials with one cheap request; raise ``AuthenticationError``."""
        ...

    async def async_list_vehicles(self) -> list[Vehicle]:
        """Every vehicle of the account, all pages, in a fixed number of requests."""
        ...

    async def async_list_chargers(self) -> list[Charger]:
        """Every charger of the account (empty where the provider has none)."""
        ...

    async def async_create_link_session(
        self, kind: DeviceKind, redirect_uri: str, language: str
    ) -> LinkSession:
        """Start linking a device of ``kind``; the user's browser goes to ``link_url``."""
        ...

    async def async_set_charging(
        self, kind: DeviceKind, device_id: str, command: ChargingCommand
    ) -> ChargeAction:
        """Ask the device to start or stop charging; the returned action tracks it."""
        ...

    async def async_get_charge_action(self, kind: DeviceKind, action_id: str) -> ChargeAction:
        """Return the current state of an action started by ``async_set_charging``."""
        ...

    async def async_refresh_hint(self, kind: DeviceKind, device_id: str) -> None:
        """Ask the provider to fetch fresh data from the device (may wake a car: sparingly)."""
        ...

    async def async_set_max_current(
        self, kind: DeviceKind, device_id: str, max_current_a: float
    ) -> MaxCurrentAction:
        """Change the device's maximum charging current (ampere)."""
        ...
